/**
 * @module
 * The `alerts` function: the HTTP API over alerts, mounted by hosted Supabase and by the local
 * gateway at `/functions/v1/alerts`. This file only wires: middleware, then each route (its zod
 * schemas and SQL live in a file of its own) to a short handler that runs SQL as the caller.
 */

import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, Next } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { auth, type AuthEnv } from "../_shared/auth.ts";
import type { FunctionConfig } from "../_shared/config.ts";
import type { Sql } from "../_shared/db.ts";
import {
  ApiError,
  errorHandler,
  notFoundHandler,
  throwValidationError,
} from "../_shared/errors.ts";
import { createLogger, type Logger } from "../_shared/logging.ts";
import { rateLimit } from "../_shared/rate_limit.ts";
import { requestLog } from "../_shared/request_log.ts";
import { activeAlerts, activeAlertsRoute } from "./active_alerts.ts";
import { alertDetail, alertDetailRoute } from "./alert_detail.ts";
import { alertSummaryRoute, summarizeAlerts } from "./alert_summary.ts";
import { applyBulk, bulkAcknowledgeRoute, bulkResolveRoute } from "./bulk_actions.ts";
import { checkHealth, healthRoute } from "./health.ts";
import {
  acknowledgeRoute,
  applyAction,
  resolveRoute,
  snoozeRoute,
  unsnoozeRoute,
} from "./lifecycle.ts";
import { listAlerts, listAlertsRoute } from "./list_alerts.ts";
import { membersMeRoute, whoAmI } from "./members_me.ts";
import { registerAnalyticsRoutes } from "./analytics.ts";
import { registerDailyAnalyticsRoutes } from "./analytics_daily.ts";
import { registerConfigRoutes } from "./config.ts";
import { registerEventRoutes } from "./events.ts";
import { ingestKeyAuth, registerIngestKeyRoutes } from "./ingest_keys.ts";
import { registerMemberRoutes } from "./members.ts";
import { registerOperationsRoutes } from "./operations.ts";
import { registerPushRoutes } from "./push.ts";
import { createReportingDeps } from "./reporting_deps.ts";
import { registerRuleRoutes } from "./rules.ts";
import { registerStockRoutes } from "./stock.ts";
import { registerSuppressionRoutes } from "./suppressions.ts";

/** What the app is built from; tests pass their own. */
export interface AlertsAppDeps {
  config: FunctionConfig;
  sql: Sql;
  logger?: Logger;
  /** The rate limiter's clock (epoch ms); tests pass a fake one. */
  now?: () => number;
}

/** Largest request body accepted. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Paths anyone may read without a token. */
const PUBLIC_PATHS = new Set(["/alerts/health", "/alerts/openapi.json"]);

/**
 * Builds the app.
 *
 * @example
 * ```ts
 * const app = createAlertsApp({ config, sql });
 * const res = await app.request("/alerts/health");
 * ```
 */
