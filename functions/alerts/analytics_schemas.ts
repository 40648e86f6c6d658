/**
 * @module
 * The zod schemas of the `/alerts/analytics/*` routes: the date window they take and the shapes
 * they answer with (responses document `/alerts/openapi.json`; they are not re-validated).
 */

import { z } from "@hono/zod-openapi";
import { SEVERITIES, STATUSES } from "./alert_schemas.ts";

/** Longest window a query may ask for, in days. */
export const MAX_WINDOW_DAYS = 366;

function isRealDate(value: string) {
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: "must be a date YYYY-MM-DD" })
  .refine(isRealDate, { message: "must be a real calendar date" });

/**
 * `from`/`to` (local dates of the tenant, both included); default: the last 30 days up to today.
 */
export const WindowQuery = z.strictObject({
  from: day.optional().openapi({ example: "2026-11-01", description: "First day (included)" }),
  to: day.optional().openapi({ example: "2026-11-22", description: "Last day (included)" }),
}).superRefine(({ from, to }, ctx) => {
  if (from && to && from > to) {
    ctx.addIssue({ code: "custom", path: ["from"], message: `must not be after to (${to})` });
  }
  if (from && to && (Date.parse(to) - Date.parse(from)) / 86400e3 >= MAX_WINDOW_DAYS) {
    ctx.addIssue({
      code: "custom",
      path: ["from"],
      message: `the window must be at most ${MAX_WINDOW_DAYS} days`,
    });
  }
});
/** A parsed window query. */
export type WindowQuery = z.infer<typeof WindowQuery>;

const seconds = z.number().nullable().openapi({ description: "Seconds, null when there is none" });
const date = z.string().openapi({ example: "2026-11-22" });

const StatusCounts = z.object(
  Object.fromEntries(STATUSES.map((status) => [status, z.int()])) as Record<
    typeof STATUSES[number],
    z.ZodInt
  >,
);

/** `GET /alerts/analytics/dashboard`. */
export const Dashboard = z.object({
  counts: z.object(
    Object.fromEntries(SEVERITIES.map((severity) => [severity, StatusCounts])) as Record<
      typeof SEVERITIES[number],
      typeof StatusCounts
    >,
  ),
  open: z.int(),
  total: z.int(),
  created_today: z.int().openapi({ description: "Since local midnight in the tenant's zone" }),
  last_7_days: z.object({
    created: z.int(),
    mtta_seconds: seconds,
    mttr_seconds: seconds,
    sla: z.object({ met: z.int(), violated: z.int(), pending: z.int(), none: z.int() }),
  }).openapi({ description: "Alerts created in the last 7 × 24 hours" }),
}).openapi("AnalyticsDashboard");

const CohortFigures = {
  created: z.int(),
  acknowledged: z.int(),
  resolved: z.int(),
  mtta_seconds: seconds,
  mttr_seconds: seconds,
};

/** `GET /alerts/analytics/by-type`. */
export const ByType = z.object({
  from: date,
  to: date,
  data: z.array(z.object({ alert_type: z.string(), ...CohortFigures })),
}).openapi("AnalyticsByType");

/** `GET /alerts/analytics/by-severity`. */
export const BySeverity = z.object({
  from: date,
  to: date,
  data: z.array(z.object({ severity: z.enum(SEVERITIES), ...CohortFigures })),
}).openapi("AnalyticsBySeverity");

const Percentiles = z.object({
  count: z.int(),
  mean: seconds,
  p50: seconds,
  p90: seconds,
  p95: seconds,
  p99: seconds,
  max: seconds,
});

/** `GET /alerts/analytics/response-times` and `/resolution-times`. */
export const TimeDistribution = z.object({
  from: date,
  to: date,
  overall: Percentiles,
  by_severity: z.object(
    Object.fromEntries(SEVERITIES.map((severity) => [severity, Percentiles])) as Record<
      typeof SEVERITIES[number],
      typeof Percentiles
    >,
  ),
  daily: z.array(z.object({
    day: date,
    alert_type: z.string(),
    severity: z.enum(SEVERITIES),
    count: z.int(),
    mean: seconds,
    p50: seconds,
    p90: seconds,
  })).openapi({ description: "alert_daily_stats rows of the window (per day, type, severity)" }),
}).openapi("AnalyticsTimeDistribution");

/** `GET /alerts/analytics/deliveries`. */
export const DeliveryBreakdown = z.object({
  from: date,
  to: date,
  data: z.array(z.object({
    channel: z.string(),
    status: z.string(),
    deliveries: z.int(),
  })),
  failures: z.array(z.object({
    channel: z.string(),
    error_reason: z.string(),
    deliveries: z.int(),
  })).openapi({ description: "Deliveries with an error, by channel and why" }),
}).openapi("AnalyticsDeliveries");
