/**
 * @module
 * `GET /alerts/analytics/*`: the dashboard's figures (counts, MTTA/MTTR, SLA), alerts by type and
 * by severity (from `alert_daily_stats`), response and resolution time percentiles, and
 * deliveries by channel × status (from `delivery_stats`). Everything is read under the caller's
 * claims: the views are security invoker, so RLS decides which tenant's rows count.
 */

import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AuthEnv } from "../_shared/auth.ts";
import type { Tx } from "../_shared/db.ts";
import { errorResponses, jsonResponse, SEVERITIES } from "./alert_schemas.ts";
import { summarizeAlerts } from "./alert_summary.ts";
import {
  BySeverity,
  ByType,
  Dashboard,
  DeliveryBreakdown,
  TimeDistribution,
  WindowQuery,
} from "./analytics_schemas.ts";
import type { ReportingDeps } from "./reporting_deps.ts";

/** Days in the default window (today and the 29 before it). */
export const DEFAULT_WINDOW_DAYS = 30;

function windowRoute<T extends Parameters<typeof jsonResponse>[0]>(
  path: string,
  summary: string,
  schema: T,
) {
  return createRoute({
    method: "get",
    path: `/analytics/${path}`,
    tags: ["analytics"],
    summary,
    security: [{ bearer: [] }],
    request: { query: WindowQuery },
    responses: { 200: jsonResponse(schema, summary), ...errorResponses(400, 401, 403) },
  });
}

/** The routes, for `app.openapi`. */
export const analyticsRoutes = {
  dashboard: createRoute({
    method: "get",
    path: "/analytics/dashboard",
    tags: ["analytics"],
    summary: "Dashboard figures",
    security: [{ bearer: [] }],
    responses: { 200: jsonResponse(Dashboard, "Dashboard figures"), ...errorResponses(401, 403) },
  }),
  byType: windowRoute("by-type", "Alerts by type over a date window", ByType),
  bySeverity: windowRoute("by-severity", "Alerts by severity over a date window", BySeverity),
  responseTimes: windowRoute(
    "response-times",
    "Time to acknowledge: percentiles over a date window",
    TimeDistribution,
  ),
  resolutionTimes: windowRoute(
    "resolution-times",
    "Time to resolve: percentiles over a date window",
    TimeDistribution,
  ),
  deliveries: windowRoute(
    "deliveries",
    "Deliveries by channel and status over a date window",
    DeliveryBreakdown,
  ),
};

type Percentiles = z.infer<typeof TimeDistribution>["overall"];

/** A resolved window: local dates, both included. */
export interface DateWindow {
  from: string;
  to: string;
}

/**
 * Fills in the window's defaults: `to` = today in the caller's tenant's time zone (UTC when the
 * caller has no tenant, e.g. the service role), `from` = 29 days before `to`.
 *
 * @example
 * ```ts
 * await resolveWindow(tx, {}); // { from: "2026-10-24", to: "2026-11-22" }
 * ```
 */
export async function resolveWindow(tx: Tx, { from, to }: WindowQuery): Promise<DateWindow> {
  const [window] = await tx<DateWindow[]>`
    with today as (
      select (private.now() at time zone coalesce(
        (select t.timezone from public.tenants as t where t.id = private.jwt_tenant_id()), 'UTC'))::date as day
    ),
    last as (select coalesce(${to ?? null}::date, today.day) as day from today)
    select coalesce(${from ?? null}::date, last.day - ${
    DEFAULT_WINDOW_DAYS - 1
  }::int)::text as from,
           last.day::text as to
    from last`;
  return window;
}

/**
 * The dashboard's figures: counts by severity × status, alerts created since local midnight, and
 * over the alerts created in the last 7 × 24 hours their MTTA, MTTR and SLA outcomes.
 *
 * @example
 * ```ts
 * const { created_today } = await withClaims(sql, claims, dashboard);
 * ```
 */
