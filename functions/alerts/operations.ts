/**
 * @module
 * Operations endpoints: `GET /alerts/queue/stats` (the outbox backlog, the age of the oldest due
 * delivery and the last run of each scheduled job; service role or owners) and `GET /alerts/metrics`
 * (Prometheus text format 0.0.4; service role only).
 */

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AuthEnv } from "../_shared/auth.ts";
import type { Sql, Tx } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { errorResponses, jsonResponse, SEVERITIES } from "./alert_schemas.ts";
import {
  formatMetrics,
  type MetricFamily,
  PROMETHEUS_CONTENT_TYPE,
} from "./operations_prometheus.ts";
import type { ReportingDeps } from "./reporting_deps.ts";

/** Outbox statuses that are still to be sent. */
export const BACKLOG_STATUSES = ["pending", "sending", "deferred"] as const;
/** Upper bounds (seconds) of the response and resolution time histograms. */
export const TIME_BUCKETS = [60, 300, 900, 1800, 3600, 14400, 86400] as const;

const timestamp = z.iso.datetime().nullable();

/** `GET /alerts/queue/stats`. */
export const QueueStats = z.object({
  backlog: z.array(z.object({
    status: z.enum(BACKLOG_STATUSES),
    channel: z.string(),
    deliveries: z.int(),
  })),
  oldest_due_seconds: z.number().nullable().openapi({
    description: "Age of the oldest pending delivery whose due_at has passed; null = none",
  }),
  jobs: z.array(z.object({
    jobname: z.string(),
    schedule: z.string(),
    active: z.boolean(),
    last_status: z.string().nullable(),
    last_started_at: timestamp,
    last_ended_at: timestamp,
    last_message: z.string().nullable(),
  })).nullable().openapi({ description: "null where pg_cron is not installed in this database" }),
}).openapi("QueueStats");
type QueueStats = z.infer<typeof QueueStats>;

/** The routes, for `app.openapi`. */
export const operationsRoutes = {
  queueStats: createRoute({
    method: "get",
    path: "/queue/stats",
    tags: ["operations"],
    summary: "Outbox backlog and scheduled jobs (service role or owners)",
    security: [{ bearer: [] }],
    responses: { 200: jsonResponse(QueueStats, "Queue figures"), ...errorResponses(401, 403) },
  }),
  metrics: createRoute({
    method: "get",
    path: "/metrics",
    tags: ["operations"],
    summary: "Prometheus metrics (service role only)",
    security: [{ bearer: [] }],
    responses: {
      200: {
        description: "Text exposition format 0.0.4",
        content: { "text/plain": { schema: z.string() } },
      },
      ...errorResponses(401, 403),
    },
  }),
};

/**
 * The outbox backlog by status and channel and the oldest due pending delivery's age, as the
 * caller sees them: owners their tenant's (RLS), the service role everything. Anyone else: 403.
 *
 * @example
 * ```ts
 * const { backlog } = await withClaims(sql, claims, queueBacklog);
 * ```
 */
export async function queueBacklog(tx: Tx): Promise<Omit<QueueStats, "jobs">> {
  const [{ allowed }] = await tx<{ allowed: boolean }[]>`
    select coalesce(auth.role() = 'service_role'
                    or private.has_role(private.jwt_tenant_id(), 'owner'), false) as allowed`;
  if (!allowed) {
    throw new ApiError(403, "forbidden", "Queue stats are for owners and the service role");
  }
  const backlog = await tx<QueueStats["backlog"]>`
    select d.status, d.channel, count(*)::int as deliveries
    from public.deliveries as d
    where d.status in ${tx(BACKLOG_STATUSES)}
    group by d.status, d.channel
    order by d.status, d.channel`;
  const [{ oldest_due_seconds }] = await tx<{ oldest_due_seconds: number | null }[]>`
    select round(extract(epoch from private.now() - min(d.due_at)), 1)::float8 as oldest_due_seconds
    from public.deliveries as d
    where d.status = 'pending' and d.due_at <= private.now()`;
  return { backlog, oldest_due_seconds };
}

