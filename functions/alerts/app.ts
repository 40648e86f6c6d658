/**
 * @module
 * The `alerts` function: the HTTP API over alerts, mounted by hosted Supabase and by the local
 * gateway at `/functions/v1/alerts`.
 */

import { Hono } from "hono";
import { auth, type AuthEnv } from "../_shared/auth.ts";
import type { FunctionConfig } from "../_shared/config.ts";
import { type Sql, withClaims } from "../_shared/db.ts";
import { errorHandler, notFoundHandler } from "../_shared/errors.ts";
import { createLogger, type Logger } from "../_shared/logging.ts";
import { requestLog } from "../_shared/request_log.ts";
import { checkHealth } from "./health.ts";

/** What the app is built from; tests pass their own. */
export interface AlertsAppDeps {
  config: FunctionConfig;
  sql: Sql;
  logger?: Logger;
}

/**
 * Builds the app.
 *
 * @example
 * ```ts
 * const app = createAlertsApp({ config, sql });
 * const res = await app.request("/alerts/health");
 * ```
 */
export function createAlertsApp({ config, sql, logger = createLogger("alerts") }: AlertsAppDeps) {
  const app = new Hono<AuthEnv>().basePath("/alerts");
  app.use(requestLog({ logger }));
  app.onError(errorHandler(logger));
  app.notFound(notFoundHandler);

  app.get("/health", async (c) => {
    const report = await checkHealth(sql);
    return c.json(report, report.status === "ok" ? 200 : 503);
  });

  app.use("/members/*", auth({ secret: config.jwtSecret }));
  app.get("/members/me", async (c) => {
    const claims = c.get("claims");
    const [me] = await withClaims(sql, claims, (tx) =>
      tx`select auth.uid() as user_id,
                auth.jwt() -> 'app_metadata' ->> 'tenant_id' as tenant_id,
                current_user as database_role`);
    return c.json(me);
  });

  return app;
}
