/**
 * @module
 * `POST /alerts/{id}/acknowledge|resolve|snooze|unsnooze`: each calls the SQL function of the same
 * name (`public.acknowledge_alert`, …), which judges the caller's role from their JWT, refuses
 * transitions that make no sense and writes the audit trail; the route answers the updated alert.
 */

import { createRoute, type z } from "@hono/zod-openapi";
import type { Tx } from "../_shared/db.ts";
import { alertColumns } from "./alert_columns.ts";
import { Alert, errorResponses, jsonResponse } from "./alert_schemas.ts";
import { AlertIdParams, NoteBody, SnoozeBody } from "./request_schemas.ts";

/** The transitions a member may ask for. */
export type AlertAction = "acknowledge" | "resolve" | "snooze" | "unsnooze";

/** What a transition may carry: a note; for snooze, `minutes` or `until`. */
export interface ActionInput {
  note?: string;
  minutes?: number;
  until?: string;
}

function actionRoute<B extends z.ZodType>(
  action: AlertAction,
  body: B,
  { summary, required }: { summary: string; required: boolean },
) {
  return createRoute({
    method: "post",
    path: `/{id}/${action}`,
    tags: ["lifecycle"],
    summary,
    security: [{ bearer: [] }],
    request: {
      params: AlertIdParams,
      body: { content: { "application/json": { schema: body } }, required },
    },
    responses: {
      200: jsonResponse(Alert, "The updated alert"),
      ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422),
    },
  });
}

/** `POST /alerts/{id}/acknowledge` (staff and above). */
export const acknowledgeRoute = actionRoute("acknowledge", NoteBody, {
  summary: "Acknowledge an active or snoozed alert (staff and above)",
  required: false,
});
/** `POST /alerts/{id}/resolve` (managers and owners). */
export const resolveRoute = actionRoute("resolve", NoteBody, {
  summary: "Resolve an open alert; the note becomes resolution_notes (managers and owners)",
  required: false,
});
/** `POST /alerts/{id}/snooze` (managers and owners). */
export const snoozeRoute = actionRoute("snooze", SnoozeBody, {
  summary: "Snooze an alert for minutes or until a time, at most 30 days (managers and owners)",
  required: true,
});
/** `POST /alerts/{id}/unsnooze` (managers and owners). */
export const unsnoozeRoute = actionRoute("unsnooze", NoteBody, {
  summary:
    "End a snooze early; the alert is active again, the note goes to its history (managers and owners)",
  required: false,
});

/**
 * Applies one transition to one alert, as the caller; SQL errors (SW002–SW005) propagate.
 *
 * @example
 * ```ts
 * const alert = await withClaims(sql, claims, (tx) => applyAction(tx, "resolve", id, { note }));
 * ```
 */
export async function applyAction(tx: Tx, action: AlertAction, id: string, input: ActionInput) {
  const note = input.note ?? null;
  const [alert] = await (() => {
    switch (action) {
      case "acknowledge":
        return tx<Alert[]>`select ${alertColumns(tx)}
                  from public.acknowledge_alert(${id}::uuid, ${note}::text) as a`;
      case "resolve":
        return tx<Alert[]>`select ${alertColumns(tx)}
                  from public.resolve_alert(${id}::uuid, ${note}::text) as a`;
      case "snooze":
        return tx<Alert[]>`select ${alertColumns(tx)}
                  from public.snooze_alert(
                    ${id}::uuid,
                    coalesce(${input.until ?? null}::timestamptz,
                             private.now() + ${input.minutes ?? null}::int * interval '1 minute'),
                    ${note}::text) as a`;
      case "unsnooze":
        return tx<Alert[]>`select ${alertColumns(tx)}
                  from public.unsnooze_alert(${id}::uuid, ${note}::text) as a`;
    }
  })();
  return alert;
}
