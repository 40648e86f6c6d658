/**
 * @module
 * `GET /alerts/active`: what needs attention now — every alert not resolved, most severe first,
 * then by priority, then newest.
 */

import { createRoute } from "@hono/zod-openapi";
import type { Tx } from "../_shared/db.ts";
import { alertColumns } from "./alert_columns.ts";
import { type Alert, AlertList, errorResponses, jsonResponse } from "./alert_schemas.ts";
import { ActiveAlertsQuery } from "./request_schemas.ts";

/** The route, for `app.openapi`. */
export const activeAlertsRoute = createRoute({
  method: "get",
  path: "/active",
  tags: ["alerts"],
  summary: "Open alerts, most severe first",
  security: [{ bearer: [] }],
  request: { query: ActiveAlertsQuery },
  responses: {
    200: jsonResponse(AlertList, "Open alerts by severity, priority, then newest"),
    ...errorResponses(400, 401, 403),
  },
});

/**
 * The caller's open alerts; RLS decides which.
 *
 * @example
 * ```ts
 * const { data } = await withClaims(sql, claims, (tx) => activeAlerts(tx, { limit: 50 }));
 * ```
 */
export async function activeAlerts(tx: Tx, { limit }: { limit: number }) {
  const data = await tx<Alert[]>`
    select ${alertColumns(tx)}
    from public.alerts as a
    where a.status <> 'resolved'
    order by private.severity_rank(a.severity) desc, a.priority desc, a.created_at desc, a.id desc
    limit ${limit}`;
  return { data: [...data] };
}
