/**
 * @module
 * The `notify` function's own configuration (providers, public URL, dispatcher tunables), read
 * from the environment in this one place and passed down. Tests build a {@link NotifyConfig} by
 * hand. Every variable is listed in the README's environment table and `.env.example`. A provider
 * whose keys are unset is replaced by the local inbox.
 */

import { z } from "zod";

const optionalText = z.string().optional().transform((value) => value?.trim() || undefined);
const baseUrl = (fallback: string) =>
  z.url({ protocol: /^https?$/ }).default(fallback).transform((value) => value.replace(/\/+$/, ""));
const count = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const perSecond = (fallback: number) => z.coerce.number().min(0).max(10_000).default(fallback);

const Env = z.object({
  RESEND_API_KEY: optionalText,
  SENDGRID_API_KEY: optionalText,
  EMAIL_FROM: z.string().default("Shelfwatch <alerts@shelfwatch.local>"),
  TWILIO_ACCOUNT_SID: optionalText,
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_SMS_FROM: optionalText,
  TWILIO_WHATSAPP_FROM: optionalText,
  VAPID_PUBLIC_KEY: optionalText,
  VAPID_PRIVATE_KEY: optionalText,
  VAPID_SUBJECT: z.string().regex(/^(mailto:|https:)/, "must start with mailto: or https:")
    .default("mailto:alerts@shelfwatch.local"),
  PUBLIC_URL: baseUrl("http://127.0.0.1:54321"),
  RESEND_BASE_URL: baseUrl("https://api.resend.com"),
  SENDGRID_BASE_URL: baseUrl("https://api.sendgrid.com"),
  TWILIO_BASE_URL: baseUrl("https://api.twilio.com"),
  // Tests only: sends every web push to this origin instead of the subscription's push service.
  WEB_PUSH_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  WEBHOOKS_TO_INBOX: z.enum(["true", "false"]).default("false"),
  DISPATCH_BATCH_SIZE: count(50, 1, 1000),
  DISPATCH_LEASE_SECONDS: count(60, 5, 3600),
  DISPATCH_CONCURRENCY: count(8, 1, 256),
  DISPATCH_TIMEOUT_MS: count(10_000, 100, 120_000),
  DISPATCH_SLACK_PER_SECOND: perSecond(1),
  DISPATCH_DISCORD_PER_SECOND: perSecond(2),
  DISPATCH_TWILIO_PER_SECOND: perSecond(1),
  DISPATCH_EMAIL_PER_SECOND: perSecond(0),
  // Action links, provider callbacks (functions/notify/action_links.ts, provider_callbacks.ts).
  ACTION_LINK_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  ACTION_LINK_TTL: count(72 * 3600, 60, 30 * 24 * 3600),
  SENDGRID_WEBHOOK_PUBLIC_KEY: optionalText,
  RESEND_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, "must look like whsec_...")
    .optional(),
});

/** Per-provider sending rates (per destination: one webhook URL, one Twilio number); 0 = none. */
export interface SendRates {
  slack: number;
  discord: number;
  twilio: number;
  email: number;
}

/** Everything the dispatcher and its channels need. */
export interface NotifyConfig {
  resendApiKey?: string;
  sendgridApiKey?: string;
  /** `From` of every email, e.g. `Shelfwatch <alerts@example.com>`. */
  emailFrom: string;
  twilioAccountSid?: string;
  twilioAuthToken?: string;
  /** E.164 number SMS is sent from. */
  twilioSmsFrom?: string;
  /** E.164 number WhatsApp is sent from (without the `whatsapp:` prefix). */
  twilioWhatsappFrom?: string;
  vapidPublicKey?: string;
  vapidPrivateKey?: string;
  vapidSubject: string;
  /** Where users reach this deployment, e.g. `https://<ref>.supabase.co`; no trailing slash. */
  publicUrl: string;
  /** Provider API base URLs (tests point them at local fake servers). */
  resendBaseUrl: string;
  sendgridBaseUrl: string;
  twilioBaseUrl: string;
  /** Tests only: the origin every web push is sent to instead of the subscription's. */
  webPushBaseUrl?: string;
  /** Slack, Discord and generic webhooks go to the local inbox instead of their URLs. */
  webhooksToInbox: boolean;
  /** Deliveries claimed per dispatch. */
  batchSize: number;
  /** Seconds a claim lasts before another worker may take the delivery again. */
  leaseSeconds: number;
  /** Requests in flight per provider. */
  concurrency: number;
  /** Per-request timeout towards providers. */
  timeoutMs: number;
  rates: SendRates;
  /** Signs action links; unset = `JWT_SECRET` is used (with a derived key). */
  actionLinkSecret?: string;
  /** Seconds an action link stays valid (default 72 h). */
  actionLinkTtlSeconds: number;
  /** SendGrid Event Webhook verification key (base64 DER or PEM); unset = callbacks refused. */
  sendgridWebhookPublicKey?: string;
  /** Resend webhook signing secret (`whsec_...`); unset = callbacks refused. */
  resendWebhookSecret?: string;
}

