/**
 * @module
 * Provider status callbacks: Twilio's `StatusCallback`, SendGrid's Event Webhook and Resend's
 * webhooks tell us what became of a message after the hand-off (delivered, read, bounced,
 * undelivered, ...). Each request's signature is checked first (and its timestamp, where the
 * provider sends one); an unsigned, forged or stale request is answered 401 and changes nothing.
 * Each event then goes to `public.record_delivery_status()` as the system, which keeps the
 * delivery's provider timeline, moves its provider status forward and fails a sent delivery the
 * provider could not deliver. Events are recorded once (by the provider's event id); one for a
 * message id no delivery carries yet is parked and applied when a delivery records it.
 *
 * Routes (under `/notify`): `POST /callbacks/twilio`, `POST /callbacks/sendgrid`,
 * `POST /callbacks/resend`.
 */

import type { Hono } from "hono";
import type { FailureReason } from "./http_outcome.ts";
import { type Sql, withClaims } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import {
  SENDGRID_SIGNATURE_HEADER,
  SENDGRID_TIMESTAMP_HEADER,
  verifySendgridSignature,
} from "./sendgrid_signature.ts";
import { verifySvixSignature } from "./svix_signature.ts";
import { readSignedTwilioForm } from "./twilio_signature.ts";

/** A provider status as `deliveries.provider_status` records it. */
export type ProviderStatus =
  | "accepted"
  | "sent"
  | "delayed"
  | "delivered"
  | "opened"
  | "read"
  | "clicked"
  | "complained"
  | "failed";

/** One status event, as the SQL records it. */
export interface StatusEvent {
  provider: "twilio" | "sendgrid" | "resend";
  providerMessageId: string;
  status: ProviderStatus;
  reason?: FailureReason;
  detail?: string;
  eventId?: string;
  occurredAt?: Date;
}

/** What each event came to. */
export interface CallbackReport {
  received: number;
  recorded: number;
  duplicate: number;
  unknown: number;
  ignored: number;
}

/** Secrets and settings of the callbacks. */
export interface ProviderCallbackOptions {
  sql: Sql;
  /** `PUBLIC_URL`: Twilio signs the URL it called. */
  publicUrl: string;
  /** `TWILIO_AUTH_TOKEN`. */
  twilioAuthToken?: string;
  /** `SENDGRID_WEBHOOK_PUBLIC_KEY`: the Event Webhook's verification key (base64 DER or PEM). */
  sendgridWebhookPublicKey?: string;
  /** `RESEND_WEBHOOK_SECRET`: the webhook's signing secret, `whsec_...`. */
  resendWebhookSecret?: string;
  /** Oldest signed timestamp accepted, in seconds either way (replay window). Default 300. */
  toleranceSeconds?: number;
  /** The clock (epoch ms). */
  now?: () => number;
}

// Twilio error codes that say the number cannot receive, or opted out.
const TWILIO_UNSUBSCRIBED = new Set(["21610"]);
const TWILIO_BAD_NUMBER = new Set([
  "21211",
  "21408",
  "21612",
  "21614",
  "30003",
  "30005",
  "30006",
  "63003",
]);
const TWILIO_REJECTED = new Set(["30007", "30032", "63016"]);

/**
 * Maps a Twilio `MessageStatus` (and `ErrorCode`) to a provider status; `undefined` for statuses
 * that say nothing about delivery (`canceled`, `receiving`, ...).
 *
 * @example
 * ```ts
 * twilioStatus("undelivered", "30006"); // { status: "failed", reason: "invalid_destination" }
 * ```
 */
export function twilioStatus(
  messageStatus: string,
  errorCode?: string | null,
): { status: ProviderStatus; reason?: FailureReason } | undefined {
  switch (messageStatus) {
    case "accepted":
    case "queued":
    case "scheduled":
      return { status: "accepted" };
    case "sending":
    case "sent":
      return { status: "sent" };
    case "delivered":
      return { status: "delivered" };
    case "read":
      return { status: "read" };
    case "undelivered":
    case "failed": {
      const code = errorCode ?? "";
      const reason: FailureReason = TWILIO_UNSUBSCRIBED.has(code)
        ? "unsubscribed"
        : TWILIO_BAD_NUMBER.has(code)
        ? "invalid_destination"
        : TWILIO_REJECTED.has(code)
        ? "rejected"
        : "provider_error";
      return { status: "failed", reason };
    }
    default:
      return undefined;
  }
}

/**
 * Maps a SendGrid event to a provider status; `undefined` for events to ignore.
 *
 * @example
 * ```ts
 * sendgridStatus({ event: "bounce", type: "bounce" }); // { status: "failed", reason: "invalid_destination" }
 * ```
 */
