/**
 * @module
 * Gets the stack a migrated database: our own cluster (started or reused) or the user's
 * `DATABASE_URL`, then the platform shim (only on our cluster) and the pending migrations.
 */

import type postgres from "postgres";
import { connectOrExplain } from "./database_url.ts";
import { applyMigrations, applyPlatform, type MigrationReport } from "./migrations.ts";
import { ensureCluster, type RunningCluster } from "./postgres_cluster.ts";
import type { LocalSettings } from "./settings.ts";

/** A database ready for the stack. */
export interface ReadyDatabase {
  url: string;
  sql: postgres.Sql;
  cluster: RunningCluster | undefined;
  report: MigrationReport;
  /** Closes our pool and stops the cluster if this process started it. */
  close(): Promise<void>;
}

/**
 * Opens (and if needed creates and starts) the database and migrates it.
 *
 * The shim is applied to `DATABASE_URL` databases too unless they already have Supabase's
 * `auth` and `realtime` schemas: a bare Postgres needs it, a Supabase one must not get it.
 */
export async function openDatabase(settings: LocalSettings): Promise<ReadyDatabase> {
  const cluster = settings.databaseUrl
    ? undefined
    : await ensureCluster({ ...settings, port: settings.dbPort });
  const url = settings.databaseUrl ?? cluster!.url;
  const sql = await connectOrExplain(url, {
    what: settings.databaseUrl ? "DATABASE_URL" : "the local Postgres",
  });
  try {
    if (cluster || !(await isSupabaseDatabase(sql))) await applyPlatform(sql);
    const report = await applyMigrations(sql);
    return {
      url,
      sql,
      cluster,
      report,
      async close() {
        await sql.end({ timeout: 5 });
        await cluster?.stop();
      },
    };
  } catch (error) {
    await sql.end({ timeout: 1 });
    await cluster?.stop();
    throw error;
  }
}

async function isSupabaseDatabase(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql`
    select exists (select 1 from pg_namespace where nspname = 'supabase_functions')
        or exists (select 1 from pg_roles where rolname = 'supabase_admin') as hosted`;
  return row.hosted;
}
