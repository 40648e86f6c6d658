/**
 * @module
 * The one classifier of provider HTTP outcomes every channel uses: 2xx is ok; 429, 5xx, network
 * errors and timeouts are retryable; any other 4xx is permanent. Failures carry a small `reason`
 * (the values of `deliveries.error_reason`) and, when the provider said when to come back
 * (`Retry-After`, rate-limit reset headers), `retryAfterMs`.
 */

/** Why a send failed: the values of `deliveries.error_reason`. */
export type FailureReason =
  | "rate_limited"
  | "provider_error"
  | "timeout"
  | "invalid_destination"
  | "rejected"
  | "unsubscribed"
  | "other";

/** What a channel's `send` resolves to. */
export type SendResult =
  | { ok: true; providerId: string | null; provider?: string }
  | { ok: false; retryable: boolean; reason: FailureReason; error: string; retryAfterMs?: number };

/** A failed {@link SendResult}. */
export type SendFailure = Extract<SendResult, { ok: false }>;

/** Options of {@link classifyResponse}. */
export interface ClassifyOptions {
  /** Who answered, for the error text (`resend`, `slack`, ...). */
  provider: string;
  /** The provider's message id on success. */
  providerId?: string | null;
  /** Statuses that mean the destination is gone (e.g. 404/410 for a webhook or push endpoint). */
  goneStatuses?: number[];
  /** The clock (epoch ms), for reset headers given as a time. */
  now?: () => number;
  /** The response body already read (for the error text and a JSON `retry_after`). */
  body?: string;
}

/**
 * How long the provider asked us to wait, from its headers (or a Discord-style JSON
 * `retry_after`): `Retry-After` (seconds or an HTTP date), `RateLimit-Reset` / `X-RateLimit-Reset-After`
 * (seconds from now), `X-RateLimit-Reset` (epoch seconds when large, else seconds from now).
 *
 * @example
 * ```ts
 * retryAfterMs(new Headers({ "retry-after": "2" })); // 2000
 * ```
 */
export function retryAfterMs(
  headers: Headers,
  { now = Date.now, body }: { now?: () => number; body?: string } = {},
): number | undefined {
  const seconds = (value: string | null) => {
    if (value === null || value.trim() === "") return undefined;
    const n = Number(value);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  };
  const retryAfter = headers.get("retry-after");
  const direct = seconds(retryAfter);
  if (direct !== undefined) return Math.ceil(direct * 1000);
  if (retryAfter) {
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now());
  }
  const relative = seconds(headers.get("x-ratelimit-reset-after")) ??
    seconds(headers.get("ratelimit-reset"));
  if (relative !== undefined) return Math.ceil(relative * 1000);
  const reset = seconds(headers.get("x-ratelimit-reset"));
  if (reset !== undefined) {
    // An epoch (SendGrid, Discord) is far larger than any sensible wait in seconds.
    return reset > 1e9 ? Math.max(0, Math.ceil(reset * 1000 - now())) : Math.ceil(reset * 1000);
  }
  if (body) {
    try {
      const parsed = JSON.parse(body);
      const value = typeof parsed?.retry_after === "number" ? parsed.retry_after : undefined;
      if (value !== undefined && value >= 0) return Math.ceil(value * 1000);
    } catch {
      // not JSON: no hint
    }
  }
  return undefined;
}

/**
 * Classifies a provider's response.
 *
 * @example
 * ```ts
 * classifyResponse(new Response(null, { status: 429, headers: { "retry-after": "3" } }), { provider: "slack" });
 * // { ok: false, retryable: true, reason: "rate_limited", retryAfterMs: 3000, error: "slack answered 429" }
 * ```
 */
export function classifyResponse(
  response: Response,
  { provider, providerId = null, goneStatuses = [], now = Date.now, body }: ClassifyOptions,
): SendResult {
  const status = response.status;
  if (status >= 200 && status < 300) return { ok: true, providerId };
  const detail = body ? `: ${body.slice(0, 300)}` : "";
  const error = `${provider} answered ${status}${detail}`;
  const wait = retryAfterMs(response.headers, { now, body });
  if (status === 429) {
    return { ok: false, retryable: true, reason: "rate_limited", error, retryAfterMs: wait };
  }
  if (status >= 500 || status === 408) {
    return {
      ok: false,
      retryable: true,
      reason: status === 408 || status === 504 ? "timeout" : "provider_error",
      error,
      retryAfterMs: wait,
    };
  }
  if (goneStatuses.includes(status)) {
    return { ok: false, retryable: false, reason: "invalid_destination", error };
  }
  if (status === 400 || status === 404 || status === 410 || status === 422) {
    return { ok: false, retryable: false, reason: "invalid_destination", error };
  }
  return { ok: false, retryable: false, reason: "rejected", error };
}

/**
 * Classifies a request that got no response: a timeout (our abort signal) or a network error.
 * Both are retryable.
 *
 * @example
 * ```ts
 * classifyError(new DOMException("timed out", "TimeoutError"), { provider: "twilio" });
 * // { ok: false, retryable: true, reason: "timeout", error: "twilio did not answer in time" }
 * ```
 */
export function classifyError(error: unknown, { provider }: { provider: string }): SendFailure {
  const name = error instanceof Error || error instanceof DOMException ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return {
      ok: false,
      retryable: true,
      reason: "timeout",
      error: `${provider} did not answer in time`,
    };
  }
  // The message of a network error may quote the URL (a webhook's secret): name only the kind.
  return {
    ok: false,
    retryable: true,
    reason: "provider_error",
    error: `${provider} could not be reached (${name || "network error"})`,
  };
}

/**
 * Sends one request and classifies the outcome; `providerId` reads the message id from a
 * successful response. Never throws for HTTP or network failures.
 *
 * @example
 * ```ts
 * const result = await sendRequest(url, { method: "POST", body }, { provider: "slack", signal });
 * ```
 */
export async function sendRequest(
  url: string,
  init: RequestInit,
  { provider, signal, goneStatuses, now, providerId }: {
    provider: string;
    signal?: AbortSignal;
    goneStatuses?: number[];
    now?: () => number;
    providerId?: (response: Response, body: string) => string | null;
  },
): Promise<SendResult> {
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, { ...init, signal });
    body = await response.text();
  } catch (error) {
    return classifyError(error, { provider });
  }
  const ok = response.status >= 200 && response.status < 300;
  return classifyResponse(response, {
    provider,
    goneStatuses,
    now,
    body: ok ? undefined : body,
    providerId: ok && providerId ? providerId(response, body) : null,
  });
}
