/**
 * @module
 * Email through Resend (`POST /emails`) and SendGrid (`POST /v3/mail/send`), HTML and plain text.
 * When both are configured the first is tried and, on a retryable failure (or its open circuit
 * breaker), the other at once; a permanent failure (a bad address) is not tried twice.
 */

import { circuitBreakers } from "../_breakers.ts";
import { guardedSender, type Sender } from "../guarded_sender.ts";
import { sendRequest, type SendResult } from "../http_outcome.ts";
import type { Channel, OutboundMessage } from "../message.ts";

type EmailMessage = Extract<OutboundMessage, { channel: "email" }>;

/** Options of {@link resendSender}. */
export interface ResendOptions {
  apiKey: string;
  from: string;
  baseUrl?: string;
}

/**
 * Sends with Resend, passing the delivery's idempotency key as `Idempotency-Key`.
 *
 * @example
 * ```ts
 * const send = resendSender({ apiKey: "re_...", from: "Shelfwatch <alerts@example.com>" });
 * ```
 */
export function resendSender(
  { apiKey, from, baseUrl = "https://api.resend.com" }: ResendOptions,
): Sender<EmailMessage> {
  return (message, { signal } = {}) =>
    sendRequest(`${baseUrl}/emails`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${apiKey}`,
        "content-type": "application/json",
        "idempotency-key": message.idempotencyKey.slice(0, 256),
      },
      body: JSON.stringify({
        from,
        to: [message.to],
        subject: message.subject,
        html: message.html,
        text: message.text,
        headers: { "X-Shelfwatch-Delivery": message.deliveryId },
      }),
    }, {
      provider: "resend",
      signal,
      providerId: (_response, body) => {
        try {
          return String(JSON.parse(body).id ?? "") || null;
        } catch {
          return null;
        }
      },
    });
}

/** Options of {@link sendgridSender}. */
export interface SendgridOptions {
  apiKey: string;
  from: string;
  baseUrl?: string;
}

/** `Name <address>` or a bare address, as SendGrid's `{ email, name }`. */
function sendgridAddress(from: string): { email: string; name?: string } {
  const match = from.match(/^\s*(.*?)\s*<([^>]+)>\s*$/);
  return match ? { email: match[2], ...(match[1] ? { name: match[1] } : {}) } : { email: from };
}

/**
 * Sends with SendGrid. SendGrid takes no idempotency key; the delivery's key travels as a custom
 * argument (`unique_args`) and header so a duplicate can be spotted.
 *
 * @example
 * ```ts
 * const send = sendgridSender({ apiKey: "SG....", from: "alerts@example.com" });
 * ```
 */
export function sendgridSender(
  { apiKey, from, baseUrl = "https://api.sendgrid.com" }: SendgridOptions,
): Sender<EmailMessage> {
  return (message, { signal } = {}) =>
    sendRequest(`${baseUrl}/v3/mail/send`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        personalizations: [{ to: [{ email: message.to }] }],
        from: sendgridAddress(from),
        subject: message.subject,
        content: [
          { type: "text/plain", value: message.text },
          { type: "text/html", value: message.html },
        ],
        headers: { "X-Shelfwatch-Delivery": message.deliveryId },
        custom_args: { idempotency_key: message.idempotencyKey.slice(0, 200) },
      }),
    }, {
      provider: "sendgrid",
      signal,
      providerId: (response) => response.headers.get("x-message-id"),
    });
}

/** Options of {@link createEmailChannel}. */
export interface EmailChannelOptions {
  resend?: ResendOptions;
  sendgrid?: SendgridOptions;
  /** The clock of the circuit breakers. */
  now?: () => number;
  /**
   * With both providers set: how long the first may take before SendGrid gets its turn. The
   * caller's signal bounds the whole send; without this a hanging first provider would use it all
   * up and leave nothing for the failover. Unset = the first may take it all.
   */
  firstProviderTimeoutMs?: number;
}

/**
 * The email channel: Resend first, SendGrid on a retryable failure (or whichever one is set).
 *
 * @example
 * ```ts
 * const email = createEmailChannel({ resend: { apiKey, from } });
 * await email.send(message, { signal });
 * ```
 */
export function createEmailChannel(
  { resend, sendgrid, now, firstProviderTimeoutMs }: EmailChannelOptions,
): Channel<EmailMessage> {
  const breakers = circuitBreakers({ now });
  const providers: [string, Sender<EmailMessage>][] = [];
  if (resend) providers.push(["resend", resendSender(resend)]);
  if (sendgrid) providers.push(["sendgrid", sendgridSender(sendgrid)]);
  if (providers.length === 0) {
    throw new TypeError("Cannot create the email channel: configure Resend or SendGrid");
  }
  const senders = providers.map(([name, send]) => ({
    name,
    send: guardedSender(name, send, breakers.for(name)),
  }));
  return {
    provider: senders[0].name,
    async send(message, options) {
      const first = senders.length > 1 && firstProviderTimeoutMs !== undefined
        ? {
          ...options,
          signal: options?.signal
            ? AbortSignal.any([options.signal, AbortSignal.timeout(firstProviderTimeoutMs)])
            : AbortSignal.timeout(firstProviderTimeoutMs),
        }
        : options;
      let result: SendResult = await senders[0].send(message, first);
      if (result.ok) return { ...result, provider: senders[0].name };
      for (const next of senders.slice(1)) {
        if (!result.retryable || options?.signal?.aborted) break;
        const failed: string = result.error;
        result = await next.send(message, options);
        if (result.ok) return { ...result, provider: next.name };
        result = { ...result, error: `${failed}; then ${result.error}` };
      }
      return result;
    },
  };
}
