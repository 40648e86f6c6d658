/**
 * @module
 * WhatsApp through Twilio's Messages API (`whatsapp:` addresses on both ends).
 */

import type { Channel, OutboundMessage } from "../message.ts";
import { twilioChannel, type TwilioOptions } from "./_twilio.ts";

/**
 * @example
 * ```ts
 * const whatsapp = createWhatsappChannel({ accountSid, authToken, from: "+15550001111", publicUrl });
 * ```
 */
export function createWhatsappChannel(
  options: Omit<TwilioOptions, "whatsapp">,
): Channel<Extract<OutboundMessage, { channel: "whatsapp" }>> {
  return twilioChannel({ ...options, whatsapp: true });
}
