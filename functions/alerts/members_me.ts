/**
 * @module
 * `GET /alerts/members/me`: who the database thinks the caller is (user, tenant, database role),
 * read under their claims — a quick check that a token works end to end.
 */

import { createRoute, z } from "@hono/zod-openapi";
import type { Tx } from "../_shared/db.ts";
import { errorResponses, jsonResponse } from "./alert_schemas.ts";

const Me = z.object({
  user_id: z.uuid().nullable(),
  tenant_id: z.string().nullable(),
  database_role: z.string(),
}).openapi("Me");

/** The route, for `app.openapi`. */
export const membersMeRoute = createRoute({
  method: "get",
  path: "/members/me",
  tags: ["members"],
  summary: "The caller as the database sees them",
  security: [{ bearer: [] }],
  responses: { 200: jsonResponse(Me, "The caller"), ...errorResponses(401) },
});

/**
 * @example
 * ```ts
 * const me = await withClaims(sql, claims, (tx) => whoAmI(tx)); // { user_id, tenant_id, ... }
 * ```
 */
export async function whoAmI(tx: Tx) {
  const [me] = await tx<z.infer<typeof Me>[]>`select auth.uid() as user_id,
                               auth.jwt() -> 'app_metadata' ->> 'tenant_id' as tenant_id,
                               current_user as database_role`;
  return me;
}
