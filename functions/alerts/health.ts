/**
 * @module
 * `GET /alerts/health`: is the database reachable, and does it have the schema this code expects?
 */

import { createRoute, z } from "@hono/zod-openapi";
import type { Sql } from "../_shared/db.ts";
import { SCHEMA_VERSION } from "../_shared/schema_version.ts";

/** The health report; `status` is `ok` only when both checks pass. */
export interface HealthReport {
  status: "ok" | "degraded" | "unavailable";
  database: { reachable: boolean; latency_ms: number | null; error?: string };
  migrations: { expected: string; applied: string | null; current: boolean };
}

const HealthReportSchema = z.object({
  status: z.enum(["ok", "degraded", "unavailable"]),
  database: z.object({
    reachable: z.boolean(),
    latency_ms: z.number().nullable(),
    error: z.string().optional(),
  }),
  migrations: z.object({
    expected: z.string(),
    applied: z.string().nullable(),
    current: z.boolean(),
  }),
}).openapi("HealthReport");

/** The route, for `app.openapi`; public (no token). */
export const healthRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["meta"],
  summary: "Database reachability and schema version",
  responses: {
    200: {
      description: "Healthy",
      content: { "application/json": { schema: HealthReportSchema } },
    },
    503: {
      description: "Database unreachable or behind this code",
      content: { "application/json": { schema: HealthReportSchema } },
    },
  },
});

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
