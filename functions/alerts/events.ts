/**
 * @module
 * `POST /alerts/events`: HTTP ingest into `public.alert_events`, with the semantics of a SQL
 * insert (one INSERT statement for the whole batch; the insert's AFTER trigger turns events into
 * alerts). RLS lets staff and above report events for their own tenant; a service-role caller
 * names the tenant. An `Idempotency-Key` header makes a retry answer the stored outcomes instead
 * of inserting again (each event stores `<key>:<index>`, or the key itself for a single event).
 */

import { createRoute, z } from "@hono/zod-openapi";
import type { Tx } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { errorResponses, jsonResponse } from "./alert_schemas.ts";
import { keyTenant } from "./ingest_keys.ts";
import { type AlertsRouter, namedTenant, type RouteDeps } from "./route_deps.ts";
import { dateTime, JsonObject, ServiceTenantId, text } from "./route_deps_schemas.ts";

/** Most events one request may carry. */
export const MAX_EVENTS = 1000;

/** One event, as a sender reports it. */
export const EventInput = z.strictObject({
  source: text(1, 100).openapi({ example: "pos" }),
  event_type: text(1, 100).regex(/^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/, {
    message: "must be dot-separated segments of letters, digits, _ and - (inventory.low_stock)",
  }).openapi({ example: "inventory.low_stock" }),
  payload: JsonObject.optional(),
  dedup_key: text(1, 300).optional(),
  occurred_at: dateTime().optional(),
}).openapi("EventInput");
/** Parsed {@link EventInput}. */
export type EventInput = z.infer<typeof EventInput>;

/**
 * The body: `{ events: [...] }` or one event's fields; `tenant_id` for service callers only. One
 * object schema rather than a union, so a wrong field is named in the 400 either way.
 */
export const IngestBody = z.strictObject({
  events: z.array(EventInput).min(1).optional().openapi({
    description: `1 to ${MAX_EVENTS} events (or leave out and give one event's fields)`,
  }),
  tenant_id: ServiceTenantId,
  ...EventInput.partial().shape,
}).superRefine((body, ctx) => {
  const own = Object.keys(body).filter((key) => key !== "events" && key !== "tenant_id");
  if (body.events !== undefined) {
    for (const key of own) {
      ctx.addIssue({ code: "custom", path: [key], message: "give events or one event, not both" });
    }
    return;
  }
  for (const key of ["source", "event_type"] as const) {
    if (body[key] === undefined) {
      ctx.addIssue({ code: "custom", path: [key], message: "is required" });
    }
  }
}).openapi("IngestBody");
/** Parsed {@link IngestBody}. */
export type IngestBody = z.infer<typeof IngestBody>;

/** The `Idempotency-Key` header. */
export const IngestHeaders = z.object({
  "idempotency-key": text(1, 190).optional().openapi({
    param: { name: "idempotency-key", in: "header" },
    description: "Retries with the same key answer the stored outcomes and insert nothing",
  }),
});

/** What became of one event. */
export const EventOutcome = z.object({
  id: z.uuid(),
  status: z.enum([
    "pending",
    "alerted",
    "aggregated",
    "no_rule",
    "suppressed",
    "throttled",
    "rejected",
  ]),
  reason: z.string().nullable(),
  alert_id: z.uuid().nullable(),
  rule_id: z.uuid().nullable(),
  idempotency_key: z.string().nullable(),
}).openapi("EventOutcome");
/** An event's outcome as answered. */
export type EventOutcome = z.infer<typeof EventOutcome>;

/** The answer: each event's outcome, in the request's order. */
export const IngestResult = z.object({
  events: z.array(EventOutcome),
  replayed: z.boolean().openapi({
    description: "true when every event was stored by an earlier request",
  }),
}).openapi("IngestResult");

