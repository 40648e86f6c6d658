/**
 * @module
 * `GET /notify/inbox`: the local inbox as JSON, newest first — every message kept instead of sent
 * because its provider is not configured. Members see their own, managers their tenant's (RLS);
 * the service role sees all. Query: `limit` (1..500, default 50), `channel`, `before` (an id, for
 * paging back).
 */

import type { Hono } from "hono";
import { z } from "zod";
import { auth, type AuthEnv, type AuthOptions } from "../_shared/auth.ts";
import { type Sql, withClaims } from "../_shared/db.ts";

const InboxQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  channel: z.enum(["email", "sms", "whatsapp", "push", "slack", "discord", "webhook"]).optional(),
  before: z.coerce.number().int().min(1).optional(),
});

/** One inbox message as the API answers it. */
export interface InboxMessage {
  id: number;
  tenant_id: string;
  user_id: string | null;
  delivery_id: string | null;
  channel: string;
  recipient: string;
  subject: string | null;
  body_text: string | null;
  body_html: string | null;
  body_json: unknown;
  created_at: string;
}

/**
 * Reads the inbox as whoever `tx` runs as.
 *
 * @example
 * ```ts
 * const messages = await withClaims(sql, claims, (tx) => listInbox(tx, { limit: 20 }));
 * ```
 */
export async function listInbox(
  tx: Sql | Parameters<Parameters<typeof withClaims>[2]>[0],
  { limit = 50, channel, before }: { limit?: number; channel?: string; before?: number } = {},
): Promise<InboxMessage[]> {
  return await tx<InboxMessage[]>`
    select id::int as id, tenant_id, user_id, delivery_id, channel, recipient, subject, body_text,
           body_html, body_json, created_at
    from public.inbox_messages
    where (${channel ?? null}::text is null or channel = ${channel ?? null})
      and (${before ?? null}::bigint is null or id < ${before ?? null})
    order by id desc
    limit ${limit}`;
}

/**
 * @example
 * ```ts
 * registerInboxRoutes(app, { sql, auth: { secret: config.jwtSecret } });
 * ```
 */
export function registerInboxRoutes(
  app: Hono,
  { sql, auth: authOptions }: { sql: Sql; auth: AuthOptions },
): void {
  const routes = app as unknown as Hono<AuthEnv>;
  routes.get("/inbox", auth(authOptions), async (c) => {
    const query = InboxQuery.parse(c.req.query());
    const messages = await withClaims(sql, c.get("claims"), (tx) => listInbox(tx, query));
    return c.json({ messages });
  });
}
