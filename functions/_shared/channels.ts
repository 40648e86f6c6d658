/**
 * @module
 * The delivery channels Shelfwatch sends on, for both functions: the notify function renders and
 * sends one message per channel (functions/notify/message.ts checks that this list is complete),
 * and rules in the alerts function name the channels they notify.
 */

/** Every delivery channel, in the order screens and tests list them. */
export const CHANNEL_NAMES = [
  "email",
  "sms",
  "whatsapp",
  "push",
  "slack",
  "discord",
  "webhook",
] as const;
