/**
 * @module
 * Web push (VAPID, aes128gcm) to every browser a member subscribed: `web-push` builds each request
 * (`generateRequestDetails`) and `fetch` sends it. Urgency follows severity; `Topic` lets the push
 * service replace an undelivered notice of the same alert. A subscription the push service calls
 * gone (404/410) is reported through `onGone` so it is no longer used.
 */

import webpush from "web-push";
import { sendRequest, type SendResult } from "../http_outcome.ts";
import type { Channel, OutboundMessage, PushTarget } from "../message.ts";

type PushMessage = Extract<OutboundMessage, { channel: "push" }>;

/** Options of {@link createPushChannel}. */
export interface PushChannelOptions {
  vapidPublicKey: string;
  vapidPrivateKey: string;
  /** `mailto:` or `https:` contact of the sender. */
  vapidSubject: string;
  /** Tests only: send to this origin instead of each endpoint's. */
  baseUrl?: string;
  /** Called for each subscription the push service says is gone. */
  onGone?: (subscription: PushTarget) => Promise<void> | void;
}

/**
 * @example
 * ```ts
 * const push = createPushChannel({ vapidPublicKey, vapidPrivateKey, vapidSubject: "mailto:ops@example.com" });
 * ```
 */
export function createPushChannel(
  { vapidPublicKey, vapidPrivateKey, vapidSubject, baseUrl, onGone }: PushChannelOptions,
): Channel<PushMessage> {
  async function sendOne(
    message: PushMessage,
    subscription: PushTarget,
    signal?: AbortSignal,
  ): Promise<SendResult> {
    let details: ReturnType<typeof webpush.generateRequestDetails>;
    try {
      details = webpush.generateRequestDetails(
        { endpoint: subscription.endpoint, keys: subscription.keys },
        JSON.stringify(message.payload),
        {
          vapidDetails: {
            subject: vapidSubject,
            publicKey: vapidPublicKey,
            privateKey: vapidPrivateKey,
          },
          TTL: message.ttlSeconds,
          urgency: message.urgency,
          topic: message.topic,
        },
      );
    } catch (error) {
      // The browser's keys cannot be used (web-push checks their sizes): this subscription is
      // unusable, not the push service. The error names the bad field, never a key.
      await onGone?.(subscription);
      return {
        ok: false,
        retryable: false,
        reason: "invalid_destination",
        error: `Cannot encrypt for this push subscription: ${(error as Error).message}`.slice(
          0,
          300,
        ),
      };
    }
    const target = new URL(details.endpoint);
    const url = baseUrl ? `${baseUrl}${target.pathname}${target.search}` : details.endpoint;
    const headers = new Headers();
    for (const [name, value] of Object.entries(details.headers)) headers.set(name, String(value));
    const result = await sendRequest(url, {
      method: details.method,
      headers,
      body: details.body as unknown as BodyInit,
    }, {
      provider: "webpush",
      signal,
      goneStatuses: [404, 410],
      providerId: (response) => response.headers.get("location"),
    });
    if (!result.ok && !result.retryable && result.reason === "invalid_destination") {
      await onGone?.(subscription);
    }
    return result;
  }

  return {
    provider: "webpush",
    async send(message, { signal } = {}) {
      if (message.subscriptions.length === 0) {
        return {
          ok: false,
          retryable: false,
          reason: "invalid_destination",
          error: "The member has no working push subscription",
        };
      }
      const results = await Promise.all(
        message.subscriptions.map((subscription) => sendOne(message, subscription, signal)),
      );
      const sent = results.filter((r) => r.ok);
      if (sent.length > 0) {
        return { ok: true, providerId: `${sent.length}/${results.length} subscriptions` };
      }
      // Retry only if some browser may still get it; gone everywhere is final.
      const failures = results.filter((r) => !r.ok);
      return failures.find((r) => r.retryable) ?? failures[0];
    },
  };
}
