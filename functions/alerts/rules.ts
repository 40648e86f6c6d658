/**
 * @module
 * `/alerts/rules`: list, create, change and delete the tenant's alert rules, and dry-run an unsaved
 * rule against recent events (`public.test_rule`). Every member reads; RLS lets managers and
 * owners write (others get 403 from SQLSTATE 42501); `private.check_alert_rule` answers SW001
 * naming the field.
 */

import { createRoute, type z } from "@hono/zod-openapi";
import type { Tx } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { errorResponses, jsonResponse } from "./alert_schemas.ts";
import type { AlertsRouter, RouteDeps } from "./route_deps.ts";
import { namedTenant } from "./route_deps.ts";
import { IdParams } from "./route_deps_schemas.ts";
import {
  DryRunInput,
  DryRunQuery,
  DryRunResult,
  Rule,
  RuleInput,
  RuleList,
  RulePatch,
  RulesQuery,
} from "./rules_schemas.ts";
import { decodeCursor } from "./cursor.ts";
import { afterCursor, cursorColumn, toPage } from "./keyset_page.ts";

const security = [{ bearer: [] }];
const tags = ["rules"];

/** `GET /alerts/rules`. */
export const listRulesRoute = createRoute({
  method: "get",
  path: "/rules",
  tags,
  security,
  summary: "List the tenant's alert rules, newest first, in keyset pages (every member)",
  request: { query: RulesQuery },
  responses: {
    200: jsonResponse(RuleList, "A page of rules"),
    ...errorResponses(400, 401, 403),
  },
});

/** `POST /alerts/rules`. */
export const createRuleRoute = createRoute({
  method: "post",
  path: "/rules",
  tags,
  security,
  summary: "Create an alert rule (managers and owners)",
  request: { body: { content: { "application/json": { schema: RuleInput } }, required: true } },
  responses: {
    201: jsonResponse(Rule, "The new rule"),
    ...errorResponses(400, 401, 403, 413, 415, 422),
  },
});

/** `POST /alerts/rules/dry-run`. */
export const dryRunRuleRoute = createRoute({
  method: "post",
  path: "/rules/dry-run",
  tags,
  security,
  summary: "Evaluate an unsaved rule against recent events; writes nothing (managers and owners)",
  request: {
    query: DryRunQuery,
    body: { content: { "application/json": { schema: DryRunInput } }, required: true },
  },
  responses: {
    200: jsonResponse(DryRunResult, "What the rule would have done"),
    ...errorResponses(400, 401, 403, 413, 415, 422),
  },
});

/** `PATCH /alerts/rules/{id}`. */
export const updateRuleRoute = createRoute({
  method: "patch",
  path: "/rules/{id}",
  tags,
  security,
  summary: "Change fields of an alert rule (managers and owners)",
  request: {
    params: IdParams,
    body: { content: { "application/json": { schema: RulePatch } }, required: true },
  },
  responses: {
    200: jsonResponse(Rule, "The changed rule"),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422),
  },
});

/** `DELETE /alerts/rules/{id}`. */
export const deleteRuleRoute = createRoute({
  method: "delete",
  path: "/rules/{id}",
  tags,
  security,
  summary: "Delete an alert rule; its events keep its id (managers and owners)",
  request: { params: IdParams },
  responses: { 204: { description: "Deleted" }, ...errorResponses(401, 403, 404) },
});

/** Columns written from a rule's JSON, with the table's defaults for those left out. */
function ruleValues(tx: Tx, rule: Record<string, unknown>) {
  return tx`
    select r.name, r.event_types, coalesce(r.conditions, '[]'::jsonb), r.severity, r.severity_map,
           r.priority, coalesce(r.category, 'operations'), r.alert_type, r.title_template,
           r.description_template, r.recommended_action_template, r.dedup_key_template,
           r.aggregation_window_minutes, r.notify_every, r.throttle_minutes, r.max_alerts_per_hour,
           coalesce(r.channels, '{}'), coalesce(r.notify_roles, '{}'), coalesce(r.active, true)
    from pg_catalog.jsonb_populate_record(null::public.alert_rules, ${
    tx.json(rule as never)
  }) as r`;
}

/** Throws 403 when the rule is visible to the caller (so RLS refused the write), else 404. */
async function refuseWrite(tx: Tx, id: string, action: string): Promise<never> {
  const [visible] = await tx`select 1 from public.alert_rules where id = ${id}`;
  if (visible) {
    throw new ApiError(
      403,
      "forbidden",
      `Cannot ${action} rule ${id}: needs the manager role or above`,
    );
  }
  throw new ApiError(404, "not_found", `No alert rule ${id}`);
}

/**
 * One page of the tenant's rules, newest first: the caller's tenant, or the one a service names
 * (RLS still decides what a member sees).
 *
 * @example
 * ```ts
 * const page = await withClaims(sql, claims, (tx) => listRules(tx, { limit: 50 }, { tenant: null }));
 * ```
 */
export async function listRules(
  tx: Tx,
  { limit, cursor, active }: Omit<RulesQuery, "tenant_id">,
  { tenant }: { tenant: string | null },
) {
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const wanted = active === undefined ? null : active === "true";
  const rows = await tx<(Rule & { cursor_at: string })[]>`
    select r.*, ${cursorColumn(tx, "r")}
    from public.alert_rules as r
    where r.tenant_id = coalesce(${tenant}::uuid, private.jwt_tenant_id())
      and (${wanted}::boolean is null or r.active = ${wanted}::boolean)
      and ${after ? afterCursor(tx, "r", after) : tx`true`}
    order by r.created_at desc, r.id desc
    limit ${limit + 1}`;
  return toPage(rows, limit);
}

