/**
 * @module
 * Slack incoming webhooks: `POST <webhook URL>` with `{ text, blocks }`; 200 `ok` on success. A
 * webhook that is gone (404 `channel_not_found`, 410 `channel_is_archived`) or forbidden (403) is
 * a permanent failure. The URL carries the webhook's token: it never appears in a result.
 */

import { sendRequest } from "../http_outcome.ts";
import type { Channel, OutboundMessage } from "../message.ts";

type SlackMessage = Extract<OutboundMessage, { channel: "slack" }>;

/**
 * @example
 * ```ts
 * const slack = createSlackChannel();
 * await slack.send({ channel: "slack", url, body: { text: "Low stock" }, ...ids });
 * ```
 */
export function createSlackChannel(): Channel<SlackMessage> {
  return {
    provider: "slack",
    send(message, { signal } = {}) {
      return sendRequest(message.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-shelfwatch-idempotency-key": message.idempotencyKey,
        },
        body: JSON.stringify(message.body),
      }, { provider: "slack", signal, goneStatuses: [403, 404, 410] });
    },
  };
}
