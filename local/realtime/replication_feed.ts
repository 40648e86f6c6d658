/**
 * @module
 * The optional feed for high write rates: logical replication of `realtime.messages` (pgoutput,
 * publication `supabase_realtime_messages_publication`, a temporary slot), as hosted Realtime
 * reads it; writers pay no NOTIFY lock. Needs `wal_level = logical` (the local cluster has it).
 * After the connection drops it reconnects with backoff, opens a new slot and re-reads the last
 * minute, so nothing committed meanwhile is lost (each id is still delivered once).
 */

import { Buffer } from "node:buffer";
import postgres from "postgres";
import { BACKOFF_MS, type Feed, type FeedOptions, readMessagesSince } from "./notify_feed.ts";
import type { MessageRow } from "./message_delivery.ts";

/** The publication the platform shim creates for this feed. */
export const MESSAGES_PUBLICATION = "supabase_realtime_messages_publication";

interface Relation {
  schema: string;
  table: string;
  columns: string[];
}

// pgoutput TupleData: column count, then per column 'n' (null), 'u' (unchanged) or 't' + text.
function readTuple(x: Buffer, offset: number, columns: string[]): Record<string, string | null> {
  const row: Record<string, string | null> = {};
  const count = x.readUInt16BE(offset);
  offset += 2;
  for (let i = 0; i < count; i++) {
    const kind = x[offset++];
    if (kind === 0x74 /* t */ || kind === 0x62 /* b */) {
      const length = x.readUInt32BE(offset);
      offset += 4;
      row[columns[i]] = x.toString("utf8", offset, offset + length);
      offset += length;
    } else {
      row[columns[i]] = null;
    }
  }
  return row;
}

function toMessage(row: Record<string, string | null>): MessageRow & { inserted_at: string } {
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
  let closed = false;
  let latest: string | undefined;
  let stream:
    | { end(): void; write(b: Buffer): void; once(e: string, f: () => void): void }
    | undefined;
  let connection: postgres.Sql | undefined;
  let keepalive: ReturnType<typeof setInterval> | undefined;
  const reader = postgres(databaseUrl, { max: 1, onnotice: () => {} });

  async function open(): Promise<void> {
    const relations = new Map<number, Relation>();
    let lsn = Buffer.alloc(8);
    let batch: (MessageRow & { inserted_at: string })[] = [];
    let lost = false;
    let streaming = false; // only a connection that streamed may start a reconnect loop
    const sql = postgres(databaseUrl, {
      max: 1,
      fetch_types: false,
      idle_timeout: 0,
      max_lifetime: null,
      onnotice: () => {},
      connection: { replication: "database", application_name: "shelfwatch-realtime-wal" },
      onclose() {
        if (closed || lost || !streaming) return;
        lost = true;
        log("realtime replication feed lost its connection; reconnecting");
        void reconnect();
      },
    } as unknown as postgres.Options<Record<string, postgres.PostgresType>>);
    let writable: Awaited<ReturnType<typeof startStreaming>>;
    try {
      writable = await startStreaming();
    } catch (error) {
      await sql.end({ timeout: 0 }).catch(() => {});
      throw error;
    }
    connection = sql;
    streaming = true;

    async function startStreaming() {
      const slot = `shelfwatch_realtime_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
      const [created] = await sql.unsafe(
        `CREATE_REPLICATION_SLOT ${slot} TEMPORARY LOGICAL pgoutput NOEXPORT_SNAPSHOT`,
      );
      if (latest === undefined) {
        const [{ now }] = await reader<{ now: string }[]>`select now()::timestamp::text as now`;
        latest = now;
      } else {
        const rows = await readMessagesSince(reader, latest);
        deliver(rows);
      }
      const writable = await sql.unsafe(
        `START_REPLICATION SLOT ${slot} LOGICAL ${created.consistent_point} (proto_version '1', publication_names '${MESSAGES_PUBLICATION}')`,
      ).writable();
      stream = writable as unknown as typeof stream;
      return writable;
    }

    function standbyStatus(): void {
      const x = Buffer.alloc(34);
      x[0] = 0x72; // r
      lsn.copy(x, 1);
      lsn.copy(x, 9);
      lsn.copy(x, 17);
      x.writeBigInt64BE(BigInt(Date.now() - Date.UTC(2000, 0, 1)) * 1000n, 25);
      stream?.write(x);
    }
    clearInterval(keepalive);
    keepalive = setInterval(standbyStatus, 10_000);

    writable.on("data", (x: Buffer) => {
      if (x[0] === 0x6b /* k: keepalive */) {
        // Everything up to the server's WAL end has been received and delivered (in order), so
        // confirm it: a fast shutdown waits until logical walsenders are confirmed that far.
        lsn = Buffer.from(x.subarray(1, 9));
        if (x[17]) standbyStatus();
        return;
      }
      if (x[0] !== 0x77 /* w: XLogData */) return;
      const m = x.subarray(25);
      switch (m[0]) {
        case 0x52: { // R: relation
          let i = 5;
          const end = (from: number) => m.indexOf(0, from);
          const schema = m.toString("utf8", i, i = end(i));
          const table = m.toString("utf8", i + 1, i = end(i + 1));
          i += 2; // NUL, replica identity
          const count = m.readUInt16BE(i);
          i += 2;
          const columns: string[] = [];
          for (let c = 0; c < count; c++) {
            i += 1; // flags
            columns.push(m.toString("utf8", i, i = end(i)));
            i += 9; // NUL, type oid, typmod
          }
          relations.set(m.readUInt32BE(1), { schema, table, columns });
          return;
        }
        case 0x49: { // I: insert
          const relation = relations.get(m.readUInt32BE(1));
          if (relation?.schema !== "realtime" || relation.table !== "messages") return;
          batch.push(toMessage(readTuple(m, 6, relation.columns)));
          return;
        }
        case 0x43: { // C: commit -> deliver the transaction's messages together
          lsn = Buffer.from(m.subarray(10, 18));
          if (batch.length === 0) return;
          const rows = batch;
          batch = [];
          for (const row of rows) if (row.inserted_at > latest!) latest = row.inserted_at;
          deliver(rows);
          return;
        }
      }
    });
    writable.on(
      "error",
      (error: unknown) => log("realtime replication stream error", { error: String(error) }),
    );
  }

  async function reconnect(): Promise<void> {
    clearInterval(keepalive);
    stream = undefined;
    const old = connection;
    connection = undefined;
    await old?.end({ timeout: 0 }).catch(() => {});
    for (let attempt = 0; !closed; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[Math.min(attempt, 5)]));
      if (closed) return;
      try {
        await open();
        log("realtime replication feed reconnected", { attempts: attempt + 1 });
        return;
      } catch (error) {
        log("realtime replication reconnect failed", {
          attempt: attempt + 1,
          error: String(error),
        });
      }
    }
  }

  return {
    ready: open(),
    async close() {
      closed = true;
      clearInterval(keepalive);
      if (stream) {
        const ending = stream;
        await new Promise<void>((resolve) => {
          ending.once("close", resolve);
          ending.end();
          setTimeout(resolve, 1000);
        });
      }
      await Promise.all([
        connection?.end({ timeout: 1 }),
        reader.end({ timeout: 1 }),
      ]);
    },
  };
}