/**
 * Inserts a rule into the tenant (the caller's, or the one a service names).
 *
 * @example
 * ```ts
 * const rule = await withClaims(sql, claims, (tx) => createRule(tx, input, { tenant: null }));
 * ```
 */
export async function createRule(
  tx: Tx,
  input: RuleInput,
  { tenant }: { tenant: string | null },
) {
  const { tenant_id: _named, ...rule } = input;
  const [created] = await tx<Rule[]>`
    insert into public.alert_rules (tenant_id, name, event_types, conditions, severity, severity_map,
      priority, category, alert_type, title_template, description_template,
      recommended_action_template, dedup_key_template, aggregation_window_minutes, notify_every,
      throttle_minutes, max_alerts_per_hour, channels, notify_roles, active)
    select coalesce(${tenant}::uuid, private.jwt_tenant_id()), v.*
    from (${ruleValues(tx, rule)}) as v
    returning *`;
  return created;
}

/**
 * Changes the given fields of a rule; 404 when the caller cannot see it, 403 when RLS refuses.
 *
 * @example
 * ```ts
 * await withClaims(sql, claims, (tx) => updateRule(tx, id, { active: false }));
 * ```
 */
export async function updateRule(tx: Tx, id: string, patch: RulePatch) {
  const [updated] = await tx<Rule[]>`
    update public.alert_rules as t
    set (name, event_types, conditions, severity, severity_map, priority, category, alert_type,
         title_template, description_template, recommended_action_template, dedup_key_template,
         aggregation_window_minutes, notify_every, throttle_minutes, max_alerts_per_hour, channels,
         notify_roles, active) =
      (select r.name, r.event_types, r.conditions, r.severity, r.severity_map, r.priority,
              r.category, r.alert_type, r.title_template, r.description_template,
              r.recommended_action_template, r.dedup_key_template, r.aggregation_window_minutes,
              r.notify_every, r.throttle_minutes, r.max_alerts_per_hour, r.channels,
              r.notify_roles, r.active
       from pg_catalog.jsonb_populate_record(t, ${tx.json(patch as never)}) as r)
    where t.id = ${id}
    returning t.*`;
  return updated ?? await refuseWrite(tx, id, "change");
}

/**
 * Deletes a rule; 404 when the caller cannot see it, 403 when RLS refuses.
 *
 * @example
 * ```ts
 * await withClaims(sql, claims, (tx) => deleteRule(tx, id));
 * ```
 */
export async function deleteRule(tx: Tx, id: string): Promise<void> {
  const [deleted] = await tx`delete from public.alert_rules where id = ${id} returning id`;
  if (!deleted) await refuseWrite(tx, id, "delete");
}

/**
 * Dry-runs an unsaved rule with `public.test_rule` (which checks the caller is a manager+).
 *
 * @example
 * ```ts
 * const result = await withClaims(sql, claims, (tx) => dryRunRule(tx, rule, { tenant: null }));
 * ```
 */
export async function dryRunRule(
  tx: Tx,
  input: DryRunInput,
  { tenant, since }: { tenant: string | null; since?: string },
) {
  const rule = { ...input, tenant_id: tenant ?? undefined };
  const [result] = await tx<z.infer<typeof DryRunResult>[]>`
    with outcome as (
      select * from public.test_rule(
        ${tx.json(rule as never)},
        coalesce(${since ?? null}::timestamptz, private.now() - interval '7 days'))
    )
    select (select count(*)::int from outcome) as evaluated,
           (select count(*)::int from outcome where matched) as matched,
           coalesce((select jsonb_agg(m) from (
             select event_id, title, severity from outcome where matched limit 500) as m),
             '[]'::jsonb) as events`;
  return result;
}

/**
 * Registers the `/rules` routes on the alerts app. Register before `GET /{id}` (alert detail),
 * which would otherwise take `GET /alerts/rules` for an alert id.
 *
 * @example
 * ```ts
 * registerRuleRoutes(app, { asCaller });
 * ```
 */
export function registerRuleRoutes(app: AlertsRouter, { asCaller }: RouteDeps): void {
  app.openapi(listRulesRoute, async (c) => {
    const { tenant_id, ...page } = c.req.valid("query");
    const tenant = namedTenant(c, tenant_id);
    return c.json(await asCaller(c, (tx) => listRules(tx, page, { tenant })), 200);
  });
  app.openapi(createRuleRoute, async (c) => {
    const body = c.req.valid("json");
    const tenant = namedTenant(c, body.tenant_id);
    return c.json(await asCaller(c, (tx) => createRule(tx, body, { tenant })), 201);
  });
  app.openapi(dryRunRuleRoute, async (c) => {
    const [body, { since }] = [c.req.valid("json"), c.req.valid("query")];
    const tenant = namedTenant(c, body.tenant_id);
    return c.json(await asCaller(c, (tx) => dryRunRule(tx, body, { tenant, since })), 200);
  });
  app.openapi(updateRuleRoute, async (c) => {
    const [{ id }, body] = [c.req.valid("param"), c.req.valid("json")];
    return c.json(await asCaller(c, (tx) => updateRule(tx, id, body)), 200);
  });
  app.openapi(deleteRuleRoute, async (c) => {
    const { id } = c.req.valid("param");
    await asCaller(c, (tx) => deleteRule(tx, id));
    return c.body(null, 204);
  });
}
