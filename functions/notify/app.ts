/**
 * @module
 * The `notify` function: gets every delivery in the outbox to a person. Mounted by hosted
 * Supabase and by the local gateway at `/functions/v1/notify`. This file only wires middleware and
 * route groups; each group (dispatch, provider callbacks, action links, the inbox) lives in a file
 * of its own and registers its routes here.
 */

import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { FunctionConfig } from "../_shared/config.ts";
import type { Sql } from "../_shared/db.ts";
import { ApiError, errorHandler, notFoundHandler } from "../_shared/errors.ts";
import { createLogger, type Logger } from "../_shared/logging.ts";
import { requestLog } from "../_shared/request_log.ts";
import { checkHealth } from "../alerts/health.ts";
import { createDispatcher, type Dispatcher } from "./dispatcher.ts";
import { registerDispatchRoutes } from "./dispatch_routes.ts";
import { registerInboxRoutes } from "./inbox_routes.ts";
import { defaultNotifyConfig, type NotifyConfig } from "./notify_config.ts";
import { registerActionLinks } from "./action_links.ts";
import { createChannelSet } from "./channel_set.ts";
import { registerPhoneVerification, verificationSender } from "./phone_verification.ts";
import { registerProviderCallbacks } from "./provider_callbacks.ts";
import { registerSmsReplies } from "./sms_replies.ts";

/** What the app is built from; tests pass their own. */
export interface NotifyAppDeps {
  config: FunctionConfig;
  sql: Sql;
  logger?: Logger;
  /** The clock (epoch ms); tests pass a fake one. */
  now?: () => number;
  /** Providers and dispatcher tunables; unset = every channel goes to the local inbox. */
  notify?: NotifyConfig;
  /** The dispatcher `/dispatch` runs; unset = one built from `notify`. */
  dispatcher?: Dispatcher;
}

/** Largest request body accepted: SendGrid posts event batches of up to 768 KB. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Builds the app.
 *
 * @example
 * ```ts
 * const app = createNotifyApp({ config, sql });
 * const res = await app.request("/notify/health");
 * ```
 */
export function createNotifyApp(
  deps: NotifyAppDeps,
) {
  const { sql, logger = createLogger("notify") } = deps;
  const app = new Hono().basePath("/notify");

  app.use(requestLog({ logger }));
  app.use(bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, "payload_too_large", "The request body is larger than 1 MiB");
    },
  }));
  app.onError(errorHandler(logger));
  app.notFound(notFoundHandler);

  app.get("/health", async (c) => {
    const report = await checkHealth(sql);
    return c.json(report, report.status === "ok" ? 200 : 503);
  });

  // Route groups register below, one line each.
  registerDispatchRoutes(app, {
    dispatcher: deps.dispatcher ?? dispatcherFor(deps),
    auth: authOptions(deps),
  });
  registerInboxRoutes(app, { sql, auth: authOptions(deps) });
  const notify = deps.notify ?? defaultNotifyConfig();
  const callbacks = { sql, logger, now: deps.now, publicUrl: notify.publicUrl };
  registerProviderCallbacks(app, {
    ...callbacks,
    twilioAuthToken: notify.twilioAuthToken,
    sendgridWebhookPublicKey: notify.sendgridWebhookPublicKey,
    resendWebhookSecret: notify.resendWebhookSecret,
  });
  registerActionLinks(app, {
    ...callbacks,
    secret: notify.actionLinkSecret ?? deps.config.jwtSecret,
  });
  registerSmsReplies(app, { ...callbacks, twilioAuthToken: notify.twilioAuthToken });
  registerPhoneVerification(app, {
    ...callbacks,
    auth: authOptions(deps),
    send: verificationSender(createChannelSet({ config: notify, sql, now: deps.now })),
  });

  return app;
}

function authOptions({ config }: NotifyAppDeps) {
  return {
    secret: config.jwtSecret,
    jwks: config.jwks,
    audience: config.jwtAudience,
    issuer: config.jwtIssuer,
  };
}

function dispatcherFor({ sql, config, notify, logger, now }: NotifyAppDeps): Dispatcher {
  const notifyConfig = notify ?? defaultNotifyConfig();
  return createDispatcher({
    sql,
    config: notifyConfig,
    logger,
    now,
    actionLinkSecret: notifyConfig.actionLinkSecret ?? config.jwtSecret,
  });
}