export function sendgridStatus(
  event: { event?: unknown; type?: unknown; reason?: unknown },
): { status: ProviderStatus; reason?: FailureReason } | undefined {
  switch (event.event) {
    case "processed":
      return { status: "accepted" };
    case "deferred":
      return { status: "delayed" };
    case "delivered":
      return { status: "delivered" };
    case "open":
      return { status: "opened" };
    case "click":
      return { status: "clicked" };
    case "spamreport":
    case "unsubscribe":
    case "group_unsubscribe":
      return { status: "complained" };
    case "bounce":
      return {
        status: "failed",
        reason: event.type === "blocked" ? "rejected" : "invalid_destination",
      };
    case "dropped":
      return {
        status: "failed",
        reason: /unsubscrib/i.test(String(event.reason ?? "")) ? "unsubscribed" : "rejected",
      };
    default:
      return undefined;
  }
}

/**
 * Maps a Resend webhook `type` to a provider status; `undefined` for events to ignore.
 *
 * @example
 * ```ts
 * resendStatus("email.bounced"); // { status: "failed", reason: "invalid_destination" }
 * ```
 */
export function resendStatus(
  type: string,
): { status: ProviderStatus; reason?: FailureReason } | undefined {
  switch (type) {
    case "email.sent":
      return { status: "sent" };
    case "email.delivery_delayed":
      return { status: "delayed" };
    case "email.delivered":
      return { status: "delivered" };
    case "email.opened":
      return { status: "opened" };
    case "email.clicked":
      return { status: "clicked" };
    case "email.complained":
      return { status: "complained" };
    case "email.bounced":
      return { status: "failed", reason: "invalid_destination" };
    case "email.failed":
      return { status: "failed", reason: "provider_error" };
    case "email.suppressed":
      return { status: "failed", reason: "unsubscribed" };
    default:
      return undefined;
  }
}

/**
 * Records status events as the system; returns what each came to.
 *
 * @example
 * ```ts
 * await recordStatusEvents(sql, [{ provider: "twilio", providerMessageId: "SM1", status: "delivered" }]);
 * ```
 */
export async function recordStatusEvents(
  sql: Sql,
  events: StatusEvent[],
  ignored = 0,
): Promise<CallbackReport> {
  const report: CallbackReport = {
    received: events.length + ignored,
    recorded: 0,
    duplicate: 0,
    unknown: 0,
    ignored,
  };
  if (events.length === 0) return report;
  await withClaims(sql, { role: "service_role" }, async (tx) => {
    for (const event of events) {
      const [{ outcome }] = await tx<{ outcome: string }[]>`
        select public.record_delivery_status(
          provider => ${event.provider},
          provider_message_id => ${event.providerMessageId},
          status => ${event.status},
          reason => ${event.reason ?? null},
          detail => ${event.detail?.slice(0, 2000) ?? null},
          event_id => ${event.eventId?.slice(0, 500) ?? null},
          occurred_at => ${event.occurredAt ?? null}::timestamptz
        ) as outcome`;
      if (outcome === "recorded") report.recorded++;
      else if (outcome === "duplicate") report.duplicate++;
      else report.unknown++;
    }
  });
  return report;
}

/** Refuses a signed timestamp outside the replay window. */
function checkTimestamp(
  value: string,
  { now, toleranceSeconds, header }: { now: number; toleranceSeconds: number; header: string },
): void {
  const seconds = Number(value);
  if (!/^\d{1,12}$/.test(value) || !Number.isFinite(seconds)) {
    throw new ApiError(401, "invalid_signature", `The ${header} header is not a Unix time`);
  }
  if (Math.abs(now / 1000 - seconds) > toleranceSeconds) {
    throw new ApiError(
      401,
      "stale_signature",
      `The ${header} header is more than ${toleranceSeconds} seconds away from now; replays are refused`,
    );
  }
}

function notConfigured(provider: string, variable: string): never {
  throw new ApiError(
    503,
    "callback_not_configured",
    `${provider} callbacks cannot be verified: ${variable} is not set`,
  );
}

function epochDate(value: unknown): Date | undefined {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : undefined;
}

/**
 * Registers the three callback routes.
 *
 * @example
 * ```ts
 * registerProviderCallbacks(app, { sql, publicUrl, twilioAuthToken, resendWebhookSecret });
 * ```
 */
