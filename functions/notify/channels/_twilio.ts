/**
 * @module
 * Twilio's Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`, form-encoded, Basic
 * auth), shared by the SMS and WhatsApp channels. Twilio's Messages API takes no idempotency key:
 * a message re-sent after a lost response is matched to its delivery by the status callback's
 * `MessageSid` (recorded as the provider message id); the callback URL is exactly
 * `<PUBLIC_URL>/functions/v1/notify/callbacks/twilio`, since Twilio signs the full URL.
 */

import { sendRequest } from "../http_outcome.ts";
import type { Channel, OutboundMessage } from "../message.ts";

type TextMessage = Extract<OutboundMessage, { channel: "sms" | "whatsapp" }>;

/** Options of {@link twilioChannel}. */
export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** The sending number, E.164 (without `whatsapp:`). */
  from: string;
  /** `https://<public host>`: status callbacks go to `<publicUrl>/functions/v1/notify/callbacks/twilio`. */
  publicUrl: string;
  baseUrl?: string;
  /** WhatsApp prefixes both numbers with `whatsapp:`. */
  whatsapp?: boolean;
}

/**
 * @example
 * ```ts
 * const sms = twilioChannel({ accountSid, authToken, from: "+15550001111", publicUrl });
 * ```
 */
export function twilioChannel(
  { accountSid, authToken, from, publicUrl, baseUrl = "https://api.twilio.com", whatsapp = false }:
    TwilioOptions,
): Channel<TextMessage> {
  const prefix = whatsapp ? "whatsapp:" : "";
  const url = `${baseUrl}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
  const authorization = `Basic ${btoa(`${accountSid}:${authToken}`)}`;
  return {
    provider: "twilio",
    send(message, { signal } = {}) {
      const form = new URLSearchParams({
        To: `${prefix}${message.to}`,
        From: `${prefix}${from}`,
        Body: message.text.slice(0, 1600),
        StatusCallback: `${publicUrl}/functions/v1/notify/callbacks/twilio`,
      });
      return sendRequest(url, {
        method: "POST",
        headers: {
          authorization,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: form.toString(),
      }, {
        provider: "twilio",
        signal,
        providerId: (_response, body) => {
          try {
            return String(JSON.parse(body).sid ?? "") || null;
          } catch {
            return null;
          }
        },
      });
    },
  };
}
