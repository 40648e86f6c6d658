/**
 * @module
 * The one place that decides what becomes of a delivery after a send: sent, tried again later
 * (the provider's `Retry-After` or reset time as the least wait; the backoff with jitter and the
 * attempt limit are applied by `fail_delivery()` in SQL), or failed for good.
 */

import type { FailureReason, SendResult } from "./http_outcome.ts";

/** What to record. */
export type Decision =
  | { kind: "sent"; provider: string; providerId: string | null }
  | {
    kind: "retry";
    reason: FailureReason;
    error: string;
    /** The least wait before the next attempt, whole seconds (0..86400), or null. */
    retryAfterSeconds: number | null;
  }
  | { kind: "fail"; reason: FailureReason; error: string };

/** The longest wait `fail_delivery()` accepts. */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

/**
 * @example
 * ```ts
 * decide({ ok: false, retryable: true, reason: "rate_limited", error: "429", retryAfterMs: 1500 }, "slack");
 * // { kind: "retry", reason: "rate_limited", error: "429", retryAfterSeconds: 2 }
 * ```
 */
export function decide(result: SendResult, provider: string): Decision {
  if (result.ok) {
    return { kind: "sent", provider: result.provider ?? provider, providerId: result.providerId };
  }
  if (!result.retryable) return { kind: "fail", reason: result.reason, error: result.error };
  const after = result.retryAfterMs === undefined
    ? null
    : Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, Math.ceil(result.retryAfterMs / 1000)));
  return { kind: "retry", reason: result.reason, error: result.error, retryAfterSeconds: after };
}