export async function dashboard(tx: Tx) {
  const summary = await summarizeAlerts(tx);
  const [recent] = await tx<
    {
      created_today: number;
      created: number;
      mtta_seconds: number | null;
      mttr_seconds: number | null;
    }[]
  >`
    select
      count(*) filter (
        where a.created_at >= (date_trunc('day', private.now() at time zone t.timezone) at time zone t.timezone)
      )::int as created_today,
      count(*) filter (where a.created_at > private.now() - interval '7 days')::int as created,
      round(avg(a.response_time_seconds) filter (where a.created_at > private.now() - interval '7 days'), 1)::float8
        as mtta_seconds,
      round(avg(a.resolution_time_seconds) filter (where a.created_at > private.now() - interval '7 days'), 1)::float8
        as mttr_seconds
    from public.alerts as a
    join public.tenants as t on t.id = a.tenant_id`;
  const slaRows = await tx<{ sla_status: "met" | "violated" | "pending" | "none"; n: number }[]>`
    select s.sla_status, count(*)::int as n
    from public.alert_sla as s
    where s.created_at > private.now() - interval '7 days'
    group by s.sla_status`;
  const sla = { met: 0, violated: 0, pending: 0, none: 0 };
  for (const { sla_status, n } of slaRows) sla[sla_status] = n;
  const { created_today, ...last7 } = recent;
  return { ...summary, created_today, last_7_days: { ...last7, sla } };
}

/**
 * Alerts created in the window, by `alert_type` or `severity`, summed from `alert_daily_stats`.
 * MTTA/MTTR are the days' means weighted by how many alerts each one averages over.
 *
 * @example
 * ```ts
 * await withClaims(sql, claims, (tx) => alertsBy(tx, "severity", {}));
 * ```
 */
export async function alertsBy(tx: Tx, key: "alert_type" | "severity", query: WindowQuery) {
  const window = await resolveWindow(tx, query);
  type Row = z.infer<typeof ByType>["data"][number] & z.infer<typeof BySeverity>["data"][number];
  const data = await tx<Row[]>`
    select s.${tx(key)},
           sum(s.created)::int as created,
           sum(s.acknowledged)::int as acknowledged,
           sum(s.resolved)::int as resolved,
           round(sum(s.mtta_seconds * s.acknowledged)
                 / nullif(sum(s.acknowledged) filter (where s.mtta_seconds is not null), 0), 1)::float8
             as mtta_seconds,
           round(sum(s.mttr_seconds * s.resolved)
                 / nullif(sum(s.resolved) filter (where s.mttr_seconds is not null), 0), 1)::float8
             as mttr_seconds
    from public.alert_daily_stats as s
    where s.day between ${window.from}::date and ${window.to}::date
    group by s.${tx(key)}
    order by ${
    key === "severity" ? tx`private.severity_rank(s.severity) desc` : tx`created desc, s.alert_type`
  }`;
  return { ...window, data };
}

const EMPTY_PERCENTILES: Percentiles = {
  count: 0,
  mean: null,
  p50: null,
  p90: null,
  p95: null,
  p99: null,
  max: null,
};

/**
 * Percentiles of `response_time_seconds` or `resolution_time_seconds` over the alerts created in
 * the window (local days of each alert's tenant), overall and by severity, plus the window's
 * `alert_daily_stats` rows. The views' percentiles are per day × type × severity and cannot be
 * merged, so the window's own are computed from the same alerts the view reads.
 *
 * @example
 * ```ts
 * const { overall } = await withClaims(sql, claims, (tx) => timeDistribution(tx, "response", {}));
 * ```
 */