/** `POST /alerts/events`. */
export const ingestEventsRoute = createRoute({
  method: "post",
  path: "/events",
  tags: ["events"],
  security: [{ bearer: [] }],
  summary: `Report 1 to ${MAX_EVENTS} events (staff and above, or a service naming tenant_id)`,
  request: {
    headers: IngestHeaders,
    body: { content: { "application/json": { schema: IngestBody } }, required: true },
  },
  responses: {
    201: jsonResponse(IngestResult, "Stored and processed"),
    200: jsonResponse(IngestResult, "A retry: the outcomes stored by the first request"),
    ...errorResponses(400, 401, 403, 413, 415, 422),
  },
});

/**
 * Stores events in one INSERT and answers each one's outcome, re-read after the statement's
 * AFTER trigger processed them. With an idempotency key, events stored before are not inserted
 * again and answer their stored outcome.
 *
 * @example
 * ```ts
 * const result = await withClaims(sql, claims, (tx) => ingestEvents(tx, events, { tenant: null }));
 * ```
 */
export async function ingestEvents(
  tx: Tx,
  events: EventInput[],
  { tenant, idempotencyKey, single = false }: {
    tenant: string | null;
    idempotencyKey?: string;
    single?: boolean;
  },
) {
  const keys = idempotencyKey === undefined
    ? events.map(() => null)
    : events.map((_, index) => single ? idempotencyKey : `${idempotencyKey}:${index}`);
  const rows = events.map((event, index) => ({
    ...event,
    idempotency_key: keys[index],
    position: index,
  }));
  const inserted = await tx<{ id: string }[]>`
    insert into public.alert_events
      (tenant_id, source, event_type, payload, dedup_key, idempotency_key, occurred_at)
    select coalesce(${tenant}::uuid, private.jwt_tenant_id()), e.source, e.event_type,
           coalesce(e.payload, '{}'::jsonb), e.dedup_key, e.idempotency_key,
           coalesce(e.occurred_at, private.now())
    from pg_catalog.jsonb_to_recordset(${tx.json(rows as never)})
      as e (source text, event_type text, payload jsonb, dedup_key text, idempotency_key text,
            occurred_at timestamptz, position int)
    order by e.position
    on conflict (tenant_id, idempotency_key) do nothing
    returning id`;
  const columns = tx`id, status, reason, alert_id, rule_id, idempotency_key`;
  if (idempotencyKey === undefined) {
    // Without keys nothing conflicts: RETURNING answers one row per event, in order.
    const ids = inserted.map((row) => row.id);
    const outcomes = await tx<EventOutcome[]>`
      select ${columns} from public.alert_events where id = any(${ids}::uuid[])`;
    const byId = new Map(outcomes.map((row) => [row.id, row]));
    return { events: ids.map((id) => byId.get(id)!), replayed: false };
  }
  const outcomes = await tx<EventOutcome[]>`
    select ${columns} from public.alert_events
    where tenant_id = coalesce(${tenant}::uuid, private.jwt_tenant_id())
      and idempotency_key = any(${keys}::text[])`;
  const byKey = new Map(outcomes.map((row) => [row.idempotency_key, row]));
  return { events: keys.map((key) => byKey.get(key)!), replayed: inserted.length === 0 };
}

/**
 * Registers `POST /events`.
 *
 * @example
 * ```ts
 * registerEventRoutes(app, { asCaller });
 * ```
 */
export function registerEventRoutes(app: AlertsRouter, { asCaller }: RouteDeps): void {
  app.openapi(ingestEventsRoute, async (c) => {
    const [body, headers] = [c.req.valid("json"), c.req.valid("header")];
    const { events: batch, tenant_id: named, ...one } = body;
    const single = batch === undefined;
    const events = batch ?? [one as EventInput];
    if (events.length > MAX_EVENTS) {
      throw new ApiError(
        413,
        "payload_too_large",
        `Cannot ingest ${events.length} events in one request: at most ${MAX_EVENTS}`,
      );
    }
    const tenant = keyTenant(c, named) ?? namedTenant(c, named);
    const idempotencyKey = headers["idempotency-key"];
    const result = await asCaller(
      c,
      (tx) => ingestEvents(tx, events, { tenant, idempotencyKey, single }),
    );
    return result.replayed ? c.json(result, 200) : c.json(result, 201);
  });
}
