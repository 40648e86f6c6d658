/**
 * @module
 * Connecting to a Postgres named by URL, with one clear sentence when that fails.
 */

import postgres from "postgres";
import { StackError } from "./stack_error.ts";

/** The local cluster's superuser URL, as `supabase start` prints it. */
export function localClusterUrl(port: number, database = "postgres"): string {
  return `postgresql://postgres:postgres@127.0.0.1:${port}/${database}`;
}

/**
 * The URL without its password, safe to print.
 *
 * @example
 * ```ts
 * redactUrl("postgresql://postgres:secret@db:5432/postgres"); // "postgresql://postgres:***@db:5432/postgres"
 * ```
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/** The same URL pointing at another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const parsed = parseDatabaseUrl(url, "database URL");
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Parses a postgres:// URL or explains, naming `what`, why it is not one. */
export function parseDatabaseUrl(url: string, what = "DATABASE_URL"): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StackError(
      `${what} is not a valid URL; expected postgresql://user:password@host:port/database.`,
    );
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new StackError(
      `${what} must start with postgresql:// (got "${parsed.protocol}//"); expected postgresql://user:password@host:port/database.`,
    );
  }
  if (!parsed.hostname) {
    throw new StackError(
      `${what} has no host; expected postgresql://user:password@host:port/database.`,
    );
  }
  return parsed;
}

/**
 * Opens a small pool to `url` and proves it answers, or throws a {@link StackError} that says
 * which server could not be reached and why.
 */
export async function connectOrExplain(
  url: string,
  { what = "DATABASE_URL", max = 4 }: { what?: string; max?: number } = {},
): Promise<postgres.Sql> {
  parseDatabaseUrl(url, what);
  const sql = postgres(url, { max, onnotice: () => {}, connect_timeout: 10 });
  try {
    await sql`select 1`;
    return sql;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    throw new StackError(
      `Cannot connect to ${what} (${
        redactUrl(url)
      }): ${reason}. Check the host, port, user, password and database name, and that the server is running.`,
      { cause: error },
    );
  }
}
