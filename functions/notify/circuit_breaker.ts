/**
 * @module
 * A circuit breaker per provider: after `failureThreshold` retryable failures in a row the
 * provider is skipped for `cooldownMs`, or for as long as the provider itself asked (a 429's
 * `Retry-After` / reset), whichever is longer (its deliveries go back to the queue, due when the
 * breaker may close); then one trial request decides whether it closes again.
 */

import type { SendResult } from "./http_outcome.ts";

/** Options of {@link createCircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Retryable failures in a row that open the breaker. */
  failureThreshold?: number;
  /** How long it stays open. */
  cooldownMs?: number;
  /** The clock (epoch ms); tests pass a fake one. */
  now?: () => number;
}

/** A breaker's state. */
export type BreakerState = "closed" | "open" | "half_open";

/** A circuit breaker for one provider. */
export interface CircuitBreaker {
  /** Whether a request may go out now; if not, how long until one may. */
  admit(): { ok: true } | { ok: false; retryAfterMs: number };
  /** Records the outcome of an admitted request. */
  record(result: SendResult): void;
  state(): BreakerState;
}

/**
 * @example
 * ```ts
 * const breaker = createCircuitBreaker({ failureThreshold: 5, cooldownMs: 30_000 });
 * const gate = breaker.admit();
 * if (gate.ok) breaker.record(await send());
 * ```
 */
export function createCircuitBreaker(
  { failureThreshold = 5, cooldownMs = 30_000, now = Date.now }: CircuitBreakerOptions = {},
): CircuitBreaker {
  let failures = 0;
  let openUntil: number | undefined;
  let trialInFlight = false;
  function state(): BreakerState {
    if (openUntil === undefined) return "closed";
    return now() >= openUntil ? "half_open" : "open";
  }
  return {
    state,
    admit() {
      const current = state();
      if (current === "closed") return { ok: true };
      if (current === "half_open" && !trialInFlight) {
        trialInFlight = true;
        return { ok: true };
      }
      const remaining = openUntil! - now();
      return { ok: false, retryAfterMs: Math.max(remaining, 1000) };
    },
    record(result) {
      const wasTrial = trialInFlight;
      trialInFlight = false;
      // Only the provider's own trouble counts: a bad address says nothing about its health.
      if (result.ok || !result.retryable) {
        failures = 0;
        openUntil = undefined;
        return;
      }
      failures += 1;
      if (wasTrial || failures >= failureThreshold) {
        // Never try again before the provider said it would take requests again.
        const wait = Math.max(cooldownMs, result.retryAfterMs ?? 0);
        openUntil = Math.max(openUntil ?? 0, now() + wait);
      }
    },
  };
}
