/**
 * @module
 * Broadcast replay, as hosted serves it: a private channel joining with
 * `config.broadcast.replay = {since, limit}` first gets the newest `limit` (1–25, default 10)
 * database messages of its topic inserted since `since` (epoch milliseconds), oldest first, each
 * with `meta.replayed: true`. Public channels are refused, with hosted's reasons.
 */

import type postgres from "postgres";
import { MESSAGE_COLUMNS, type MessageRow } from "./message_delivery.ts";

/** What a join asked to replay. */
export interface ReplayRequest {
  since: number;
  limit: number;
}

/** Hosted's cap on messages per replay. */
export const MAX_REPLAY_MESSAGES = 25;
const DEFAULT_REPLAY_MESSAGES = 10;

/** Hosted's join-error reasons for replay. */
export const REPLAY_REASONS = {
  publicChannel: "UnableToReplayMessages: Replay is not allowed for public channels",
  invalidParams: "UnableToReplayMessages: Replay params are not valid",
  failed: "UnableToReplayMessages: Realtime was unable to replay messages",
} as const;

/**
 * Reads `config.broadcast.replay`: undefined when absent, else the request, or the reason to
 * refuse the join with.
 *
 * @example
 * ```ts
 * parseReplay({ since: Date.now() - 60_000, limit: 5 }, true); // { since, limit: 5 }
 * ```
 */
export function parseReplay(
  replay: unknown,
  isPrivate: boolean,
): ReplayRequest | { refused: string } | undefined {
  if (replay === undefined || replay === null) return undefined;
  if (!isPrivate) return { refused: REPLAY_REASONS.publicChannel };
  if (typeof replay !== "object" || Array.isArray(replay)) {
    return { refused: REPLAY_REASONS.invalidParams };
  }
  const { since = 0, limit = DEFAULT_REPLAY_MESSAGES } = replay as Record<string, unknown>;
  if (!Number.isSafeInteger(since) || !Number.isSafeInteger(limit)) {
    return { refused: REPLAY_REASONS.invalidParams };
  }
  return {
    since: since as number,
    limit: Math.max(1, Math.min(limit as number, MAX_REPLAY_MESSAGES)),
  };
}

/**
 * The messages to replay for `topic` (without `realtime:`), oldest first.
 *
 * @example
 * ```ts
 * const rows = await readReplay(sql, "tenant:1:alerts", { since: 0, limit: 10 });
 * ```
 */
export async function readReplay(
  sql: postgres.Sql,
  topic: string,
  { since, limit }: ReplayRequest,
): Promise<MessageRow[]> {
  const rows = await sql<MessageRow[]>`
    select ${sql(MESSAGE_COLUMNS)} from realtime.messages
    where topic = ${topic} and private is true and extension = 'broadcast'
      and inserted_at >= to_timestamp(${since}::float8 / 1000) at time zone 'UTC'
      and inserted_at < (now() + interval '1 minute') at time zone 'UTC'
    order by inserted_at desc
    limit ${limit}`;
  return rows.reverse();
}
