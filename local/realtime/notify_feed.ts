/**
 * @module
 * The default feed from Postgres: `LISTEN realtime:messages`. The platform shim's
 * `realtime.send()` notifies once per transaction with the transaction's timestamp (the
 * `inserted_at` of every message it wrote), so a statement sending 10,000 messages costs one
 * notification; the feed then reads the rows in batches by that indexed column. After the
 * connection drops (a Postgres restart) it reconnects with backoff and re-reads the last minute,
 * so messages committed while it was away are still delivered (each id once).
 */

import postgres from "postgres";
import { MESSAGE_COLUMNS, type MessageRow } from "./message_delivery.ts";

/** A running feed. */
export interface Feed {
  /** Resolves once the feed listens (or streams). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** How a feed reports what it read. */
export interface FeedOptions {
  databaseUrl: string;
  deliver(rows: MessageRow[]): void;
  log(message: string, fields?: Record<string, unknown>): void;
}

/** The NOTIFY channel the shim signals. */
export const NOTIFY_CHANNEL = "realtime:messages";

/** Reconnect delays after Postgres goes away (the last repeats). */
export const BACKOFF_MS = [100, 250, 500, 1000, 2000, 5000];
const CATCH_UP = "1 minute";

/**
 * Messages written since a minute before `since` (an `inserted_at`): what a feed re-reads after
 * a reconnect. Transactions can commit well after they start, hence the minute.
 *
 * @example
 * ```ts
 * deliver(await readMessagesSince(reader, "2026-11-22 08:00:00"));
 * ```
 */
export function readMessagesSince(
  reader: postgres.Sql,
  since: string,
): Promise<(MessageRow & { inserted_at: string })[]> {
  return reader<(MessageRow & { inserted_at: string })[]>`
    select ${reader(MESSAGE_COLUMNS)}, inserted_at::text as inserted_at
    from realtime.messages
    where inserted_at > ${since}::text::timestamp - ${CATCH_UP}::interval
    order by inserted_at, id`;
}

/**
 * Starts listening.
 *
 * @example
 * ```ts
 * const feed = startNotifyFeed({ databaseUrl, deliver: createMessageDelivery(context), log });
 * await feed.ready;
 * ```
 */
export function startNotifyFeed({ databaseUrl, deliver, log }: FeedOptions): Feed {
  let closed = false;
  let connected = false;
  let reconnecting: Promise<void> | undefined;
  const pending = new Set<string>();
  let reading: Promise<void> | undefined;
  let latest: string | undefined;

  const reader = postgres(databaseUrl, {
    max: 2,
    onnotice: () => {},
    connection: {
      application_name: "shelfwatch-realtime-reader",
      // The read is a prepared statement run up to 1,000 times a second. Postgres switches such a
      // statement to a generic plan after five runs, and a generic plan made while
      // realtime.messages was nearly empty (a new database, before autovacuum's first ANALYZE)
      // is a sequential scan: with 50,000 rows each read took 50 ms, the feed fell seconds
      // behind at 1,000 messages/s. A custom plan per run costs ~0.1 ms and follows the table.
      plan_cache_mode: "force_custom_plan",
    },
  });
  const listener = postgres(databaseUrl, {
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    onnotice: () => {},
    connection: { application_name: "shelfwatch-realtime-listen" },
    onnotify(channel: string, payload: string) {
      if (channel !== NOTIFY_CHANNEL) return;
      pending.add(payload);
      schedule();
    },
    onclose() {
      if (closed || !connected) return;
      connected = false;
      log("realtime feed lost its Postgres connection; reconnecting");
      reconnecting ??= reconnect().finally(() => (reconnecting = undefined));
    },
  } as postgres.Options<Record<string, postgres.PostgresType>>);

  function schedule(): void {
    if (reading || closed) return;
    reading = readPending().finally(() => {
      reading = undefined;
      if (pending.size > 0 && connected) schedule();
    });
  }

  async function readPending(): Promise<void> {
    const stamps = [...pending];
    pending.clear();
    // (as text: postgres.js would send a timestamp parameter through Date, losing microseconds)
    try {
      const rows = await reader<(MessageRow & { inserted_at: string })[]>`
        select ${reader(MESSAGE_COLUMNS)}, inserted_at::text as inserted_at
        from realtime.messages
        where inserted_at = any(${stamps}::text[]::timestamp[])
        order by inserted_at, id`;
      remember(rows);
      deliver(rows);
    } catch (error) {
      if (closed) return;
      for (const stamp of stamps) pending.add(stamp); // read again once reconnected
      log("realtime feed read failed", { error: String(error) });
    }
  }

  function remember(rows: { inserted_at: string }[]): void {
    for (const row of rows) {
      if (latest === undefined || row.inserted_at > latest) latest = row.inserted_at;
    }
  }

  async function catchUp(): Promise<void> {
    if (latest === undefined) return;
    const rows = await readMessagesSince(reader, latest);
    remember(rows);
    deliver(rows);
  }

  async function listen(): Promise<void> {
    await listener.unsafe(`listen "${NOTIFY_CHANNEL}"`);
    if (latest === undefined) {
      // catch-up after a later reconnect starts from here, even if nothing was sent yet
      const [{ now }] = await listener<{ now: string }[]>`select now()::timestamp::text as now`;
      latest = now;
    }
    connected = true;
  }

  async function reconnect(): Promise<void> {
    for (let attempt = 0; !closed; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[Math.min(attempt, 5)]));
      if (closed) return;
      try {
        await listen();
        await catchUp();
        log("realtime feed reconnected", { attempts: attempt + 1 });
        schedule();
        return;
      } catch (error) {
        connected = false;
        log("realtime feed reconnect failed", { attempt: attempt + 1, error: String(error) });
      }
    }
  }

  const ready = listen();
  return {
    ready,
    async close() {
      closed = true;
      await reading?.catch(() => {});
      await Promise.all([listener.end({ timeout: 1 }), reader.end({ timeout: 1 })]);
    },
  };
}
