/**
 * @module
 * `GET /alerts/health`: is the database reachable, and does it have the schema this code expects?
 */

import type { Sql } from "../_shared/db.ts";
import { SCHEMA_VERSION } from "../_shared/schema_version.ts";

/** The health report; `status` is `ok` only when both checks pass. */
export interface HealthReport {
  status: "ok" | "degraded" | "unavailable";
  database: { reachable: boolean; latency_ms: number | null; error?: string };
  migrations: { expected: string; applied: string | null; current: boolean };
}

/**
 * Checks the database and its migration ledger.
 *
 * @example
 * ```ts
 * const report = await checkHealth(sql); // { status: "ok", ... }
 * ```
 */
export async function checkHealth(sql: Sql): Promise<HealthReport> {
  const started = performance.now();
  try {
    const [row] = await sql<{ applied: string | null }[]>`
      select case when to_regclass('supabase_migrations.schema_migrations') is null then null
                  else (select max(version) from supabase_migrations.schema_migrations) end as applied`;
    const latency = Math.round((performance.now() - started) * 10) / 10;
    const current = row.applied !== null && row.applied >= SCHEMA_VERSION;
    return {
      status: current ? "ok" : "degraded",
      database: { reachable: true, latency_ms: latency },
      migrations: { expected: SCHEMA_VERSION, applied: row.applied, current },
    };
  } catch (error) {
    return {
      status: "unavailable",
      database: {
        reachable: false,
        latency_ms: null,
        error: (error as { code?: string }).code ?? "connection_failed",
      },
      migrations: { expected: SCHEMA_VERSION, applied: null, current: false },
    };
  }
}
