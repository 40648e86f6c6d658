/**
 * @module
 * Turns `realtime.messages` rows into broadcasts on the hub, whichever feed read them: the
 * `meta.id` clients see is the row id, private rows reach only private channels that passed
 * their RLS read check, and the tenant's events/second limit drops messages over it (as hosted
 * does). Each id is delivered once, even when two reads overlap.
 */

import type { RealtimeContext } from "./realtime_context.ts";
import { hubKey, OutgoingBroadcast } from "./topic_hub.ts";

/** The columns of realtime.messages the gateway reads. */
export interface MessageRow {
  id: string;
  topic: string;
  event: string | null;
  payload: unknown;
  private: boolean | null;
  extension: string;
}

/** Columns to select, for both feeds. */
export const MESSAGE_COLUMNS = ["id", "topic", "event", "payload", "private", "extension"];

const REMEMBERED_IDS = 200_000;

/**
 * A broadcast message row as clients get it: `meta.id` is the row id, and `meta.replayed` marks
 * one a join replayed (see broadcast_replay.ts).
 *
 * @example
 * ```ts
 * hub.publish(hubKey(row.topic, true), messageBroadcast(row));
 * ```
 */
export function messageBroadcast(row: MessageRow, replayed = false): OutgoingBroadcast {
  const payload = typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload;
  return new OutgoingBroadcast(`realtime:${row.topic}`, {
    type: "broadcast",
    event: row.event ?? "",
    payload,
    meta: replayed ? { replayed: true, id: row.id } : { id: row.id },
  });
}

/**
 * Delivers rows to the hub, at most once per id.
 *
 * @example
 * ```ts
 * const deliver = createMessageDelivery(context);
 * deliver(rows);
 * ```
 */
export function createMessageDelivery(context: RealtimeContext): (rows: MessageRow[]) => void {
  const seen = new Set<string>();
  return function deliverMessages(rows: MessageRow[]): void {
    for (const row of rows) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      if (seen.size > REMEMBERED_IDS) seen.delete(seen.values().next().value!);
      if (row.extension !== "broadcast" || row.event === null) continue;
      if (context.events.over()) {
        context.log("realtime message dropped: too many messages per second", { id: row.id });
        continue;
      }
      const delivered = context.hub.publish(
        hubKey(row.topic, row.private === true),
        messageBroadcast(row),
      );
      context.events.add(delivered);
    }
  };
}
