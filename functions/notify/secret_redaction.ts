/**
 * @module
 * Keeps secrets out of what the dispatcher records and logs: a provider's error text may quote
 * what it was sent (an API key, a webhook URL with its token), so every known secret is replaced
 * before `last_error` is written or a log line goes out.
 */

import type { OutboundMessage } from "./message.ts";
import type { NotifyConfig } from "./notify_config.ts";

/** Shorter strings are not treated as secrets (they would match ordinary text). */
const MIN_SECRET_LENGTH = 6;

/**
 * Replaces each secret in `text` with `[redacted]`.
 *
 * @example
 * ```ts
 * redactSecrets("bad key re_123456", ["re_123456"]); // "bad key [redacted]"
 * ```
 */
export function redactSecrets(text: string, secrets: Iterable<string | undefined>): string {
  let result = text;
  const sorted = [
    ...new Set(
      [...secrets].filter((s): s is string =>
        typeof s === "string" && s.length >= MIN_SECRET_LENGTH
      ),
    ),
  ].sort((a, b) => b.length - a.length);
  for (const secret of sorted) result = result.split(secret).join("[redacted]");
  return result;
}

/**
 * The secrets of the configuration (API keys, tokens, private keys, in the forms they travel).
 *
 * @example
 * ```ts
 * redactSecrets(error, configSecrets(config));
 * ```
 */
export function configSecrets(config: NotifyConfig): string[] {
  const secrets = [
    config.resendApiKey,
    config.sendgridApiKey,
    config.twilioAuthToken,
    config.vapidPrivateKey,
    config.actionLinkSecret,
  ];
  if (config.twilioAccountSid && config.twilioAuthToken) {
    secrets.push(btoa(`${config.twilioAccountSid}:${config.twilioAuthToken}`));
  }
  return secrets.filter((s): s is string => Boolean(s));
}

/**
 * The secrets a message carries: a webhook's URL (its path and query hold the token) and signing
 * secret, push endpoints.
 *
 * @example
 * ```ts
 * messageSecrets({ channel: "slack", url: "https://hooks.slack.com/services/T/B/x", ... });
 * // ["https://hooks.slack.com/services/T/B/x", "/services/T/B/x"]
 * ```
 */
export function messageSecrets(message: OutboundMessage): string[] {
  const urls = message.channel === "push"
    ? message.subscriptions.map((s) => s.endpoint)
    : "url" in message
    ? [message.url]
    : [];
  const secrets = urls.flatMap((url) => {
    const parsed = new URL(url);
    const path = `${parsed.pathname}${parsed.search}`;
    return path.length > 1 ? [url, path, parsed.pathname] : [url];
  });
  if (message.channel === "webhook") secrets.push(message.secret);
  return secrets;
}
