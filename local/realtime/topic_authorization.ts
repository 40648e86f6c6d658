/**
 * @module
 * Realtime Authorization for private channels, as hosted Realtime decides it: the app's RLS
 * policies on `realtime.messages` are evaluated under the caller's role and JWT claims with
 * `realtime.topic` set to the channel's topic, inside a transaction that is always rolled back.
 * Read: probe rows are inserted (as the gateway's superuser) and selected back under RLS.
 * Write: an insert under the caller's role in a savepoint either passes the policies or not.
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

class Rollback<T> {
  constructor(readonly value: T) {}
}

async function inRolledBackTransaction<T>(
  sql: postgres.Sql,
  work: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  try {
    await sql.begin(async (tx) => {
      throw new Rollback(await work(tx));
    });
  } catch (error) {
    if (error instanceof Rollback) return error.value as T;
    throw error;
  }
  throw new Error("unreachable: the transaction always rolls back");
}

async function setCallerConfig(
  tx: postgres.TransactionSql,
  topic: string,
  claims: TokenClaims,
): Promise<void> {
  await tx`select set_config('role', ${claims.role}, true),
                  set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
                  set_config('request.jwt.claim.sub', ${String(claims.sub ?? "")}, true),
                  set_config('request.jwt.claim.role', ${claims.role}, true),
                  set_config('realtime.topic', ${topic}, true)`;
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
export function readAccess(
  sql: postgres.Sql,
  { topic, claims }: { topic: string; claims: TokenClaims },
): Promise<TopicReadAccess> {
  return inRolledBackTransaction(sql, async (tx) => {
    const broadcastProbe = crypto.randomUUID();
    const presenceProbe = crypto.randomUUID();
    await tx`insert into realtime.messages (id, topic, extension, private)
             values (${broadcastProbe}, ${topic}, 'broadcast', true),
                    (${presenceProbe}, ${topic}, 'presence', true)`;
    await setCallerConfig(tx, topic, claims);
    const visible = await tx<{ id: string }[]>`
      select id from realtime.messages where id in (${broadcastProbe}, ${presenceProbe})`;
    const ids = new Set(visible.map((row) => row.id));
    return { broadcast: ids.has(broadcastProbe), presence: ids.has(presenceProbe) };
  });
}

/**
 * Whether the caller may send `extension` messages to `topic` (broadcast or presence track).
 *
 * @example
 * ```ts
 * if (await writeAccess(sql, { topic, claims, extension: "presence" })) track();
 * ```
 */
export function writeAccess(
  sql: postgres.Sql,
  { topic, claims, extension }: { topic: string; claims: TokenClaims; extension: Extension },
): Promise<boolean> {
  return inRolledBackTransaction(sql, async (tx) => {
    await setCallerConfig(tx, topic, claims);
    try {
      await tx`insert into realtime.messages (topic, extension, private)
               values (${topic}, ${extension}, true)`;
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === "42501") return false;
      throw error;
    }
  });
}
