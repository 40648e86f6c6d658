/**
 * @module
 * Realtime Authorization for private channels, as hosted Realtime decides it: the app's RLS
 * policies on `realtime.messages` are evaluated under the caller's role and JWT claims with
 * `realtime.topic` set to the channel's topic, inside a transaction that is always rolled back.
 * Read: probe rows are inserted (as the gateway's superuser) and selected back under RLS.
 * Write: an insert under the caller's role either passes the policies or fails with 42501.
 *
 * Each check is one round trip: the statements go as one simple-protocol string on a reserved
 * connection (values are quoted literals), which matters when thousands of sockets join at once.
 */

import type postgres from "postgres";
import type { TokenClaims } from "./access_token.ts";

/** What RLS lets the caller do on a topic. */
export interface TopicReadAccess {
  broadcast: boolean;
  presence: boolean;
}

/** The extensions realtime.messages distinguishes. */
export type Extension = "broadcast" | "presence";

/** The roles a token may run as; anything else (say `postgres`) is never authorised. */
const TOKEN_ROLES = new Set(["anon", "authenticated", "service_role"]);

function literal(value: string): string {
  if (value.includes("\0")) throw new RangeError("Cannot quote a value containing NUL");
  return `'${value.replaceAll("'", "''")}'`;
}

function callerConfig(topic: string, claims: TokenClaims): string {
  return `select set_config('role', ${literal(claims.role)}, true),
    set_config('request.jwt.claims', ${literal(JSON.stringify(claims))}, true),
    set_config('request.jwt.claim.sub', ${literal(String(claims.sub ?? ""))}, true),
    set_config('request.jwt.claim.role', ${literal(claims.role)}, true),
    set_config('realtime.topic', ${literal(topic)}, true);`;
}

async function rolledBack(
  sql: postgres.Sql,
  statements: string,
): Promise<{ rows: Record<string, unknown>[]; error?: { code?: string } }> {
  const connection = await sql.reserve();
  try {
    const results = await connection.unsafe(`begin; ${statements} rollback;`);
    return { rows: (results as unknown as Record<string, unknown>[][]).flat() };
  } catch (error) {
    await connection.unsafe("rollback");
    return { rows: [], error: error as { code?: string } };
  } finally {
    connection.release();
  }
}

/**
 * Which extensions the caller may read on `topic` (the topic without `realtime:`).
 *
 * @example
 * ```ts
 * const read = await readAccess(sql, { topic: "tenant:…:alerts", claims });
 * if (!read.broadcast && !read.presence) refuseJoin();
 * ```
 */
export async function readAccess(
  sql: postgres.Sql,
  { topic, claims }: { topic: string; claims: TokenClaims },
): Promise<TopicReadAccess> {
  if (!TOKEN_ROLES.has(claims.role)) return { broadcast: false, presence: false };
  const broadcastProbe = crypto.randomUUID();
  const presenceProbe = crypto.randomUUID();
  const { rows, error } = await rolledBack(
    sql,
    `insert into realtime.messages (id, topic, extension, private)
       values ('${broadcastProbe}', ${literal(topic)}, 'broadcast', true),
              ('${presenceProbe}', ${literal(topic)}, 'presence', true);
     ${callerConfig(topic, claims)}
     select id::text as probe_id from realtime.messages
      where id in ('${broadcastProbe}', '${presenceProbe}');`,
  );
  if (error) throw error;
  const ids = new Set(rows.map((row) => row.probe_id));
  return { broadcast: ids.has(broadcastProbe), presence: ids.has(presenceProbe) };
}

/**
 * Whether the caller may send `extension` messages to `topic` (broadcast or presence track).
 *
 * @example
 * ```ts
 * if (await writeAccess(sql, { topic, claims, extension: "presence" })) track();
 * ```
 */
export async function writeAccess(
  sql: postgres.Sql,
  { topic, claims, extension }: { topic: string; claims: TokenClaims; extension: Extension },
): Promise<boolean> {
  if (!TOKEN_ROLES.has(claims.role)) return false;
  const { error } = await rolledBack(
    sql,
    `${callerConfig(topic, claims)}
     insert into realtime.messages (topic, extension, private)
       values (${literal(topic)}, ${literal(extension)}, true);`,
  );
  if (!error) return true;
  if (error.code === "42501") return false;
  throw error;
}