/**
 * The last run of each Shelfwatch pg_cron job, read with the pool's own role (members have no
 * access to the `cron` schema); null where pg_cron is not installed in this database.
 *
 * @example
 * ```ts
 * const jobs = await scheduledJobs(sql); // [{ jobname: "shelfwatch_score_stockouts", ... }]
 * ```
 */
export async function scheduledJobs(sql: Sql): Promise<QueueStats["jobs"]> {
  const [{ present }] = await sql<{ present: boolean }[]>`
    select pg_catalog.to_regclass('cron.job') is not null
       and pg_catalog.to_regclass('cron.job_run_details') is not null as present`;
  if (!present) return null;
  return await sql<NonNullable<QueueStats["jobs"]>>`
    select j.jobname, j.schedule, j.active,
           r.status as last_status, r.start_time as last_started_at, r.end_time as last_ended_at,
           left(r.return_message, 500) as last_message
    from cron.job as j
    left join lateral (
      select r.status, r.start_time, r.end_time, r.return_message
      from cron.job_run_details as r
      where r.jobid = j.jobid
      order by r.start_time desc nulls last, r.runid desc
      limit 1
    ) as r on true
    where j.jobname like 'shelfwatch\_%'
    order by j.jobname`;
}

interface MetricRows {
  created: { alert_type: string; severity: string; n: number }[];
  open: { severity: string; n: number }[];
  histograms: { metric: string; buckets: number[]; sum: number; count: number }[];
  deliveries: { channel: string; status: string; n: number }[];
  backlog: { status: string; n: number }[];
  oldestDueSeconds: number;
}

/**
 * Reads the figures behind `/metrics` (under the service role, which RLS lets see every tenant).
 *
 * @example
 * ```ts
 * const rows = await withClaims(sql, { role: "service_role" }, readMetrics);
 * ```
 */
export async function readMetrics(tx: Tx): Promise<MetricRows> {
  const created = await tx<MetricRows["created"]>`
    select a.alert_type, a.severity, count(*)::int as n
    from public.alerts as a group by a.alert_type, a.severity order by a.alert_type, a.severity`;
  // From the counts the alert triggers keep (20261122170200), not a scan of every open alert.
  const open = await tx<MetricRows["open"]>`
    select c.severity, sum(c.alerts)::int as n
    from public.alert_counts as c where c.status <> 'resolved'
    group by c.severity having sum(c.alerts) > 0`;
  const histograms = await tx<MetricRows["histograms"]>`
    with observed as materialized (
      select m.metric, m.seconds
      from public.alerts as a
      cross join lateral (values ('response', a.response_time_seconds::float8),
                                 ('resolution', a.resolution_time_seconds::float8)) as m (metric, seconds)
      where m.seconds is not null
    )
    select k.metric,
           (select coalesce(sum(o.seconds), 0)::float8 from observed as o where o.metric = k.metric) as sum,
           (select count(*)::int from observed as o where o.metric = k.metric) as count,
           (select array_agg(b.n order by b.le)
            from (select le, count(o.seconds)::int as n
                  from unnest(${TIME_BUCKETS as unknown as number[]}::float8[]) as le
                  left join observed as o on o.metric = k.metric and o.seconds <= le
                  group by le) as b) as buckets
    from (values ('response'), ('resolution')) as k (metric)`;
  const deliveries = await tx<MetricRows["deliveries"]>`
    select d.channel, d.status, count(*)::int as n
    from public.deliveries as d group by d.channel, d.status order by d.channel, d.status`;
  const backlog = await tx<MetricRows["backlog"]>`
    select d.status, count(*)::int as n
    from public.deliveries as d where d.status in ${tx(BACKLOG_STATUSES)} group by d.status`;
  const [{ oldest }] = await tx<{ oldest: number }[]>`
    select coalesce(extract(epoch from private.now() - min(d.due_at)), 0)::float8 as oldest
    from public.deliveries as d
    where d.status = 'pending' and d.due_at <= private.now()`;
  return { created, open, histograms, deliveries, backlog, oldestDueSeconds: oldest };
}