export function registerProviderCallbacks(
  app: Hono,
  {
    sql,
    publicUrl,
    twilioAuthToken,
    sendgridWebhookPublicKey,
    resendWebhookSecret,
    toleranceSeconds = 300,
    now = Date.now,
  }: ProviderCallbackOptions,
): void {
  app.post("/callbacks/twilio", async (c) => {
    const params = await readSignedTwilioForm(c.req.raw, {
      authToken: twilioAuthToken,
      publicUrl,
    });
    const sid = params.get("MessageSid") ?? params.get("SmsSid") ?? "";
    const messageStatus = params.get("MessageStatus") ?? params.get("SmsStatus") ?? "";
    const errorCode = params.get("ErrorCode");
    const mapped = sid ? twilioStatus(messageStatus, errorCode) : undefined;
    if (!mapped) return c.json(await recordStatusEvents(sql, [], 1));
    const detail = [messageStatus, errorCode && `error ${errorCode}`, params.get("ErrorMessage")]
      .filter(Boolean).join(": ");
    return c.json(
      await recordStatusEvents(sql, [{
        provider: "twilio",
        providerMessageId: sid,
        ...mapped,
        detail,
        // Twilio sends no event id: one message reaches each status once.
        eventId: `${sid}/${messageStatus}`,
      }]),
    );
  });

  app.post("/callbacks/sendgrid", async (c) => {
    if (!sendgridWebhookPublicKey) notConfigured("SendGrid", "SENDGRID_WEBHOOK_PUBLIC_KEY");
    const signature = c.req.header(SENDGRID_SIGNATURE_HEADER);
    const timestamp = c.req.header(SENDGRID_TIMESTAMP_HEADER);
    if (!signature || !timestamp) {
      throw new ApiError(
        401,
        "missing_signature",
        "The X-Twilio-Email-Event-Webhook-Signature and -Timestamp headers are required",
      );
    }
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (
      !verifySendgridSignature({
        publicKey: sendgridWebhookPublicKey,
        timestamp,
        body,
        signature,
      })
    ) {
      throw new ApiError(
        401,
        "invalid_signature",
        "The X-Twilio-Email-Event-Webhook-Signature header does not match the request",
      );
    }
    checkTimestamp(timestamp, {
      now: now(),
      toleranceSeconds,
      header: "X-Twilio-Email-Event-Webhook-Timestamp",
    });
    let events: unknown;
    try {
      events = JSON.parse(new TextDecoder().decode(body));
    } catch {
      throw new ApiError(400, "invalid_input", "Invalid body: not JSON");
    }
    if (!Array.isArray(events)) {
      throw new ApiError(400, "invalid_input", "Invalid body: expected an array of events");
    }
    const recorded: StatusEvent[] = [];
    let ignored = 0;
    for (const event of events as Record<string, unknown>[]) {
      const mapped = event && typeof event === "object" ? sendgridStatus(event) : undefined;
      const messageId = String(event?.sg_message_id ?? "").split(".")[0];
      if (!mapped || !messageId) {
        ignored++;
        continue;
      }
      recorded.push({
        provider: "sendgrid",
        providerMessageId: messageId,
        ...mapped,
        detail: [event.event, event.type, event.reason, event.response].filter(Boolean).join(": "),
        // Not sg_event_id: SendGrid may resend an event with a new one (sendgrid-nodejs#1435).
        eventId: `${event.sg_message_id}/${event.event}/${event.timestamp ?? ""}`,
        occurredAt: epochDate(event.timestamp),
      });
    }
    return c.json(await recordStatusEvents(sql, recorded, ignored));
  });

  app.post("/callbacks/resend", async (c) => {
    if (!resendWebhookSecret) notConfigured("Resend", "RESEND_WEBHOOK_SECRET");
    const id = c.req.header("svix-id");
    const timestamp = c.req.header("svix-timestamp");
    const signature = c.req.header("svix-signature");
    if (!id || !timestamp || !signature) {
      throw new ApiError(
        401,
        "missing_signature",
        "The svix-id, svix-timestamp and svix-signature headers are required",
      );
    }
    const body = await c.req.text();
    if (!verifySvixSignature({ secret: resendWebhookSecret, id, timestamp, body, signature })) {
      throw new ApiError(
        401,
        "invalid_signature",
        "The svix-signature header does not match the request",
      );
    }
    checkTimestamp(timestamp, { now: now(), toleranceSeconds, header: "svix-timestamp" });
    let event: { type?: unknown; created_at?: unknown; data?: Record<string, unknown> };
    try {
      event = JSON.parse(body);
    } catch {
      throw new ApiError(400, "invalid_input", "Invalid body: not JSON");
    }
    const mapped = typeof event?.type === "string" ? resendStatus(event.type) : undefined;
    const emailId = event?.data?.email_id;
    if (!mapped || typeof emailId !== "string" || emailId === "") {
      return c.json(await recordStatusEvents(sql, [], 1));
    }
    const bounce = event.data?.bounce as { message?: unknown } | undefined;
    const occurredAt = typeof event.created_at === "string"
      ? new Date(event.created_at)
      : undefined;
    return c.json(
      await recordStatusEvents(sql, [{
        provider: "resend",
        providerMessageId: emailId,
        ...mapped,
        detail: [event.type, bounce?.message].filter(Boolean).join(": "),
        eventId: id,
        occurredAt: occurredAt && !isNaN(occurredAt.getTime()) ? occurredAt : undefined,
      }]),
    );
  });
}
