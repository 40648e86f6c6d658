/**
 * @module
 * SMS through Twilio's Messages API: short texts with the alert's short code.
 */

import type { Channel, OutboundMessage } from "../message.ts";
import { twilioChannel, type TwilioOptions } from "./_twilio.ts";

/**
 * @example
 * ```ts
 * const sms = createSmsChannel({ accountSid, authToken, from: "+15550001111", publicUrl });
 * ```
 */
export function createSmsChannel(
  options: Omit<TwilioOptions, "whatsapp">,
): Channel<Extract<OutboundMessage, { channel: "sms" }>> {
  return twilioChannel({ ...options, whatsapp: false });
}
