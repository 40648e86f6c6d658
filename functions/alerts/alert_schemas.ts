/**
 * @module
 * The shapes the alerts API answers with, as zod schemas: they document `/alerts/openapi.json`
 * (responses are not re-validated at run time; the SQL selects exactly these columns).
 */

import { z } from "@hono/zod-openapi";

/** Alert severities, lowest first. */
export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
/** Alert statuses. */
export const STATUSES = ["active", "acknowledged", "snoozed", "resolved"] as const;

const timestamp = z.iso.datetime().openapi({ example: "2026-11-22T08:30:00.000Z" });
const uuid = z.uuid();

/** An alert as the API shows it (`public.alerts` without internal columns). */
export const Alert = z.object({
  id: uuid,
  tenant_id: uuid,
  alert_type: z.string().openapi({ example: "inventory.low_stock" }),
  category: z.string().openapi({ example: "inventory" }),
  severity: z.enum(SEVERITIES),
  priority: z.int().min(0).max(100),
  status: z.enum(STATUSES),
  title: z.string(),
  description: z.string(),
  recommended_action: z.string().nullable(),
  business_impact: z.string().nullable(),
  impact_value: z.number().nullable(),
  store_id: z.string().nullable(),
  product_id: z.string().nullable(),
  source: z.string(),
  dedup_key: z.string(),
  occurrence_count: z.int(),
  first_seen_at: timestamp,
  last_seen_at: timestamp,
  created_at: timestamp,
  updated_at: timestamp,
  acknowledged_at: timestamp.nullable(),
  acknowledged_by: uuid.nullable(),
  resolved_at: timestamp.nullable(),
  resolved_by: uuid.nullable(),
  resolution_notes: z.string().nullable(),
  snoozed_until: timestamp.nullable(),
  escalation_level: z.int(),
  metadata: z.record(z.string(), z.unknown()),
  response_time_seconds: z.number().nullable(),
  resolution_time_seconds: z.number().nullable(),
}).openapi("Alert");
/**
 * An alert row as the API's SQL selects it. Its timestamps arrive as `Date`s, which serialize to
 * exactly these ISO strings in the JSON body.
 */
export type Alert = z.infer<typeof Alert>;

/** One row of an alert's audit trail. */
export const AlertHistoryEntry = z.object({
  id: z.string().openapi({ description: "bigint, as a string" }),
  action: z.string().openapi({ example: "acknowledged" }),
  from_status: z.string().nullable(),
  to_status: z.string().nullable(),
  from_severity: z.string().nullable(),
  to_severity: z.string().nullable(),
  actor_id: uuid.nullable().openapi({ description: "null = the system" }),
  note: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  created_at: timestamp,
}).openapi("AlertHistoryEntry");
/** A history row (timestamps as with {@link Alert}). */
export type AlertHistoryEntry = z.infer<typeof AlertHistoryEntry>;

/** A notification of an alert, without its destination (a secret members may not read). */
export const AlertDelivery = z.object({
  id: uuid,
  channel: z.string().openapi({ example: "email" }),
  reason: z.string().openapi({ example: "created" }),
  status: z.string().openapi({ example: "sent" }),
  attempts: z.int(),
  sent_at: timestamp.nullable(),
  error_reason: z.string().nullable(),
  created_at: timestamp,
}).openapi("AlertDelivery");
/** A delivery row (timestamps as with {@link Alert}). */
export type AlertDelivery = z.infer<typeof AlertDelivery>;

/** An alert with its history and the deliveries the caller may see. */
export const AlertDetail = Alert.extend({
  history: z.array(AlertHistoryEntry),
  deliveries: z.array(AlertDelivery),
}).openapi("AlertDetail");

/** A page of alerts. */
export const AlertPage = z.object({
  data: z.array(Alert),
  next_cursor: z.string().nullable().openapi({
    description: "Pass as `cursor` for the next page; null on the last page.",
  }),
}).openapi("AlertPage");

/** A list of alerts (not paginated). */
export const AlertList = z.object({ data: z.array(Alert) }).openapi("AlertList");

const StatusCounts = z.object(
  Object.fromEntries(STATUSES.map((status) => [status, z.int()])) as Record<
    typeof STATUSES[number],
    z.ZodInt
  >,
);

/** Alert counts by severity × status. */
export const AlertSummary = z.object({
  counts: z.object(
    Object.fromEntries(SEVERITIES.map((severity) => [severity, StatusCounts])) as Record<
      typeof SEVERITIES[number],
      typeof StatusCounts
    >,
  ),
  open: z.int().openapi({ description: "Alerts not resolved" }),
  total: z.int(),
}).openapi("AlertSummary");

/** The outcome for one id of a bulk action. */
export const BulkResult = z.object({
  id: uuid,
  ok: z.boolean(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
}).openapi("BulkResult");

/** The outcomes of a bulk action, in the order of the request's ids. */
export const BulkResults = z.object({ results: z.array(BulkResult) }).openapi("BulkResults");

/** The API's error body. */
export const ErrorResponse = z.object({
  error: z.object({
    code: z.string().openapi({ example: "invalid_input" }),
    message: z.string(),
    details: z.unknown().nullable(),
  }),
}).openapi("Error");

const ERROR_MEANINGS: Record<number, string> = {
  400: "Malformed request: not JSON, or fails the schema (`details` lists each failing field)",
  401: "Missing, expired or invalid token",
  403: "The caller's role may not do this, or they are not a member",
  404: "No such alert visible to the caller",
  409: "The alert's status does not allow this transition",
  413: "Body larger than 1 MiB",
  415: "Body is not JSON",
  422: "Well-formed, but the engine refuses a value (`unprocessable`; the message names the field)",
};

/**
 * The error responses of a route, for its OpenAPI entry.
 *
 * @example
 * ```ts
 * createRoute({ ..., responses: { 200: ok, ...errorResponses(400, 401) } });
 * ```
 */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, {
    description: ERROR_MEANINGS[status] ?? "Error",
    content: { "application/json": { schema: ErrorResponse } },
  }]));
}

/**
 * A JSON response entry for OpenAPI.
 *
 * @example
 * ```ts
 * responses: { 200: jsonResponse(Alert, "The alert") }
 * ```
 */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}
