/**
 * @module
 * The local inbox: stands in for any channel whose provider is not configured by storing what
 * would have been sent in `public.inbox_messages` (channel, recipient, subject, text, HTML, JSON,
 * delivery, time). A webhook's URL is a secret: only its host is kept as the recipient.
 */

import type postgres from "postgres";
import type { Sql } from "../../_shared/db.ts";
import type { Channel, OutboundMessage } from "../message.ts";

/** The row stored for a message. */
export interface InboxEntry {
  recipient: string;
  subject: string | null;
  text: string | null;
  html: string | null;
  json: unknown;
}

/**
 * What the inbox keeps of a message.
 *
 * @example
 * ```ts
 * inboxEntry({ channel: "sms", to: "+15550001111", text: "[HIGH] ...", ...ids }).recipient; // "+15550001111"
 * ```
 */
export function inboxEntry(message: OutboundMessage): InboxEntry {
  switch (message.channel) {
    case "email":
      return {
        recipient: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        json: null,
      };
    case "sms":
    case "whatsapp":
      return { recipient: message.to, subject: null, text: message.text, html: null, json: null };
    case "push":
      return {
        recipient: message.subscriptions.map((s) => new URL(s.endpoint).origin).join(", ") ||
          "(no subscription)",
        subject: message.payload.title,
        text: message.payload.body,
        html: null,
        json: {
          payload: message.payload,
          urgency: message.urgency,
          topic: message.topic,
          ttl: message.ttlSeconds,
        },
      };
    case "slack":
    case "discord":
    case "webhook":
      return {
        recipient: `${new URL(message.url).host} (${message.channel})`,
        subject: null,
        text: typeof message.body.text === "string"
          ? message.body.text
          : typeof message.body.content === "string"
          ? message.body.content
          : null,
        html: null,
        json: message.body,
      };
  }
}

/**
 * @example
 * ```ts
 * const inbox = createInboxChannel(sql);
 * await inbox.send(message); // { ok: true, providerId: "inbox:42" }
 * ```
 */
export function createInboxChannel(sql: Sql): Channel {
  return {
    provider: "inbox",
    async send(message) {
      const entry = inboxEntry(message);
      const [row] = await sql<{ id: string }[]>`
        insert into public.inbox_messages
          (tenant_id, user_id, delivery_id, channel, recipient, subject, body_text, body_html, body_json)
        values (${message.tenantId}, ${message.userId}, ${message.deliveryId}, ${message.channel},
                ${entry.recipient}, ${entry.subject}, ${entry.text}, ${entry.html},
                ${entry.json === null ? null : sql.json(entry.json as postgres.JSONValue)})
        returning id::text as id`;
      return { ok: true, providerId: `inbox:${row.id}`, provider: "inbox" };
    },
  };
}
