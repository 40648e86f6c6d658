/**
 * @module
 * What the renderer hands a channel: one rendered message per delivery, shaped for its channel,
 * and the small contract every channel file implements (`send(message, { signal })`, never
 * retrying itself).
 */

import { CHANNEL_NAMES } from "../_shared/channels.ts";
import type { SendResult } from "./http_outcome.ts";

/** Severity of an alert. */
export type Severity = "low" | "medium" | "high" | "critical";

/** The web push payload the dashboard's service worker shows (the contract with `web/`). */
export interface PushPayload {
  title: string;
  body: string;
  url: string;
  tag: string;
  alert_id: string | null;
  severity: Severity;
}

/** A push subscription as the browser gave it. */
export interface PushTarget {
  id?: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

interface Common {
  deliveryId: string;
  /** `deliveries.idempotency_key`, the same on every attempt. */
  idempotencyKey: string;
  tenantId: string;
  userId: string | null;
}

/** One rendered message, by channel. */
export type OutboundMessage =
  | Common & { channel: "email"; to: string; subject: string; text: string; html: string }
  | Common & { channel: "sms"; to: string; text: string }
  | Common & { channel: "whatsapp"; to: string; text: string }
  | Common & {
    channel: "push";
    subscriptions: PushTarget[];
    payload: PushPayload;
    urgency: "very-low" | "low" | "normal" | "high";
    /** Coalesces updates of one alert on the push service (<= 32 base64url characters). */
    topic: string;
    ttlSeconds: number;
  }
  | Common & { channel: "slack"; url: string; body: Record<string, unknown> }
  | Common & { channel: "discord"; url: string; body: Record<string, unknown> }
  | Common & {
    channel: "webhook";
    url: string;
    body: Record<string, unknown>;
    /** The tenant's signing secret. */
    secret: string;
  };

/** The name of a delivery channel. */
export type ChannelName = OutboundMessage["channel"];

// A channel added to OutboundMessage but not to CHANNEL_NAMES fails the type check here, and a
// name there no message has fails the `satisfies`.
CHANNEL_NAMES satisfies readonly ChannelName[];
const _everyChannelListed: Exclude<ChannelName, typeof CHANNEL_NAMES[number]> extends never ? true
  : never = true;

/** Options of a send. */
export interface SendOptions {
  /** Aborts the request (the dispatcher's timeout). */
  signal?: AbortSignal;
}

/**
 * A delivery channel: one file per channel under `channels/`. `provider` is what
 * `deliveries.provider` records. A channel sends once and reports; it never retries.
 *
 * @example
 * ```ts
 * const result = await channel.send(message, { signal: AbortSignal.timeout(10_000) });
 * if (!result.ok && result.retryable) { ... }
 * ```
 */
export interface Channel<M extends OutboundMessage = OutboundMessage> {
  provider: string;
  send(message: M, options?: SendOptions): Promise<SendResult>;
}
