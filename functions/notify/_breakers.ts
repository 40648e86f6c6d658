/**
 * @module
 * A registry of circuit breakers by key (a provider, or a webhook's origin), created on first use.
 */

import { type CircuitBreaker, createCircuitBreaker } from "./circuit_breaker.ts";

/**
 * @example
 * ```ts
 * const breakers = circuitBreakers({ now: () => clock });
 * breakers.for("resend").admit();
 * ```
 */
export function circuitBreakers(
  { now, failureThreshold, cooldownMs }: {
    now?: () => number;
    failureThreshold?: number;
    cooldownMs?: number;
  } = {},
): { for(key: string): CircuitBreaker } {
  const byKey = new Map<string, CircuitBreaker>();
  return {
    for(key) {
      let breaker = byKey.get(key);
      if (!breaker) {
        breaker = createCircuitBreaker({ now, failureThreshold, cooldownMs });
        byKey.set(key, breaker);
      }
      return breaker;
    },
  };
}
