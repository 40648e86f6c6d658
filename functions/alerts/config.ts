/**
 * @module
 * `/alerts/config`: the tenant's settings (`tenants.settings`). Every member reads them through
 * `public.tenant_settings` (destination URLs redacted for non-owners); owners change them with a
 * JSON merge patch (RFC 7396: objects merge key by key, `null` removes a key, anything else
 * replaces) computed in SQL, and the settings validation triggers answer SW001 naming the field.
 */

import { createRoute, z } from "@hono/zod-openapi";
import type { Tx } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { errorResponses, jsonResponse } from "./alert_schemas.ts";
import { type AlertsRouter, namedTenant, type RouteDeps } from "./route_deps.ts";
import { JsonObject } from "./route_deps_schemas.ts";

/** Largest merge patch accepted, in bytes of JSON. */
export const MAX_PATCH_BYTES = 64 * 1024;

const section = JsonObject.nullable().optional();

/** `PATCH /alerts/config`: the sections to merge into the settings (`null` resets one). */
export const ConfigPatch = z.strictObject({
  notifications: section.openapi({ description: "Channels, roles, escalation, SLA, digests, …" }),
  stock: section.openapi({ description: "Stockout scoring thresholds" }),
  data_quality: section.openapi({ description: "Feed staleness and forecast quality thresholds" }),
  retention: section.openapi({ description: "How long history is kept" }),
}).refine((patch) => Object.keys(patch).length > 0, {
  message: "give at least one section to change",
}).refine((patch) => new TextEncoder().encode(JSON.stringify(patch)).length <= MAX_PATCH_BYTES, {
  message: `must be at most ${MAX_PATCH_BYTES} bytes of JSON`,
}).openapi("ConfigPatch");
/** Parsed {@link ConfigPatch}. */
export type ConfigPatch = z.infer<typeof ConfigPatch>;

/** `?tenant_id=` (service callers only). */
export const ConfigQuery = z.strictObject({
  tenant_id: z.uuid().optional().openapi({ description: "Service-role callers only" }),
});

/** The settings, as `public.tenant_settings` answers them. */
export const Config = z.object({ settings: z.record(z.string(), z.unknown()) }).openapi("Config");

const security = [{ bearer: [] }];
const tags = ["config"];

/** `GET /alerts/config`. */
export const getConfigRoute = createRoute({
  method: "get",
  path: "/config",
  tags,
  security,
  summary: "The tenant's settings (every member; destination URLs redacted for non-owners)",
  request: { query: ConfigQuery },
  responses: { 200: jsonResponse(Config, "The settings"), ...errorResponses(400, 401, 403, 404) },
});

/** `PATCH /alerts/config`. */
export const patchConfigRoute = createRoute({
  method: "patch",
  path: "/config",
  tags,
  security,
  summary: "Merge sections into the tenant's settings (owners)",
  request: {
    query: ConfigQuery,
    body: { content: { "application/json": { schema: ConfigPatch } }, required: true },
  },
  responses: {
    200: jsonResponse(Config, "The changed settings"),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422),
  },
});

/**
 * Reads the settings of the caller's tenant (or of the one a service names).
 *
 * @example
 * ```ts
 * const { settings } = await withClaims(sql, claims, (tx) => readConfig(tx, null));
 * ```
 */
export async function readConfig(tx: Tx, tenant: string | null) {
  const [row] = await tx<{ settings: Record<string, unknown> }[]>`
    select public.tenant_settings(coalesce(${tenant}::uuid, private.jwt_tenant_id())) as settings`;
  return row;
}

/**
 * Merges `patch` into the settings in one UPDATE: every node of the patch, parents first, is
 * applied with `jsonb_set` (objects merge, `null` removes, other values replace). RLS lets only
 * owners update; anyone else gets 403.
 *
 * @example
 * ```ts
 * await withClaims(sql, claims, (tx) => patchConfig(tx, { stock: { safety_days: 3 } }, { tenant: null }));
 * ```
 */
export async function patchConfig(
  tx: Tx,
  patch: ConfigPatch,
  { tenant }: { tenant: string | null },
) {
  const updated = await tx`
    update public.tenants as t
    set settings = (
      with recursive node (path, value) as (
        select array[p.key], p.value from pg_catalog.jsonb_each(${tx.json(patch as never)}) as p
        union all
        select n.path || c.key, c.value
        from node as n cross join lateral pg_catalog.jsonb_each(n.value) as c
        where pg_catalog.jsonb_typeof(n.value) = 'object'
      ),
      step as (
        select row_number() over (order by path) as n, path, value from node
      ),
      merged (n, doc) as (
        select 0::bigint, public.tenant_settings(t.id)
        union all
        select s.n, case
          when s.value = 'null'::jsonb then m.doc #- s.path
          when m.doc #> s.path[1:pg_catalog.cardinality(s.path) - 1] is null
            and pg_catalog.cardinality(s.path) > 1 then m.doc
          when pg_catalog.jsonb_typeof(s.value) = 'object' then pg_catalog.jsonb_set(m.doc, s.path,
            case when pg_catalog.jsonb_typeof(m.doc #> s.path) = 'object' then m.doc #> s.path
                 else '{}'::jsonb end)
          else pg_catalog.jsonb_set(m.doc, s.path, s.value)
        end
        from merged as m join step as s on s.n = m.n + 1
      )
      select doc from merged order by n desc limit 1
    )
    where t.id = coalesce(${tenant}::uuid, private.jwt_tenant_id())
    returning t.id`;
  if (updated.length === 0) {
    throw new ApiError(403, "forbidden", "Cannot change the settings: needs the owner role");
  }
  // A new statement: tenant_settings() in RETURNING would still see the settings before the update.
  return await readConfig(tx, tenant);
}

/**
 * Registers `GET` and `PATCH /config`. Register before `GET /{id}` (alert detail).
 *
 * @example
 * ```ts
 * registerConfigRoutes(app, { asCaller });
 * ```
 */
export function registerConfigRoutes(app: AlertsRouter, { asCaller }: RouteDeps): void {
  app.openapi(getConfigRoute, async (c) => {
    const tenant = namedTenant(c, c.req.valid("query").tenant_id);
    return c.json(await asCaller(c, (tx) => readConfig(tx, tenant)), 200);
  });
  app.openapi(patchConfigRoute, async (c) => {
    const [body, query] = [c.req.valid("json"), c.req.valid("query")];
    const tenant = namedTenant(c, query.tenant_id);
    return c.json(await asCaller(c, (tx) => patchConfig(tx, body, { tenant })), 200);
  });
}
