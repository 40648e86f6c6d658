/**
 * @module
 * `/alerts/suppressions`: maintenance windows that keep alerts quiet. Every member lists them;
 * RLS lets managers and owners create them and end them early (nobody deletes one: it explains
 * why events were suppressed). The validation trigger answers SW001 naming the field.
 */

import { createRoute, z } from "@hono/zod-openapi";
import type { Tx } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { errorResponses, jsonResponse } from "./alert_schemas.ts";
import { type AlertsRouter, namedTenant, type RouteDeps } from "./route_deps.ts";
import { dateTime, IdParams, ServiceTenantId, text } from "./route_deps_schemas.ts";

/** `POST /alerts/suppressions`. */
export const SuppressionInput = z.strictObject({
  alert_types: z.array(text(1, 66)).min(1).max(100).nullable().optional().openapi({
    description: "Alert types (or prefix wildcards like inventory.*); null or left out = all",
  }),
  store_ids: z.array(text(1, 200)).min(1).max(1000).nullable().optional(),
  product_ids: z.array(text(1, 200)).min(1).max(1000).nullable().optional(),
  starts_at: dateTime().optional().openapi({ description: "Default: now" }),
  ends_at: dateTime(),
  reason: text(1, 500),
  tenant_id: ServiceTenantId,
}).openapi("SuppressionInput");
/** Parsed {@link SuppressionInput}. */
export type SuppressionInput = z.infer<typeof SuppressionInput>;

/** `?active=true|false&tenant_id=` of the list. */
export const SuppressionsQuery = z.strictObject({
  active: z.enum(["true", "false"]).optional().openapi({
    description: "true: in force now; false: ended, ended early or not started yet",
  }),
  tenant_id: ServiceTenantId,
});

/** A stored suppression, with whether it is in force now. */
export const Suppression = z.object({
  id: z.uuid(),
  tenant_id: z.uuid(),
  alert_types: z.array(z.string()).nullable(),
  store_ids: z.array(z.string()).nullable(),
  product_ids: z.array(z.string()).nullable(),
  starts_at: z.string(),
  ends_at: z.string(),
  ended_early_at: z.string().nullable(),
  reason: z.string(),
  created_by: z.uuid().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  active: z.boolean(),
}).openapi("Suppression");
/** A suppression as answered. */
export type Suppression = z.infer<typeof Suppression>;

const security = [{ bearer: [] }];
const tags = ["suppressions"];

/** `GET /alerts/suppressions`. */
export const listSuppressionsRoute = createRoute({
  method: "get",
  path: "/suppressions",
  tags,
  security,
  summary: "List maintenance windows, latest ending first (every member)",
  request: { query: SuppressionsQuery },
  responses: {
    200: jsonResponse(z.object({ data: z.array(Suppression) }), "The suppressions"),
    ...errorResponses(400, 401, 403),
  },
});

/** `POST /alerts/suppressions`. */
export const createSuppressionRoute = createRoute({
  method: "post",
  path: "/suppressions",
  tags,
  security,
  summary: "Start or plan a maintenance window (managers and owners)",
  request: {
    body: { content: { "application/json": { schema: SuppressionInput } }, required: true },
  },
  responses: {
    201: jsonResponse(Suppression, "The new suppression"),
    ...errorResponses(400, 401, 403, 413, 415, 422),
  },
});

/** `POST /alerts/suppressions/{id}/end`. */
export const endSuppressionRoute = createRoute({
  method: "post",
  path: "/suppressions/{id}/end",
  tags,
  security,
  summary: "End a maintenance window now (managers and owners)",
  request: { params: IdParams },
  responses: {
    200: jsonResponse(Suppression, "The ended suppression"),
    ...errorResponses(401, 403, 404, 409),
  },
});

/** The answered columns of `public.alert_suppressions as s`. */
function suppressionColumns(tx: Tx) {
  return tx`s.*, (s.starts_at <= private.now()
                   and private.now() < coalesce(s.ended_early_at, s.ends_at)) as active`;
}

