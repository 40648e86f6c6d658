/**
 * @module
 * `/alerts/push/*`: the VAPID public key a browser subscribes with, and registering or removing
 * the caller's own web push subscriptions (RLS: a member manages only their own).
 */

import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AuthEnv } from "../_shared/auth.ts";
import type { Tx } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { errorResponses, jsonResponse } from "./alert_schemas.ts";
import {
  PushSubscription,
  PushSubscriptionBody,
  SubscriptionIdParams,
  VapidPublicKey,
} from "./push_schemas.ts";
import type { ReportingDeps } from "./reporting_deps.ts";

const security = [{ bearer: [] }];
const tags = ["push"];

/** The routes, for `app.openapi`. */
export const pushRoutes = {
  vapidPublicKey: createRoute({
    method: "get",
    path: "/push/vapid-public-key",
    tags,
    summary: "The VAPID public key to subscribe with",
    security,
    responses: {
      200: jsonResponse(VapidPublicKey, "The key"),
      ...errorResponses(401, 404),
    },
  }),
  subscribe: createRoute({
    method: "post",
    path: "/push/subscriptions",
    tags,
    summary: "Register this browser for web push (the caller's own)",
    security,
    request: {
      body: { content: { "application/json": { schema: PushSubscriptionBody } }, required: true },
    },
    responses: {
      201: jsonResponse(PushSubscription, "The subscription"),
      ...errorResponses(400, 401, 403, 409, 422),
    },
  }),
  unsubscribe: createRoute({
    method: "delete",
    path: "/push/subscriptions/{id}",
    tags,
    summary: "Remove one of the caller's push subscriptions",
    security,
    request: { params: SubscriptionIdParams },
    responses: { 204: { description: "Removed" }, ...errorResponses(400, 401, 404) },
  }),
};

type Subscription = z.infer<typeof PushSubscription>;

/**
 * Registers a subscription for the caller. Subscribing again from the same browser (same
 * endpoint) replaces the caller's earlier row, which also clears a `failed_at` the dispatcher
 * set; another member's row with that endpoint (a shared device) moves to the caller (a trigger,
 * migration 20261122160400).
 *
 * @example
 * ```ts
 * await withClaims(sql, claims, (tx) => subscribe(tx, subscription.toJSON(), navigator.userAgent));
 * ```
 */
export async function subscribe(
  tx: Tx,
  { endpoint, keys }: z.infer<typeof PushSubscriptionBody>,
  userAgent: string | null,
): Promise<Subscription> {
  await tx`delete from public.push_subscriptions as s
           where s.endpoint = ${endpoint} and s.user_id = auth.uid()`;
  const [row] = await tx<Subscription[]>`
    insert into public.push_subscriptions (endpoint, p256dh, auth, user_agent)
    values (${endpoint}, ${keys.p256dh}, ${keys.auth}, ${userAgent?.slice(0, 500) ?? null})
    returning id, endpoint, created_at`;
  return row;
}

/**
 * Removes one of the caller's subscriptions; another member's (or none) is "not found".
 *
 * @example
 * ```ts
 * await withClaims(sql, claims, (tx) => unsubscribe(tx, id));
 * ```
 */
export async function unsubscribe(tx: Tx, id: string): Promise<void> {
  const removed =
    await tx`delete from public.push_subscriptions as s where s.id = ${id} returning s.id`;
  if (removed.length === 0) {
    throw new ApiError(404, "not_found", `No push subscription ${id} of the caller`);
  }
}

/**
 * Registers `GET /alerts/push/vapid-public-key`, `POST /alerts/push/subscriptions` and
 * `DELETE /alerts/push/subscriptions/{id}`.
 *
 * @example
 * ```ts
 * registerPushRoutes(app, createReportingDeps(sql, { vapidPublicKey: config.vapidPublicKey }));
 * ```
 */
export function registerPushRoutes(
  app: OpenAPIHono<AuthEnv>,
  { asCaller, vapidPublicKey }: ReportingDeps,
): void {
  app.openapi(pushRoutes.vapidPublicKey, (c) => {
    if (!vapidPublicKey) {
      throw new ApiError(
        404,
        "push_not_configured",
        "Web push is not configured for this project (VAPID_PUBLIC_KEY is not set)",
      );
    }
    return c.json({ public_key: vapidPublicKey }, 200);
  });
  app.openapi(pushRoutes.subscribe, async (c) => {
    const body = c.req.valid("json");
    const userAgent = c.req.header("user-agent") ?? null;
    return c.json(await asCaller(c, (tx) => subscribe(tx, body, userAgent)), 201);
  });
  app.openapi(pushRoutes.unsubscribe, async (c) => {
    const { id } = c.req.valid("param");
    await asCaller(c, (tx) => unsubscribe(tx, id));
    return c.body(null, 204);
  });
}
