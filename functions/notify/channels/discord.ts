/**
 * @module
 * Discord webhooks: `POST <webhook URL>?wait=true` with `{ content, embeds, allowed_mentions }`;
 * 200 with the message (whose id is recorded). A deleted webhook (404) is a permanent failure; a
 * 429 carries `retry_after` (seconds) in its body and `Retry-After` / `X-RateLimit-Reset-After`.
 */

import { sendRequest } from "../http_outcome.ts";
import type { Channel, OutboundMessage } from "../message.ts";

type DiscordMessage = Extract<OutboundMessage, { channel: "discord" }>;

/**
 * @example
 * ```ts
 * const discord = createDiscordChannel();
 * await discord.send({ channel: "discord", url, body: { embeds: [...] }, ...ids });
 * ```
 */
export function createDiscordChannel(): Channel<DiscordMessage> {
  return {
    provider: "discord",
    send(message, { signal } = {}) {
      const url = new URL(message.url);
      url.searchParams.set("wait", "true");
      return sendRequest(url.toString(), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-shelfwatch-idempotency-key": message.idempotencyKey,
        },
        body: JSON.stringify(message.body),
      }, {
        provider: "discord",
        signal,
        goneStatuses: [401, 403, 404],
        providerId: (_response, body) => {
          try {
            return String(JSON.parse(body).id ?? "") || null;
          } catch {
            return null;
          }
        },
      });
    },
  };
}