/**
 * Lists the tenant's suppressions (the caller's, or the one a service names), optionally only
 * those (not) in force now.
 *
 * @example
 * ```ts
 * const { data } = await withClaims(sql, claims, (tx) =>
 *   listSuppressions(tx, { active: "true" }, { tenant: null }));
 * ```
 */
export async function listSuppressions(
  tx: Tx,
  { active }: { active?: "true" | "false" },
  { tenant }: { tenant: string | null },
) {
  const wanted = active === undefined ? null : active === "true";
  const data = await tx<Suppression[]>`
    select * from (
      select ${suppressionColumns(tx)} from public.alert_suppressions as s
      where s.tenant_id = coalesce(${tenant}::uuid, private.jwt_tenant_id())
    ) as s
    where ${wanted}::boolean is null or s.active = ${wanted}::boolean
    order by coalesce(s.ended_early_at, s.ends_at) desc, s.id`;
  return { data };
}

/**
 * Inserts a suppression into the tenant (the caller's, or the one a service names).
 *
 * @example
 * ```ts
 * await withClaims(sql, claims, (tx) => createSuppression(tx, { ends_at, reason }, { tenant: null }));
 * ```
 */
export async function createSuppression(
  tx: Tx,
  input: SuppressionInput,
  { tenant }: { tenant: string | null },
) {
  const [created] = await tx<Suppression[]>`
    with inserted as (
      insert into public.alert_suppressions
        (tenant_id, alert_types, store_ids, product_ids, starts_at, ends_at, reason)
      values (coalesce(${tenant}::uuid, private.jwt_tenant_id()),
              ${input.alert_types ?? null}::text[], ${input.store_ids ?? null}::text[],
              ${input.product_ids ?? null}::text[],
              coalesce(${input.starts_at ?? null}::timestamptz, private.now()),
              ${input.ends_at}::timestamptz, ${input.reason})
      returning *
    )
    select ${suppressionColumns(tx)} from inserted as s`;
  return created;
}

/**
 * Ends a suppression now: 404 when the caller cannot see it, 409 when it is over already, 403
 * when RLS refuses the change.
 *
 * @example
 * ```ts
 * await withClaims(sql, claims, (tx) => endSuppression(tx, id));
 * ```
 */
export async function endSuppression(tx: Tx, id: string) {
  const [ended] = await tx<Suppression[]>`
    with ended as (
      update public.alert_suppressions
      set ended_early_at = private.now()
      where id = ${id} and ended_early_at is null and private.now() < ends_at
      returning *
    )
    select ${suppressionColumns(tx)} from ended as s`;
  if (ended) return ended;
  const [seen] = await tx<{ over: boolean }[]>`
    select ended_early_at is not null or ends_at <= private.now() as over
    from public.alert_suppressions where id = ${id}`;
  if (!seen) throw new ApiError(404, "not_found", `No suppression ${id}`);
  if (seen.over) {
    throw new ApiError(
      409,
      "invalid_transition",
      `Cannot end suppression ${id}: it is over already`,
    );
  }
  throw new ApiError(
    403,
    "forbidden",
    `Cannot end suppression ${id}: needs the manager role or above`,
  );
}

/**
 * Registers the `/suppressions` routes. Register before `GET /{id}` (alert detail).
 *
 * @example
 * ```ts
 * registerSuppressionRoutes(app, { asCaller });
 * ```
 */
export function registerSuppressionRoutes(app: AlertsRouter, { asCaller }: RouteDeps): void {
  app.openapi(listSuppressionsRoute, async (c) => {
    const { tenant_id, ...query } = c.req.valid("query");
    const tenant = namedTenant(c, tenant_id);
    return c.json(await asCaller(c, (tx) => listSuppressions(tx, query, { tenant })), 200);
  });
  app.openapi(createSuppressionRoute, async (c) => {
    const body = c.req.valid("json");
    const tenant = namedTenant(c, body.tenant_id);
    return c.json(await asCaller(c, (tx) => createSuppression(tx, body, { tenant })), 201);
  });
  app.openapi(endSuppressionRoute, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await asCaller(c, (tx) => endSuppression(tx, id)), 200);
  });
}
