/**
 * @module
 * `GET /alerts/analytics/daily`: alerts created per local day and severity over a date window
 * (from `alert_daily_stats`, read under the caller's claims) — the dashboard's "alerts per day"
 * chart. Days without alerts are left out.
 */

import { createRoute, z } from "@hono/zod-openapi";
import type { Tx } from "../_shared/db.ts";
import { errorResponses, jsonResponse, SEVERITIES } from "./alert_schemas.ts";
import { resolveWindow } from "./analytics.ts";
import { WindowQuery } from "./analytics_schemas.ts";
import type { AlertsRouter, RouteDeps } from "./route_deps.ts";

/** The answer. */
export const DailyCounts = z.object({
  from: z.string().openapi({ example: "2026-10-24" }),
  to: z.string().openapi({ example: "2026-11-22" }),
  data: z.array(z.object({
    day: z.string().openapi({ example: "2026-11-22" }),
    severity: z.enum(SEVERITIES),
    created: z.int(),
    acknowledged: z.int(),
    resolved: z.int(),
  })),
}).openapi("AnalyticsDaily");

/** `GET /alerts/analytics/daily`. */
export const dailyRoute = createRoute({
  method: "get",
  path: "/analytics/daily",
  tags: ["analytics"],
  summary: "Alerts created per day and severity over a date window",
  security: [{ bearer: [] }],
  request: { query: WindowQuery },
  responses: {
    200: jsonResponse(DailyCounts, "Per day and severity, oldest first"),
    ...errorResponses(400, 401, 403),
  },
});

/**
 * Sums `alert_daily_stats` per day and severity.
 *
 * @example
 * ```ts
 * const { data } = await withClaims(sql, claims, (tx) => dailyCounts(tx, {}));
 * ```
 */
export async function dailyCounts(tx: Tx, query: WindowQuery) {
  const window = await resolveWindow(tx, query);
  const data = await tx<z.infer<typeof DailyCounts>["data"]>`
    select s.day::text as day, s.severity,
           sum(s.created)::int as created,
           sum(s.acknowledged)::int as acknowledged,
           sum(s.resolved)::int as resolved
    from public.alert_daily_stats as s
    where s.day between ${window.from}::date and ${window.to}::date
    group by s.day, s.severity
    order by s.day, private.severity_rank(s.severity)`;
  return { ...window, data };
}

/**
 * Registers `GET /analytics/daily`.
 *
 * @example
 * ```ts
 * registerDailyAnalyticsRoutes(app, { asCaller });
 * ```
 */
export function registerDailyAnalyticsRoutes(app: AlertsRouter, { asCaller }: RouteDeps): void {
  app.openapi(dailyRoute, async (c) => {
    const query = c.req.valid("query");
    return c.json(await asCaller(c, (tx) => dailyCounts(tx, query)), 200);
  });
}
