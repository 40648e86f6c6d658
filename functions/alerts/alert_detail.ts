/**
 * @module
 * `GET /alerts/{id}`: one alert with its audit trail and the deliveries the caller may see
 * (never their destinations). Another tenant's alert is "not found", like a missing one.
 */

import { createRoute } from "@hono/zod-openapi";
import type { Tx } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { alertColumns } from "./alert_columns.ts";
import {
  type Alert,
  type AlertDelivery,
  AlertDetail,
  type AlertHistoryEntry,
  errorResponses,
  jsonResponse,
} from "./alert_schemas.ts";
import { AlertIdParams } from "./request_schemas.ts";

/** The route, for `app.openapi`. */
export const alertDetailRoute = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["alerts"],
  summary: "One alert with its history and deliveries",
  security: [{ bearer: [] }],
  request: { params: AlertIdParams },
  responses: {
    200: jsonResponse(AlertDetail, "The alert"),
    ...errorResponses(400, 401, 403, 404),
  },
});

/**
 * The alert, or a 404 {@link ApiError} when the caller cannot see it.
 *
 * @example
 * ```ts
 * const alert = await withClaims(sql, claims, (tx) => alertDetail(tx, id));
 * alert.history[0].action; // "created"
 * ```
 */
export async function alertDetail(tx: Tx, id: string) {
  const [alert] = await tx<Alert[]>`select ${
    alertColumns(tx)
  } from public.alerts as a where a.id = ${id}`;
  if (!alert) throw new ApiError(404, "not_found", `Cannot find alert ${id}`);
  const history = await tx<AlertHistoryEntry[]>`
    select h.id::text as id, h.action, h.from_status, h.to_status, h.from_severity, h.to_severity,
           h.actor_id, h.note, h.details, h.created_at
    from public.alert_history as h
    where h.alert_id = ${id}
    order by h.id`;
  const deliveries = await tx<AlertDelivery[]>`
    select d.id, d.channel, d.reason, d.status, d.attempts, d.sent_at, d.error_reason, d.created_at
    from public.deliveries as d
    where d.alert_id = ${id}
    order by d.created_at, d.id`;
  return { ...alert, history: [...history], deliveries: [...deliveries] };
}
