/**
 * @module
 * `GET /alerts/summary`: how many of the caller's alerts there are, by severity × status, from the
 * per-tenant counts the alert triggers keep (`public.alert_counts`).
 */

import { createRoute } from "@hono/zod-openapi";
import type { Tx } from "../_shared/db.ts";
import {
  AlertSummary,
  errorResponses,
  jsonResponse,
  SEVERITIES,
  STATUSES,
} from "./alert_schemas.ts";

/** The route, for `app.openapi`. */
export const alertSummaryRoute = createRoute({
  method: "get",
  path: "/summary",
  tags: ["alerts"],
  summary: "Alert counts by severity and status",
  security: [{ bearer: [] }],
  responses: {
    200: jsonResponse(AlertSummary, "Counts, zero where there are none"),
    ...errorResponses(401, 403),
  },
});

type Severity = typeof SEVERITIES[number];
type Status = typeof STATUSES[number];

/**
 * Counts the caller's alerts (RLS decides which tenant's), with every severity × status present.
 * Reads `public.alert_counts`, which the alert triggers keep current (a few rows per tenant,
 * however many alerts it has), not the alerts themselves.
 *
 * @example
 * ```ts
 * const { counts } = await withClaims(sql, claims, (tx) => summarizeAlerts(tx));
 * counts.critical.active; // 3
 * ```
 */
export async function summarizeAlerts(tx: Tx) {
  const rows = await tx<{ severity: Severity; status: Status; count: number }[]>`
    select c.severity, c.status, sum(c.alerts)::int as count
    from public.alert_counts as c
    group by c.severity, c.status`;
  const counts = Object.fromEntries(
    SEVERITIES.map((severity) => [
      severity,
      Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>,
    ]),
  ) as Record<Severity, Record<Status, number>>;
  let open = 0;
  let total = 0;
  for (const { severity, status, count } of rows) {
    counts[severity][status] = count;
    total += count;
    if (status !== "resolved") open += count;
  }
  return { counts, open, total };
}
