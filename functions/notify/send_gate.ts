/**
 * @module
 * Keeps the dispatcher within what providers allow, by waiting, never by dropping: at most
 * `concurrency` requests in flight per provider, and per destination (one Slack or Discord
 * webhook, one Twilio number) at most `perSecond` requests per second, spaced evenly. A send that
 * would have to wait longer than the caller can (its lease) is told how long instead, so the
 * delivery can go back to the queue, due when there is room.
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

  async function acquire(provider: string) {
    const count = inFlight.get(provider) ?? 0;
    if (count < concurrency) {
      inFlight.set(provider, count + 1);
      return;
    }
    await new Promise<void>((resolve) => {
      const queue = waiting.get(provider) ?? [];
      queue.push(resolve);
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
      if (key.destination && key.perSecond && key.perSecond > 0) {
        const slotKey = `${key.provider}\u0000${key.destination}`;
        const interval = 1000 / key.perSecond;
        const at = Math.max(now(), nextSlot.get(slotKey) ?? 0);
        const wait = at - now();
        if (wait > maxWaitMs) return { ran: false, waitMs: wait };
        nextSlot.set(slotKey, at + interval);
        if (wait > 0) await sleep(wait);
      }
      await acquire(key.provider);
      try {
        return { ran: true, value: await send() };
      } finally {
        release(key.provider);
      }
    },
  };
}
