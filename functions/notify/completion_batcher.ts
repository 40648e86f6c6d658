/**
 * @module
 * Records sent deliveries in batches: completions that arrive in the same turn of the event loop
 * go to Postgres as one `complete_deliveries()` statement instead of one round trip each. Each
 * caller learns whether its delivery was completed, or had lost its lease to another worker.
 * A statement that fails because the connection to Postgres broke (a restart, a failover) is
 * tried again while the deliveries' leases last: the messages were sent, and a record given up on
 * would have them sent a second time once their lease runs out (the fault suite's Postgres
 * restart test).
 */

import type { Sql } from "../_shared/db.ts";

/** One sent delivery to record. */
export interface Completion {
  id: string;
  provider: string;
  providerMessageId: string | null;
  /** Epoch ms until which a broken connection is worth retrying (the lease's end). */
  retryUntil?: number;
}

/** The most completions one statement records. */
const MAX_BATCH = 500;

/** Waits between tries of a batch whose connection broke, by try (the last one repeats). */
const RETRY_DELAYS_MS = [100, 250, 500, 1000];

/** postgres.js codes and SQLSTATEs of a lost or refused connection (not of a failed statement). */
const CONNECTION_LOST = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "CONNECT_TIMEOUT",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08003",
  "08006",
]);

/** Deno's own errors for a socket the server closed (they do not always carry a `code`). */
const LOST_SOCKET_ERRORS = [
  Deno.errors.BrokenPipe,
  Deno.errors.ConnectionReset,
  Deno.errors.ConnectionAborted,
  Deno.errors.ConnectionRefused,
  Deno.errors.NotConnected,
];

function connectionLost(error: unknown): boolean {
  if (LOST_SOCKET_ERRORS.some((type) => error instanceof type)) return true;
  if (CONNECTION_LOST.has(String((error as { code?: unknown })?.code))) return true;
  // postgres.js rethrows a write to a closed socket with only this message.
  return /socket has been ended by the other party/i.test(String((error as Error)?.message));
}

/**
 * @example
 * ```ts
 * const complete = completionBatcher(sql);
 * const recorded = await complete({ id, provider: "resend", providerMessageId: "em_1" });
 * if (!recorded) { ... } // the lease had passed to another worker
 * ```
 */
export function completionBatcher(
  sql: Sql,
  { now = Date.now }: { now?: () => number } = {},
): (completion: Completion) => Promise<boolean> {
  const queue: { completion: Completion; done: PromiseWithResolvers<boolean> }[] = [];
  let scheduled = false;

  async function flush() {
    scheduled = false;
    const batch = queue.splice(0, MAX_BATCH);
    if (queue.length > 0) schedule();
    for (let attempt = 0;; attempt++) {
      try {
        const rows = await sql<{ id: string }[]>`
          select id from public.complete_deliveries(
            ${batch.map((b) => b.completion.id)}::uuid[],
            ${batch.map((b) => b.completion.provider)}::text[],
            ${batch.map((b) => b.completion.providerMessageId)}::text[])`;
        const completed = new Set(rows.map((row) => row.id));
        for (const { completion, done } of batch) done.resolve(completed.has(completion.id));
        return;
      } catch (error) {
        const wait = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
        const until = Math.min(...batch.map((b) => b.completion.retryUntil ?? 0));
        if (connectionLost(error) && now() + wait < until) {
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        for (const { done } of batch) done.reject(error);
        return;
      }
    }
  }
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setTimeout(flush, 0);
  }

  return (completion) => {
    const done = Promise.withResolvers<boolean>();
    queue.push({ completion, done });
    schedule();
    return done.promise;
  };
}