export async function timeDistribution(
  tx: Tx,
  kind: "response" | "resolution",
  query: WindowQuery,
) {
  const window = await resolveWindow(tx, query);
  const column = kind === "response" ? "response_time_seconds" : "resolution_time_seconds";
  const rows = await tx<
    (Percentiles & { severity: typeof SEVERITIES[number] | null })[]
  >`
    select a.severity, count(*)::int as count,
           round(avg(x.seconds), 1)::float8 as mean,
           round(percentile_cont(0.5) within group (order by x.seconds)::numeric, 1)::float8 as p50,
           round(percentile_cont(0.9) within group (order by x.seconds)::numeric, 1)::float8 as p90,
           round(percentile_cont(0.95) within group (order by x.seconds)::numeric, 1)::float8 as p95,
           round(percentile_cont(0.99) within group (order by x.seconds)::numeric, 1)::float8 as p99,
           round(max(x.seconds), 1)::float8 as max
    from public.alerts as a
    join public.tenants as t on t.id = a.tenant_id
    cross join lateral (select a.${tx(column)} as seconds) as x
    where x.seconds is not null
      and a.created_at >= (${window.from}::date::timestamp at time zone t.timezone)
      and a.created_at < ((${window.to}::date + 1)::timestamp at time zone t.timezone)
    group by grouping sets ((a.severity), ())`;
  const bySeverity = Object.fromEntries(
    SEVERITIES.map((severity) => [severity, { ...EMPTY_PERCENTILES }]),
  ) as Record<typeof SEVERITIES[number], Percentiles>;
  let overall = { ...EMPTY_PERCENTILES };
  for (const { severity, ...figures } of rows) {
    if (severity === null) overall = figures;
    else bySeverity[severity] = figures;
  }
  const prefix = kind === "response" ? "response" : "resolution";
  const daily = await tx<z.infer<typeof TimeDistribution>["daily"]>`
    select s.day::text as day, s.alert_type, s.severity,
           ${kind === "response" ? tx`s.acknowledged` : tx`s.resolved`}::int as count,
           ${kind === "response" ? tx`s.mtta_seconds` : tx`s.mttr_seconds`}::float8 as mean,
           s.${tx(`p50_${prefix}_seconds`)}::float8 as p50,
           s.${tx(`p90_${prefix}_seconds`)}::float8 as p90
    from public.alert_daily_stats as s
    where s.day between ${window.from}::date and ${window.to}::date
    order by s.day, s.alert_type, private.severity_rank(s.severity) desc`;
  return { ...window, overall, by_severity: bySeverity, daily };
}

/**
 * Deliveries created in the window by channel × status, and those with an error by channel ×
 * `error_reason`, summed from `delivery_stats` (RLS: managers and owners see their tenant's,
 * staff and viewers their own).
 *
 * @example
 * ```ts
 * await withClaims(sql, claims, (tx) => deliveryBreakdown(tx, { from: "2026-11-01" }));
 * ```
 */
export async function deliveryBreakdown(tx: Tx, query: WindowQuery) {
  const window = await resolveWindow(tx, query);
  type Breakdown = z.infer<typeof DeliveryBreakdown>;
  const data = await tx<Breakdown["data"]>`
    select s.channel, s.status, sum(s.deliveries)::int as deliveries
    from public.delivery_stats as s
    where s.day between ${window.from}::date and ${window.to}::date
    group by s.channel, s.status
    order by s.channel, s.status`;
  const failures = await tx<Breakdown["failures"]>`
    select s.channel, s.error_reason, sum(s.deliveries)::int as deliveries
    from public.delivery_stats as s
    where s.day between ${window.from}::date and ${window.to}::date and s.error_reason is not null
    group by s.channel, s.error_reason
    order by s.channel, s.error_reason`;
  return { ...window, data, failures };
}

/**
 * Registers `GET /alerts/analytics/{dashboard,by-type,by-severity,response-times,
 * resolution-times,deliveries}` on the alerts app.
 *
 * @example
 * ```ts
 * registerAnalyticsRoutes(app, createReportingDeps(sql));
 * ```
 */
export function registerAnalyticsRoutes(
  app: OpenAPIHono<AuthEnv>,
  { asCaller }: ReportingDeps,
): void {
  const routes = analyticsRoutes;
  app.openapi(routes.dashboard, async (c) => c.json(await asCaller(c, dashboard), 200));
  app.openapi(routes.byType, async (c) => {
    const query = c.req.valid("query");
    return c.json(await asCaller(c, (tx) => alertsBy(tx, "alert_type", query)), 200);
  });
  app.openapi(routes.bySeverity, async (c) => {
    const query = c.req.valid("query");
    return c.json(await asCaller(c, (tx) => alertsBy(tx, "severity", query)), 200);
  });
  app.openapi(routes.responseTimes, async (c) => {
    const query = c.req.valid("query");
    return c.json(await asCaller(c, (tx) => timeDistribution(tx, "response", query)), 200);
  });
  app.openapi(routes.resolutionTimes, async (c) => {
    const query = c.req.valid("query");
    return c.json(await asCaller(c, (tx) => timeDistribution(tx, "resolution", query)), 200);
  });
  app.openapi(routes.deliveries, async (c) => {
    const query = c.req.valid("query");
    return c.json(await asCaller(c, (tx) => deliveryBreakdown(tx, query)), 200);
  });
}
