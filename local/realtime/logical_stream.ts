/**
 * @module
 * A logical-replication stream of one publication (pgoutput, a temporary slot), the way hosted
 * Realtime reads the WAL. The messages feed and Postgres Changes both use it. It confirms what it
 * has handed on, so a fast shutdown does not wait on it. After the connection drops it
 * reconnects with backoff on a new slot; `onSlot` runs each time the slot exists and before
 * streaming starts, so a caller can re-read what committed while it was away.
 */

import { Buffer } from "node:buffer";
import postgres from "postgres";
import { BACKOFF_MS, type Feed } from "./notify_feed.ts";
import { decodePgoutput, type WalMessage } from "./pgoutput.ts";

/** Options of {@link startLogicalStream}. */
export interface LogicalStreamOptions {
  databaseUrl: string;
  publication: string;
  /** Names the walsender in pg_stat_activity and this stream in log lines. */
  name: string;
  /** Runs each time a slot exists, before it streams (first start and every reconnect). */
  onSlot?(): Promise<void>;
  /** Each decoded message, in WAL order. */
  onMessage(message: WalMessage): void;
  log(message: string, fields?: Record<string, unknown>): void;
}

interface ReplicationStream {
  end(): void;
  write(b: Buffer): void;
  once(e: string, f: () => void): void;
}

/**
 * Opens a slot and streams the publication's changes.
 *
 * @example
 * ```ts
 * const stream = startLogicalStream({ databaseUrl, publication: "supabase_realtime",
 *   name: "realtime changes", onMessage: (m) => console.log(m.kind), log });
 * await stream.ready;
 * ```
 */
export function startLogicalStream(
  { databaseUrl, publication, name, onSlot, onMessage, log }: LogicalStreamOptions,
): Feed {
  let closed = false;
  let stream: ReplicationStream | undefined;
  let connection: postgres.Sql | undefined;
  let keepalive: ReturnType<typeof setInterval> | undefined;

  async function open(): Promise<void> {
    let lsn = Buffer.alloc(8);
    let lost = false;
    let streaming = false; // only a connection that streamed may start a reconnect loop
    const sql = postgres(databaseUrl, {
      max: 1,
      fetch_types: false,
      idle_timeout: 0,
      max_lifetime: null,
      onnotice: () => {},
      connection: { replication: "database", application_name: `shelfwatch ${name}` },
      onclose() {
        if (closed || lost || !streaming) return;
        lost = true;
        log(`${name} lost its connection; reconnecting`);
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
      await onSlot?.();
      const writable = await sql.unsafe(
        `START_REPLICATION SLOT ${slot} LOGICAL ${created.consistent_point} (proto_version '1', publication_names '${publication}')`,
      ).writable();
      stream = writable as unknown as ReplicationStream;
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
        // Everything up to the server's WAL end has been received and handed on (in order), so
        // confirm it: a fast shutdown waits until logical walsenders are confirmed that far.
        lsn = Buffer.from(x.subarray(1, 9));
        if (x[17]) standbyStatus();
        return;
      }
      if (x[0] !== 0x77 /* w: XLogData */) return;
      const message = decodePgoutput(x.subarray(25));
      if (!message) return;
      if (message.kind === "commit") lsn = Buffer.from(message.endLsn);
      onMessage(message);
    });
    writable.on("error", (error: unknown) => log(`${name} stream error`, { error: String(error) }));
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
        log(`${name} reconnected`, { attempts: attempt + 1 });
        return;
      } catch (error) {
        log(`${name} reconnect failed`, { attempt: attempt + 1, error: String(error) });
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
      await connection?.end({ timeout: 1 });
    },
  };
}
