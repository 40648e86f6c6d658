/**
 * @module
 * The local stack's dispatch worker (hosted Supabase uses pg_cron and pg_net instead): LISTENs on
 * `deliveries`, which the outbox's statement-level insert trigger notifies once per statement,
 * and dispatches at once; it also polls every few seconds for what no insert announces (retries
 * coming due, quiet hours ending, deferred rows, expired leases). Up to `maxInFlight` dispatches
 * run at a time; a wake-up while all are busy is remembered, never lost.
 */

import postgres from "postgres";
import type { Logger } from "../functions/_shared/logging.ts";
import type { Dispatcher } from "../functions/notify/dispatcher.ts";

/** Options of {@link startDispatchWorker}. */
export interface DispatchWorkerOptions {
  /** Where to LISTEN (a connection of its own is opened). */
  databaseUrl: string;
  dispatcher: Dispatcher;
  /** Full batches are followed at once by another; this is the claim size. */
  batchSize: number;
  pollMs?: number;
  maxInFlight?: number;
  logger?: Logger;
}

/** A running worker. */
export interface DispatchWorker {
  /** Resolves once LISTEN is in place. */
  ready: Promise<void>;
  /** Dispatches now (as a notification would). */
  wake(): void;
  /** Stops listening and polling and waits for dispatches in flight. */
  stop(): Promise<void>;
}

/**
 * @example
 * ```ts
 * const worker = startDispatchWorker({ databaseUrl, dispatcher, batchSize: 50 });
 * await worker.ready;
 * // ... later
 * await worker.stop();
 * ```
 */
export function startDispatchWorker(
  { databaseUrl, dispatcher, batchSize, pollMs = 2_000, maxInFlight = 4, logger }:
    DispatchWorkerOptions,
): DispatchWorker {
  const listener = postgres(databaseUrl, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: "shelfwatch-dispatch-worker" },
  });
  let stopped = false;
  let inFlight = 0;
  let again = false;
  const running = new Set<Promise<void>>();

  async function loop() {
    try {
      do {
        again = false;
        const summary = await dispatcher.dispatch({ batchSize });
        if (summary.claimed >= batchSize) again = true;
      } while (again && !stopped);
    } catch (error) {
      logger?.error("dispatch_failed", { error: (error as Error).message });
    }
  }

  function wake() {
    if (stopped) return;
    if (inFlight >= maxInFlight) {
      again = true;
      return;
    }
    inFlight++;
    const run = loop().finally(() => {
      inFlight--;
      running.delete(run);
    });
    running.add(run);
  }

  const subscription = listener.listen("deliveries", () => wake(), () => wake());
  const timer = setInterval(wake, pollMs);
  return {
    ready: subscription.then(() => {}),
    wake,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await subscription.then((s) => s.unlisten()).catch(() => {});
      await Promise.allSettled([...running]);
      await listener.end({ timeout: 2 });
    },
  };
}
