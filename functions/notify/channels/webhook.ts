/**
 * @module
 * Generic webhooks: `POST <url>` with a JSON body, signed so the receiver can trust it:
 *
 *     Shelfwatch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *     Idempotency-Key: <deliveries.idempotency_key>
 *
 * The receiver recomputes the HMAC over the timestamp, a dot and the raw body with the tenant's
 * secret, compares in constant time, and rejects timestamps older than a few minutes (README,
 * "Verifying webhook signatures"). The same delivery always carries the same `Idempotency-Key`.
 */

import { sendRequest } from "../http_outcome.ts";
import type { Channel, OutboundMessage } from "../message.ts";

type WebhookMessage = Extract<OutboundMessage, { channel: "webhook" }>;

/** The signature header's name. */
export const SIGNATURE_HEADER = "Shelfwatch-Signature";

/**
 * The value of {@link SIGNATURE_HEADER} for a body sent at `timestamp` (unix seconds).
 *
 * @example
 * ```ts
 * await signWebhook("secret", 1700000000, '{"a":1}'); // "t=1700000000,v1=5f1c..."
 * ```
 */
export async function signWebhook(
  secret: string,
  timestamp: number,
  body: string,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(`${timestamp}.${body}`),
  );
  const hex = Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
  return `t=${timestamp},v1=${hex}`;
}

/**
 * @example
 * ```ts
 * const webhook = createWebhookChannel();
 * await webhook.send({ channel: "webhook", url, body, secret, ...ids });
 * ```
 */
export function createWebhookChannel(
  { now = Date.now }: { now?: () => number } = {},
): Channel<WebhookMessage> {
  return {
    provider: "webhook",
    async send(message, { signal } = {}) {
      const body = JSON.stringify(message.body);
      const signature = await signWebhook(message.secret, Math.floor(now() / 1000), body);
      return sendRequest(message.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Shelfwatch-Webhook/1",
          "idempotency-key": message.idempotencyKey,
          [SIGNATURE_HEADER]: signature,
        },
        body,
      }, { provider: "webhook", signal, goneStatuses: [404, 410], now });
    },
  };
}