/**
 * Turns {@link readMetrics}' rows into metric families (every severity and backlog status
 * present, zero where there is none).
 *
 * @example
 * ```ts
 * formatMetrics(metricFamilies(await withClaims(sql, claims, readMetrics)));
 * ```
 */
export function metricFamilies(rows: MetricRows): MetricFamily[] {
  const openBySeverity = new Map(rows.open.map(({ severity, n }) => [severity, n]));
  const backlogByStatus = new Map(rows.backlog.map(({ status, n }) => [status, n]));
  const histogram = (metric: string, name: string, help: string): MetricFamily => {
    const row = rows.histograms.find((h) => h.metric === metric);
    return {
      name,
      help,
      type: "histogram",
      buckets: TIME_BUCKETS,
      counts: row?.buckets ?? TIME_BUCKETS.map(() => 0),
      sum: row?.sum ?? 0,
      count: row?.count ?? 0,
    };
  };
  return [
    {
      name: "shelfwatch_alerts_created_total",
      help: "Alerts created, by type and severity (alerts still kept by retention).",
      type: "counter",
      samples: rows.created.map(({ alert_type, severity, n }) => ({
        labels: { type: alert_type, severity },
        value: n,
      })),
    },
    {
      name: "shelfwatch_alerts_active",
      help: "Open (not resolved) alerts, by severity.",
      type: "gauge",
      samples: SEVERITIES.map((severity) => ({
        labels: { severity },
        value: openBySeverity.get(severity) ?? 0,
      })),
    },
    histogram(
      "response",
      "shelfwatch_alert_response_seconds",
      "Seconds from an alert's creation to its first acknowledgement.",
    ),
    histogram(
      "resolution",
      "shelfwatch_alert_resolution_seconds",
      "Seconds from an alert's creation to its resolution.",
    ),
    {
      name: "shelfwatch_deliveries_total",
      help: "Deliveries in the outbox, by channel and current status.",
      type: "counter",
      samples: rows.deliveries.map(({ channel, status, n }) => ({
        labels: { channel, status },
        value: n,
      })),
    },
    {
      name: "shelfwatch_outbox_backlog",
      help: "Deliveries still to be sent, by status.",
      type: "gauge",
      samples: BACKLOG_STATUSES.map((status) => ({
        labels: { status },
        value: backlogByStatus.get(status) ?? 0,
      })),
    },
    {
      name: "shelfwatch_outbox_oldest_due_seconds",
      help: "Age in seconds of the oldest pending delivery that is due (0 = none).",
      type: "gauge",
      samples: [{ value: rows.oldestDueSeconds }],
    },
  ];
}

function requireServiceRole(c: Context<AuthEnv>): void {
  if (c.get("claims").role !== "service_role") {
    throw new ApiError(403, "forbidden", "Metrics are for the service role only");
  }
}

/**
 * Registers `GET /alerts/queue/stats` and `GET /alerts/metrics`. Call it before the app's
 * `/{id}` route, which would otherwise take `GET /alerts/metrics`.
 *
 * @example
 * ```ts
 * registerOperationsRoutes(app, createReportingDeps(sql));
 * ```
 */
export function registerOperationsRoutes(
  app: OpenAPIHono<AuthEnv>,
  { asCaller, sql }: ReportingDeps,
): void {
  app.openapi(operationsRoutes.queueStats, async (c) => {
    const backlog = await asCaller(c, queueBacklog); // refuses everyone but owners and the service
    return c.json({ ...backlog, jobs: await scheduledJobs(sql) }, 200);
  });
  app.openapi(operationsRoutes.metrics, async (c) => {
    requireServiceRole(c);
    const rows = await asCaller(c, readMetrics);
    return c.text(formatMetrics(metricFamilies(rows)), 200, {
      "content-type": PROMETHEUS_CONTENT_TYPE,
    });
  });
}
