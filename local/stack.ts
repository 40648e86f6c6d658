/**
 * @module
 * The local stack's processes, in-process: the function apps behind the gateway, served on one
 * port. `start.ts` runs it for people; end-to-end tests run it on port 0 against a test database.
 */

import type { FunctionConfig } from "../functions/_shared/config.ts";
import { connectDatabase } from "../functions/_shared/db.ts";
import { createAlertsApp } from "../functions/alerts/app.ts";
import { createNotifyApp } from "../functions/notify/app.ts";
import { createDispatcher } from "../functions/notify/dispatcher.ts";
import { defaultNotifyConfig, type NotifyConfig } from "../functions/notify/notify_config.ts";
import { createLogger, type Logger } from "../functions/_shared/logging.ts";
import { createDashboardRoutes } from "./dashboard_routes.ts";
import { createGateway } from "./gateway.ts";
import { createRealtimeGateway, type RealtimeFeedKind } from "./realtime/realtime_gateway.ts";
import type { RealtimeLimits } from "./realtime/limits.ts";
import { StackError } from "./stack_error.ts";
import { startDispatchWorker } from "./dispatch_worker.ts";
import { createInboxPage } from "./inbox_page.ts";

/** What the stack runs against. */
export interface StackOptions {
  databaseUrl: string;
  jwtSecret: string;
  /** 0 picks a free port. */
  port: number;
  hostname?: string;
  /** Replaces the functions' JSON request logs (tests keep them quiet). */
  logger?: Logger;
  /** Notification providers and tunables; unset = every channel goes to the local inbox. */
  notify?: NotifyConfig;
  /** Runs the dispatch worker (LISTEN on deliveries, plus polling); `start` turns it on. */
  dispatchWorker?: boolean;
  /** How the Realtime gateway reads realtime.messages (default `notify`). */
  realtimeFeed?: RealtimeFeedKind;
  /** Overrides of the Realtime gateway's hosted-style limits (benchmarks raise them). */
  realtimeLimits?: Partial<RealtimeLimits>;
}

/** A running stack. */
export interface RunningStack {
  /** Base URL, e.g. http://127.0.0.1:54321 (the `SUPABASE_URL` of the local stack). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts the gateway and the function apps.
 *
 * @example
 * ```ts
 * const stack = await startStack({ databaseUrl, jwtSecret, port: 0 });
 * await fetch(`${stack.url}/functions/v1/alerts/health`);
 * await stack.stop();
 * ```
 */
export async function startStack(
  {
    databaseUrl,
    jwtSecret,
    port,
    hostname = "127.0.0.1",
    logger,
    notify = defaultNotifyConfig(),
    dispatchWorker = false,
    realtimeFeed,
    realtimeLimits,
  }: StackOptions,
): Promise<RunningStack> {
  const config: FunctionConfig = { databaseUrl, jwtSecret, poolMax: 10, prepare: true };
  const alertsSql = connectDatabase(config, "shelfwatch-alerts");
  const notifySql = connectDatabase(config, "shelfwatch-notify");
  const dispatcher = createDispatcher({
    sql: notifySql,
    config: notify,
    logger,
    actionLinkSecret: notify.actionLinkSecret ?? jwtSecret,
  });
  const realtimeLogger = createLogger("realtime");
  const realtime = createRealtimeGateway({
    databaseUrl,
    jwtSecret,
    feed: realtimeFeed,
    limits: realtimeLimits,
    log: (event, fields) => (logger ?? realtimeLogger).info(event, fields),
  });
  const gateway = createGateway({
    realtime: realtime.app,
    functions: {
      alerts: createAlertsApp({ config, sql: alertsSql, logger }),
      notify: createNotifyApp({ config, sql: notifySql, logger, notify, dispatcher }),
    },
    local: createDashboardRoutes({ jwtSecret }),
    inbox: createInboxPage(notifySql),
  });
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ port, hostname, onListen: () => {} }, gateway.fetch);
  } catch (error) {
    await Promise.all([alertsSql.end(), notifySql.end(), realtime.close()]);
    if (error instanceof Deno.errors.AddrInUse) {
      throw new StackError(
        `Port ${port} is already in use by another program: stop it (is another 'supabase start' or Shelfwatch running?), or set SHELFWATCH_API_PORT to a free port.`,
      );
    }
    throw error;
  }
  await realtime.ready.catch(async (error) => {
    await Promise.all([server.shutdown(), alertsSql.end(), notifySql.end(), realtime.close()]);
    throw new StackError(`The Realtime gateway cannot read Postgres: ${error.message}`);
  });
  const worker = dispatchWorker
    ? startDispatchWorker({ databaseUrl, dispatcher, batchSize: notify.batchSize, logger })
    : undefined;
  await worker?.ready;
  const actualPort = server.addr.port;
  return {
    url: `http://${hostname}:${actualPort}`,
    port: actualPort,
    async stop() {
      await worker?.stop();
      await realtime.close(); // closes the WebSockets, which server.shutdown() waits for
      await server.shutdown();
      await Promise.all([alertsSql.end({ timeout: 5 }), notifySql.end({ timeout: 5 })]);
    },
  };
}
