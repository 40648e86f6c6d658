/**
 * @module
 * What the reporting route modules (analytics, members, push, operations) need from the app that
 * mounts them, so they register onto `createAlertsApp`'s app without editing it.
 */

import type { Sql } from "../_shared/db.ts";
import { callerDeps, type RouteDeps } from "./route_deps.ts";

/** Dependencies of the `register*Routes` functions: {@link RouteDeps} plus what reporting needs. */
export interface ReportingDeps extends RouteDeps {
  /** The pool itself: only for service-only reads (metrics, pg_cron's run log). */
  sql: Sql;
  /** `VAPID_PUBLIC_KEY`, read where the entry point reads its config; unset = push is off. */
  vapidPublicKey?: string;
}

/**
 * Builds {@link ReportingDeps} over a pool.
 *
 * @example
 * ```ts
 * const deps = createReportingDeps(sql, { vapidPublicKey: config.vapidPublicKey });
 * registerAnalyticsRoutes(app, deps);
 * ```
 */
export function createReportingDeps(
  sql: Sql,
  { vapidPublicKey }: { vapidPublicKey?: string } = {},
): ReportingDeps {
  return {
    ...callerDeps(sql),
    sql,
    vapidPublicKey: vapidPublicKey || undefined,
  };
}
