/**
 * @module
 * Hosted Realtime's tenant limits, enforced by the local gateway with the same refusal texts. The
 * local stack is one tenant; the defaults are the "Pro (no spend cap) / Team" plan's.
 */

/** Limits of one gateway (one tenant). */
export interface RealtimeLimits {
  /** Events sent by or delivered to clients per second (hosted: `tenant_events`). */
  maxEventsPerSecond: number;
  /** Channel joins per second across all sockets. */
  maxJoinsPerSecond: number;
  /** Channels one socket may have joined at once. */
  maxChannelsPerClient: number;
  /** Open sockets at once. */
  maxConcurrentUsers: number;
  /** Broadcast payload size in kilobytes (hosted compares `kb * 1000 + 500` bytes). */
  maxPayloadSizeKb: number;
  /** Presence track/untrack calls one client may make per {@link presenceWindowMs}. */
  presenceMaxCalls: number;
  presenceWindowMs: number;
}

/** Hosted "Team" plan limits, the local defaults. */
export const DEFAULT_LIMITS: RealtimeLimits = {
  maxEventsPerSecond: 2500,
  maxJoinsPerSecond: 2500,
  maxChannelsPerClient: 100,
  maxConcurrentUsers: 10_000,
  maxPayloadSizeKb: 3000,
  presenceMaxCalls: 5,
  presenceWindowMs: 30_000,
};

/** Hosted's refusal texts. */
export const LIMIT_REASONS = {
  tooManyChannels: "ChannelRateLimitReached: Too many channels",
  tooManyJoins: "ClientJoinRateLimitReached: Too many joins per second",
  tooManyConnections: "ConnectionRateLimitReached: Too many connected users",
  tooManyMessages: "Too many messages per second",
  presenceRate: "Client presence rate limit exceeded",
  payloadTooLarge: "payload_size_exceeded",
} as const;

/**
 * Counts events in one-second buckets; `over()` is true while the last full second or the
 * current one went beyond the limit.
 *
 * @example
 * ```ts
 * const joins = new RateCounter(2500);
 * if (joins.add(1)) refuse(LIMIT_REASONS.tooManyJoins);
 * ```
 */
export class RateCounter {
  #second = 0;
  #current = 0;
  #previous = 0;
  constructor(readonly limit: number, readonly now: () => number = Date.now) {}

  #roll(): void {
    const second = Math.floor(this.now() / 1000);
    if (second === this.#second) return;
    this.#previous = second === this.#second + 1 ? this.#current : 0;
    this.#current = 0;
    this.#second = second;
  }

  /** Adds `count` events; returns whether the limit is now exceeded. */
  add(count: number): boolean {
    this.#roll();
    this.#current += count;
    return this.#current > this.limit;
  }

  /** Whether the rate is over the limit (current or last full second). */
  over(): boolean {
    this.#roll();
    return this.#current > this.limit || this.#previous > this.limit;
  }
}

/**
 * Hosted's payload-size check (an approximation of `:erlang.external_size` by JSON bytes).
 *
 * @example
 * ```ts
 * payloadTooLarge({ big: "x".repeat(4_000_000) }, DEFAULT_LIMITS); // true
 * ```
 */
export function payloadTooLarge(payload: unknown, limits: RealtimeLimits): boolean {
  const size = payload instanceof ArrayBuffer
    ? payload.byteLength
    : new TextEncoder().encode(JSON.stringify(payload) ?? "").length;
  return size > limits.maxPayloadSizeKb * 1000 + 500;
}
