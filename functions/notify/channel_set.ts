/**
 * @module
 * Picks the channel for each message from the configuration: the real provider when its keys are
 * set, the local inbox otherwise. Every provider but email (which fails over inside its channel)
 * sits behind a circuit breaker: one per provider, and one per host for generic webhooks, whose
 * receivers fail independently. Also says how a message counts against the send gate.
 */

import type { Sql } from "../_shared/db.ts";
import { circuitBreakers } from "./_breakers.ts";
import { createDiscordChannel } from "./channels/discord.ts";
import { createEmailChannel } from "./channels/email.ts";
import { createInboxChannel } from "./channels/inbox.ts";
import { createPushChannel } from "./channels/push.ts";
import { createSlackChannel } from "./channels/slack.ts";
import { createSmsChannel } from "./channels/sms.ts";
import { createWebhookChannel } from "./channels/webhook.ts";
import { createWhatsappChannel } from "./channels/whatsapp.ts";
import { guardedSender } from "./guarded_sender.ts";
import type { Channel, ChannelName, OutboundMessage, PushTarget } from "./message.ts";
import type { NotifyConfig } from "./notify_config.ts";
import type { GateKey } from "./send_gate.ts";

/** The channels of one dispatcher. */
export interface ChannelSet {
  /** The channel that sends this message (a provider, or the inbox). */
  channelFor(message: OutboundMessage): Channel;
  /** How the message counts against the send gate. */
  gateKey(message: OutboundMessage): GateKey;
}

/** Options of {@link createChannelSet}. */
export interface ChannelSetOptions {
  config: NotifyConfig;
  /** Service connection: the inbox writes with it. */
  sql: Sql;
  now?: () => number;
  /** A push subscription the push service says is gone. */
  onPushGone?: (subscription: PushTarget) => Promise<void> | void;
}

/**
 * @example
 * ```ts
 * const channels = createChannelSet({ config, sql });
 * await channels.channelFor(message).send(message, { signal });
 * ```
 */
export function createChannelSet(
  { config, sql, now, onPushGone }: ChannelSetOptions,
): ChannelSet {
  const inbox = createInboxChannel(sql);
  const breakers = circuitBreakers({ now });
  const guarded = <M extends OutboundMessage>(
    channel: Channel<M>,
    key: (message: M) => string = () => channel.provider,
  ): Channel => ({
    provider: channel.provider,
    send: (message, options) =>
      guardedSender(
        channel.provider,
        channel.send as (m: OutboundMessage, o?: typeof options) => ReturnType<Channel["send"]>,
        breakers.for(key(message as M)),
      )(message, options),
  });

  const real: Partial<Record<ChannelName, Channel>> = {};
  if (config.resendApiKey || config.sendgridApiKey) {
    real.email = createEmailChannel({
      now,
      // Half the send's time for the first provider, so a hanging Resend still leaves SendGrid time.
      firstProviderTimeoutMs: config.timeoutMs / 2,
      resend: config.resendApiKey
        ? { apiKey: config.resendApiKey, from: config.emailFrom, baseUrl: config.resendBaseUrl }
        : undefined,
      sendgrid: config.sendgridApiKey
        ? {
          apiKey: config.sendgridApiKey,
          from: config.emailFrom,
          baseUrl: config.sendgridBaseUrl,
        }
        : undefined,
    }) as Channel;
  }
  if (config.twilioAccountSid && config.twilioAuthToken) {
    const twilio = {
      accountSid: config.twilioAccountSid,
      authToken: config.twilioAuthToken,
      publicUrl: config.publicUrl,
      baseUrl: config.twilioBaseUrl,
    };
    if (config.twilioSmsFrom) {
      real.sms = guarded(createSmsChannel({ ...twilio, from: config.twilioSmsFrom }));
    }
    if (config.twilioWhatsappFrom) {
      real.whatsapp = guarded(
        createWhatsappChannel({ ...twilio, from: config.twilioWhatsappFrom }),
      );
    }
  }
  if (config.vapidPublicKey && config.vapidPrivateKey) {
    real.push = guarded(createPushChannel({
      vapidPublicKey: config.vapidPublicKey,
      vapidPrivateKey: config.vapidPrivateKey,
      vapidSubject: config.vapidSubject,
      baseUrl: config.webPushBaseUrl,
      onGone: onPushGone,
    }));
  }
  if (!config.webhooksToInbox) {
    real.slack = guarded(createSlackChannel());
    real.discord = guarded(createDiscordChannel());
    real.webhook = guarded(
      createWebhookChannel({ now }),
      (message) => `webhook:${new URL(message.url).host}`,
    );
  }

  return {
    channelFor: (message) => real[message.channel] ?? inbox,
    gateKey(message) {
      const channel = real[message.channel];
      if (!channel) return { provider: "inbox" };
      switch (message.channel) {
        case "slack":
        case "discord":
          return {
            provider: message.channel,
            destination: message.url,
            perSecond: config.rates[message.channel],
          };
        case "sms":
          return {
            provider: "twilio",
            destination: config.twilioSmsFrom,
            perSecond: config.rates.twilio,
          };
        case "whatsapp":
          return {
            provider: "twilio",
            destination: `whatsapp:${config.twilioWhatsappFrom}`,
            perSecond: config.rates.twilio,
          };
        case "email":
          return { provider: "email", destination: "email", perSecond: config.rates.email };
        case "webhook":
          return { provider: `webhook:${new URL(message.url).host}` };
        default:
          return { provider: channel.provider };
      }
    },
  };
}
