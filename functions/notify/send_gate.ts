/**
 * @module
 * Keeps the dispatcher within what providers allow, by waiting, never by dropping: at most
 * `concurrency` requests in flight per provider, and per destination (one Slack or Discord
 * webhook, one Twilio number) at most `perSecond` requests per second, spaced evenly. A send that
 * would have to wait longer than the caller can (its lease), for the destination's rate or for a
 * free slot of its provider, is told how long instead, so the delivery can go back to the queue,
 * due when there is room.
 */

/** Options of {@link createSendGate}. */
export interface SendGateOptions {
  /** Requests in flight per provider. */
  concurrency: number;
  /** The clock (epoch ms); tests pass a fake one. */
  now?: () => number;
  /** Waits; tests pass a fake one that advances their clock. */
  sleep?: (ms: number) => Promise<void>;
}

/** Where a send goes, for the gate. */
export interface GateKey {
  /** Counts against this provider's concurrency. */
  provider: string;
  /** Spaced per this destination; omitted = no rate. */
  destination?: string;
  /** Sends per second to the destination; 0 = no rate. */
  perSecond?: number;
}

/** A send gate. */
export interface SendGate {
  /**
   * Runs `send` when the provider and destination have room, or, if that would take longer than
   * `maxWaitMs`, does not run it and returns how long until there is room.
   */
  run<T>(
    key: GateKey,
    maxWaitMs: number,
    send: () => Promise<T>,
  ): Promise<{ ran: true; value: T } | { ran: false; waitMs: number }>;
}

/**
 * @example
 * ```ts
 * const gate = createSendGate({ concurrency: 8 });
 * const outcome = await gate.run({ provider: "slack", destination: url, perSecond: 1 }, 30_000, send);
 * ```
 */
export function createSendGate(
  { concurrency, now = Date.now, sleep = (ms) => new Promise((r) => setTimeout(r, ms)) }:
    SendGateOptions,
): SendGate {
  // The next free slot per destination: reserving one moves it on by 1/perSecond.
  const nextSlot = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const waiting = new Map<string, (() => void)[]>();

  /** Takes a slot of the provider's concurrency, waiting at most `maxWaitMs`; false if none came. */
  async function acquire(provider: string, maxWaitMs: number): Promise<boolean> {
    const count = inFlight.get(provider) ?? 0;
    if (count < concurrency) {
      inFlight.set(provider, count + 1);
      return true;
    }
    return await new Promise<boolean>((resolve) => {
      const queue = waiting.get(provider) ?? [];
      const waiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        resolve(false);
      }, Math.max(0, maxWaitMs));
      queue.push(waiter);
      waiting.set(provider, queue);
    });
  }
  function release(provider: string) {
    const next = waiting.get(provider)?.shift();
    if (next) next(); // hands its slot straight on
    else inFlight.set(provider, (inFlight.get(provider) ?? 1) - 1);
  }

  return {
    async run(key, maxWaitMs, send) {
      let waited = 0;
      if (key.destination && key.perSecond && key.perSecond > 0) {
        const slotKey = `${key.provider}\u0000${key.destination}`;
        const interval = 1000 / key.perSecond;
        const at = Math.max(now(), nextSlot.get(slotKey) ?? 0);
        const wait = at - now();
        if (wait > maxWaitMs) return { ran: false, waitMs: wait };
        nextSlot.set(slotKey, at + interval);
        if (wait > 0) await sleep(wait);
        waited = Math.max(0, wait);
      }
      const started = now();
      if (!(await acquire(key.provider, maxWaitMs - waited))) {
        // The provider stayed busy longer than the caller can wait: come back in a moment.
        return { ran: false, waitMs: Math.max(1_000, now() - started) };
      }
      try {
        return { ran: true, value: await send() };
      } finally {
        release(key.provider);
      }
    },
  };
}