/**
 * The configuration with every provider unset (all deliveries go to the local inbox); tests spread
 * their own values over it.
 *
 * @example
 * ```ts
 * const config = { ...defaultNotifyConfig(), resendApiKey: "re_test", resendBaseUrl: fake.url };
 * ```
 */
export function defaultNotifyConfig(): NotifyConfig {
  return loadNotifyConfig({});
}

/**
 * Reads and validates the configuration, naming the variable that is wrong (never its value).
 *
 * @example
 * ```ts
 * const config = loadNotifyConfig(); // TypeError: Cannot load notify config: PUBLIC_URL ...
 * ```
 */
export function loadNotifyConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): NotifyConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`Cannot load notify config: ${issue.path.join(".")} ${issue.message}`);
  }
  const e = parsed.data;
  if (Boolean(e.VAPID_PUBLIC_KEY) !== Boolean(e.VAPID_PRIVATE_KEY)) {
    throw new TypeError(
      "Cannot load notify config: set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither",
    );
  }
  if (Boolean(e.TWILIO_ACCOUNT_SID) !== Boolean(e.TWILIO_AUTH_TOKEN)) {
    throw new TypeError(
      "Cannot load notify config: set both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or neither",
    );
  }
  return {
    resendApiKey: e.RESEND_API_KEY,
    sendgridApiKey: e.SENDGRID_API_KEY,
    emailFrom: e.EMAIL_FROM,
    twilioAccountSid: e.TWILIO_ACCOUNT_SID,
    twilioAuthToken: e.TWILIO_AUTH_TOKEN,
    twilioSmsFrom: e.TWILIO_SMS_FROM,
    twilioWhatsappFrom: e.TWILIO_WHATSAPP_FROM?.replace(/^whatsapp:/, ""),
    vapidPublicKey: e.VAPID_PUBLIC_KEY,
    vapidPrivateKey: e.VAPID_PRIVATE_KEY,
    vapidSubject: e.VAPID_SUBJECT,
    publicUrl: e.PUBLIC_URL,
    resendBaseUrl: e.RESEND_BASE_URL,
    sendgridBaseUrl: e.SENDGRID_BASE_URL,
    twilioBaseUrl: e.TWILIO_BASE_URL,
    webPushBaseUrl: e.WEB_PUSH_BASE_URL?.replace(/\/+$/, ""),
    webhooksToInbox: e.WEBHOOKS_TO_INBOX === "true",
    batchSize: e.DISPATCH_BATCH_SIZE,
    leaseSeconds: e.DISPATCH_LEASE_SECONDS,
    concurrency: e.DISPATCH_CONCURRENCY,
    timeoutMs: e.DISPATCH_TIMEOUT_MS,
    rates: {
      slack: e.DISPATCH_SLACK_PER_SECOND,
      discord: e.DISPATCH_DISCORD_PER_SECOND,
      twilio: e.DISPATCH_TWILIO_PER_SECOND,
      email: e.DISPATCH_EMAIL_PER_SECOND,
    },
    actionLinkSecret: e.ACTION_LINK_SECRET,
    actionLinkTtlSeconds: e.ACTION_LINK_TTL,
    sendgridWebhookPublicKey: e.SENDGRID_WEBHOOK_PUBLIC_KEY,
    resendWebhookSecret: e.RESEND_WEBHOOK_SECRET,
  };
}
