/**
 * @module
 * The functions' database access: one postgres.js pool per function instance, and every request's
 * SQL in one transaction under the caller's role and JWT claims, so RLS decides what it sees.
 */

import postgres from "postgres";
import type { FunctionConfig } from "./config.ts";

/** A postgres.js pool. */
export type Sql = postgres.Sql;
/** A postgres.js transaction. */
export type Tx = postgres.TransactionSql;

/** JWT claims as Supabase puts them into `request.jwt.claims`. */
export interface Claims {
  role: string;
  sub?: string;
  [claim: string]: unknown;
}

/** The only database roles a JWT may select; anything else (say `postgres`) is refused. */
export const JWT_ROLES = ["anon", "authenticated", "service_role"] as const;

/**
 * Opens the function's pool.
 *
 * @example
 * ```ts
 * const sql = connectDatabase(loadFunctionConfig());
 * ```
 */
export function connectDatabase(config: FunctionConfig, applicationName = "shelfwatch"): Sql {
  return postgres(config.databaseUrl, {
    max: config.poolMax,
    prepare: config.prepare,
    onnotice: () => {},
    connection: { application_name: applicationName },
  });
}

/**
 * Runs `work` in one transaction as the JWT's role with its claims set exactly as Supabase's
 * PostgREST and Realtime set them, so `auth.uid()`, `auth.jwt()` and RLS policies apply.
 *
 * @example
 * ```ts
 * const rows = await withClaims(sql, { role: "authenticated", sub: userId }, (tx) => tx`select auth.uid()`);
 * ```
 */
export async function withClaims<T>(
  sql: Sql,
  claims: Claims,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  if (!(JWT_ROLES as readonly string[]).includes(claims.role)) {
    throw new RangeError(
      `Cannot run SQL as role "${claims.role}": expected one of ${JWT_ROLES.join(", ")}`,
    );
  }
  const result = await sql.begin(async (tx) => {
    await tx`select set_config('role', ${claims.role}, true),
                    set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
    return await work(tx);
  });
  return result as T;
}