export function createAlertsApp(
  { config, sql, logger = createLogger("alerts"), now }: AlertsAppDeps,
) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: throwValidationError }).basePath("/alerts");
  const corsOrigins = config.corsOrigins ?? ["*"];
  const verifyBearer = auth({
    secret: config.jwtSecret,
    jwks: config.jwks,
    audience: config.jwtAudience,
    issuer: config.jwtIssuer,
  });
  const verifyIngestKey = ingestKeyAuth(sql);
  const deps = createReportingDeps(sql, { vapidPublicKey: config.vapidPublicKey });
  const asCaller = deps.asCaller;

  app.use(requestLog({ logger }));
  app.use(cors({
    origin: corsOrigins.includes("*") ? "*" : corsOrigins,
    allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: [
      "authorization",
      "content-type",
      "apikey",
      "x-client-info",
      "x-request-id",
      "idempotency-key",
      "x-ingest-key",
    ],
    exposeHeaders: [
      "x-request-id",
      "retry-after",
      "ratelimit-limit",
      "ratelimit-remaining",
      "ratelimit-reset",
    ],
    maxAge: 600,
  }));
  app.use(bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, "payload_too_large", "The request body is larger than 1 MiB");
    },
  }));
  app.use(function requireToken(c: Context<AuthEnv>, next: Next) {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const byKey = c.req.method === "POST" && c.req.path === "/alerts/events" &&
      c.req.header("x-ingest-key") !== undefined;
    return byKey ? verifyIngestKey(c, next) : verifyBearer(c, next);
  });
  app.use(rateLimit({ limit: config.rateLimitPerMinute ?? 600, windowMs: 60_000, now }));
  app.onError(errorHandler(logger));
  app.notFound(notFoundHandler);

  // Fixed paths first: `/{id}` would match them too.
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A Supabase user access token (or the service-role key)",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Shelfwatch alerts API",
      version: "1.0.0",
      description:
        "Alerts (list, summary, detail, acknowledge/resolve/snooze, bulk), rules, suppressions, event ingest, tenant config, members and preferences, push subscriptions, analytics, queue stats and Prometheus metrics.",
    },
    servers: [{ url: "/functions/v1", description: "hosted Supabase or the local gateway" }],
  });

  app.openapi(healthRoute, async (c) => {
    const report = await checkHealth(sql);
    return report.status === "ok" ? c.json(report, 200) : c.json(report, 503);
  });
  app.openapi(membersMeRoute, async (c) => c.json(await asCaller(c, whoAmI), 200));

  app.openapi(listAlertsRoute, async (c) => {
    const query = c.req.valid("query");
    return c.json(await asCaller(c, (tx) => listAlerts(tx, query)), 200);
  });
  app.openapi(activeAlertsRoute, async (c) => {
    const query = c.req.valid("query");
    return c.json(await asCaller(c, (tx) => activeAlerts(tx, query)), 200);
  });
  app.openapi(alertSummaryRoute, async (c) => c.json(await asCaller(c, summarizeAlerts), 200));
  app.openapi(bulkAcknowledgeRoute, async (c) => {
    const body = c.req.valid("json");
    return c.json(await asCaller(c, (tx) => applyBulk(tx, "acknowledge", body)), 200);
  });
  app.openapi(bulkResolveRoute, async (c) => {
    const body = c.req.valid("json");
    return c.json(await asCaller(c, (tx) => applyBulk(tx, "resolve", body)), 200);
  });

  // Each group of fixed paths registers before `/{id}`, which would match them too.
  registerRuleRoutes(app, deps);
  registerSuppressionRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerIngestKeyRoutes(app, deps);
  registerConfigRoutes(app, deps);
  registerAnalyticsRoutes(app, deps);
  registerDailyAnalyticsRoutes(app, deps);
  registerStockRoutes(app, deps);
  registerMemberRoutes(app, deps);
  registerPushRoutes(app, deps);
  registerOperationsRoutes(app, deps);

  app.openapi(alertDetailRoute, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await asCaller(c, (tx) => alertDetail(tx, id)), 200);
  });
  app.openapi(acknowledgeRoute, async (c) => {
    const [{ id }, body] = [c.req.valid("param"), c.req.valid("json")];
    return c.json(await asCaller(c, (tx) => applyAction(tx, "acknowledge", id, body)), 200);
  });
  app.openapi(resolveRoute, async (c) => {
    const [{ id }, body] = [c.req.valid("param"), c.req.valid("json")];
    return c.json(await asCaller(c, (tx) => applyAction(tx, "resolve", id, body)), 200);
  });
  app.openapi(snoozeRoute, async (c) => {
    const [{ id }, body] = [c.req.valid("param"), c.req.valid("json")];
    return c.json(await asCaller(c, (tx) => applyAction(tx, "snooze", id, body)), 200);
  });
  app.openapi(unsnoozeRoute, async (c) => {
    const [{ id }, body] = [c.req.valid("param"), c.req.valid("json")];
    return c.json(await asCaller(c, (tx) => applyAction(tx, "unsnooze", id, body)), 200);
  });

  return app;
}
