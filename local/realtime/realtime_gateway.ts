/**
 * @module
 * The local Realtime gateway: what `/realtime/v1/*` on hosted Supabase does, for one project.
 * WebSocket endpoint `/realtime/v1/websocket` (Phoenix, serializers 1.0.0 and 2.0.0), REST
 * broadcast under `/realtime/v1/api/broadcast`, and a feed reading `realtime.messages` from
 * Postgres (LISTEN/NOTIFY by default, logical replication as an option).
 */

import { Hono } from "hono";
import postgres from "postgres";
import { RealtimeTokenError } from "./access_token.ts";
import { SUPPORTED_VSN, type Vsn } from "./codec.ts";
import { LIMIT_REASONS, type RealtimeLimits } from "./limits.ts";
import { createMessageDelivery } from "./message_delivery.ts";
import { type Feed, startNotifyFeed } from "./notify_feed.ts";
import { createRealtimeContext, type RealtimeContext } from "./realtime_context.ts";
import { startReplicationFeed } from "./replication_feed.ts";
import { restBroadcastRoutes } from "./rest_broadcast.ts";
import { SocketSession } from "./socket_session.ts";

/** How Postgres messages reach the gateway. */
export type RealtimeFeedKind = "notify" | "replication";

/** Options of {@link createRealtimeGateway}. */
export interface RealtimeGatewayOptions {
  /** A superuser connection string (authorization probes and message reads). */
  databaseUrl: string;
  jwtSecret: string;
  /** `notify` (default) or `replication` (logical replication of realtime.messages). */
  feed?: RealtimeFeedKind;
  limits?: Partial<RealtimeLimits>;
  /** Idle sockets (no message, not even a heartbeat) are closed after this long; Phoenix: 60 s. */
  idleTimeoutMs?: number;
  log?: RealtimeContext["log"];
}

/** A running gateway. */
export interface RealtimeGateway {
  /** Routes with their full paths, `/realtime/v1/websocket` and `/realtime/v1/api/broadcast…`. */
  app: Hono;
  /** Resolves once the feed is reading Postgres. */
  ready: Promise<void>;
  /** Open sockets. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Starts the gateway's feed and returns its routes.
 *
 * @example
 * ```ts
 * const realtime = createRealtimeGateway({ databaseUrl, jwtSecret });
 * root.all("/realtime/v1/*", (c) => realtime.app.fetch(c.req.raw));
 * await realtime.ready;
 * ```
 */
export function createRealtimeGateway(
  { databaseUrl, jwtSecret, feed = "notify", limits, idleTimeoutMs = 60_000, log = () => {} }:
    RealtimeGatewayOptions,
): RealtimeGateway {
  const sql = postgres(databaseUrl, {
    max: 4,
    onnotice: () => {},
    connection: { application_name: "shelfwatch-realtime" },
  });
  const context = createRealtimeContext({ sql, databaseUrl, jwtSecret, limits, log });
  const sessions = new Set<SocketSession>();
  const feedOptions = { databaseUrl, deliver: createMessageDelivery(context), log };
  const running: Feed = feed === "replication"
    ? startReplicationFeed(feedOptions)
    : startNotifyFeed(feedOptions);
  // Failures are logged by the feed; callers await `ready` to see them.
  running.ready.catch(() => {});

  const sweep = setInterval(() => {
    const oldest = Date.now() - idleTimeoutMs;
    for (const session of sessions) if (session.lastSeen < oldest) session.close(1000, "idle");
  }, Math.min(idleTimeoutMs, 15_000));

  const app = new Hono().basePath("/realtime/v1");
  app.get("/websocket", async (c) => {
    const request = c.req.raw;
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return c.json({ error: "This endpoint speaks WebSocket only" }, 400);
    }
    const vsn = (c.req.query("vsn") ?? "1.0.0") as Vsn;
    if (!SUPPORTED_VSN.includes(vsn)) {
      return c.json({ error: `Unsupported serializer version "${vsn}"` }, 400);
    }
    const token = request.headers.get("x-api-key") ?? c.req.query("apikey");
    if (!token) return c.json({ error: "missing_api_key" }, 401);
    try {
      await context.verifyToken(token);
    } catch (error) {
      if (error instanceof RealtimeTokenError) return c.json({ error: error.reason }, 401);
      throw error;
    }
    if (sessions.size >= context.limits.maxConcurrentUsers) {
      return c.json({ error: LIMIT_REASONS.tooManyConnections }, 429);
    }
    const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
    const session = new SocketSession(context, socket, { vsn, token });
    sessions.add(session);
    context.connections.count = sessions.size;
    socket.addEventListener("close", () => {
      sessions.delete(session);
      context.connections.count = sessions.size;
    });
    return response;
  });
  app.route("/", restBroadcastRoutes(context));

  return {
    app,
    ready: running.ready,
    get connections() {
      return sessions.size;
    },
    async close() {
      clearInterval(sweep);
      for (const session of sessions) session.close(1001, "server shutting down");
      sessions.clear();
      await running.close();
      await context.changes.close();
      await sql.end({ timeout: 1 });
    },
  };
}
