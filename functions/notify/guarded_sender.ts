/**
 * @module
 * Puts a provider's send behind its circuit breaker: while the breaker is open the send is not
 * attempted and answers a retryable failure with the breaker's remaining time.
 */

import type { CircuitBreaker } from "./circuit_breaker.ts";
import type { SendResult } from "./http_outcome.ts";
import type { SendOptions } from "./message.ts";

/** A provider's send function. */
export type Sender<M> = (message: M, options?: SendOptions) => Promise<SendResult>;

/**
 * @example
 * ```ts
 * const send = guardedSender("resend", sendWithResend, createCircuitBreaker());
 * ```
 */
export function guardedSender<M>(
  provider: string,
  send: Sender<M>,
  breaker: CircuitBreaker,
): Sender<M> {
  return async function guarded(message, options) {
    const gate = breaker.admit();
    if (!gate.ok) {
      return {
        ok: false,
        retryable: true,
        reason: "provider_error",
        error: `${provider} is failing; its circuit breaker is open`,
        retryAfterMs: gate.retryAfterMs,
      };
    }
    const result = await send(message, options);
    breaker.record(result);
    return result;
  };
}
