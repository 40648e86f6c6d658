/**
 * @module
 * The zod schemas of the `/alerts/push/*` routes: a browser's `PushSubscription.toJSON()` and
 * what the API answers. The database checks the same rules again (https endpoint, base64url keys).
 */

import { z } from "@hono/zod-openapi";

const base64url = (min: number, max: number) =>
  z.string().min(min).max(max).regex(/^[A-Za-z0-9_-]+=*$/, { message: "must be base64url" });

/** `POST /alerts/push/subscriptions`: exactly what `PushSubscription.toJSON()` returns. */
export const PushSubscriptionBody = z.strictObject({
  endpoint: z.string().max(2000).regex(/^https:\/\/[^\s/]+\/\S*$/, {
    message: "must be an https URL of the push service",
  }),
  expirationTime: z.number().nullable().optional().openapi({ description: "Ignored" }),
  keys: z.strictObject({ p256dh: base64url(16, 200), auth: base64url(8, 100) }),
}).openapi("PushSubscriptionBody");

/** A stored subscription, without its keys. */
export const PushSubscription = z.object({
  id: z.uuid(),
  endpoint: z.string(),
  created_at: z.iso.datetime(),
}).openapi("PushSubscription");

/** `GET /alerts/push/vapid-public-key`. */
export const VapidPublicKey = z.object({
  public_key: z.string().openapi({ description: "applicationServerKey for PushManager.subscribe" }),
}).openapi("VapidPublicKey");

/** `{id}` of `DELETE /alerts/push/subscriptions/{id}`. */
export const SubscriptionIdParams = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
