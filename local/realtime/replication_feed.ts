/**
 * @module
 * The optional feed for high write rates: logical replication of `realtime.messages` (publication
 * `supabase_realtime_messages_publication`), as hosted Realtime reads it; writers pay no NOTIFY
 * lock. Needs `wal_level = logical` (the local cluster has it). After the connection drops the
 * stream reconnects on a new slot and this feed re-reads the last minute, so nothing committed
 * meanwhile is lost (each id is still delivered once).
 */

import postgres from "postgres";
import { type Feed, type FeedOptions, readMessagesSince } from "./notify_feed.ts";
import { startLogicalStream } from "./logical_stream.ts";
import type { MessageRow } from "./message_delivery.ts";
import { tupleRecord, type WalRelation } from "./pgoutput.ts";

/** The publication the platform shim creates for this feed. */
export const MESSAGES_PUBLICATION = "supabase_realtime_messages_publication";

type StreamedMessage = MessageRow & { inserted_at: string };

function toMessage(row: Record<string, string | null>): StreamedMessage {
  return {
    id: row.id!,
    topic: row.topic!,
    event: row.event,
    payload: row.payload === null ? null : JSON.parse(row.payload),
    private: row.private === "t",
    extension: row.extension!,
    inserted_at: row.inserted_at!,
  };
}

/**
 * Starts streaming realtime.messages inserts.
 *
 * @example
 * ```ts
 * const feed = startReplicationFeed({ databaseUrl, deliver: createMessageDelivery(context), log });
 * await feed.ready;
 * ```
 */
export function startReplicationFeed({ databaseUrl, deliver, log }: FeedOptions): Feed {
  let latest: string | undefined;
  const reader = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const relations = new Map<number, WalRelation>();
  let batch: StreamedMessage[] = [];

  const stream = startLogicalStream({
    databaseUrl,
    publication: MESSAGES_PUBLICATION,
    name: "realtime replication feed",
    log,
    async onSlot() {
      batch = [];
      if (latest === undefined) {
        const [{ now }] = await reader<{ now: string }[]>`select now()::timestamp::text as now`;
        latest = now;
      } else {
        deliver(await readMessagesSince(reader, latest));
      }
    },
    onMessage(message) {
      switch (message.kind) {
        case "relation":
          relations.set(message.relation.oid, message.relation);
          return;
        case "insert": {
          const relation = relations.get(message.relationOid);
          if (relation?.schema !== "realtime" || relation.table !== "messages") return;
          batch.push(toMessage(tupleRecord(relation, message.row)));
          return;
        }
        case "commit": { // deliver the transaction's messages together
          if (batch.length === 0) return;
          const rows = batch;
          batch = [];
          for (const row of rows) if (row.inserted_at > latest!) latest = row.inserted_at;
          deliver(rows);
          return;
        }
      }
    },
  });

  return {
    ready: stream.ready,
    async close() {
      await stream.close();
      await reader.end({ timeout: 1 });
    },
  };
}
