/**
 * @module
 * Realtime's REST broadcast endpoints, as realtime-js calls them: `POST /api/broadcast` (a batch,
 * the fallback of `channel.send()` when the socket cannot push) and
 * `POST /api/broadcast/:topic/events/:event` (`channel.httpSend()`, raw body). Both answer 202.
 * Auth as hosted: `Authorization: Bearer` first, else the `apikey` header; private messages need
 * RLS write permission on the topic (service_role bypasses RLS), others are skipped silently.
 */

import { Hono } from "hono";
import { RealtimeTokenError, type TokenClaims } from "./access_token.ts";
import { LIMIT_REASONS, payloadTooLarge } from "./limits.ts";
import type { RealtimeContext } from "./realtime_context.ts";
import { writeAccess } from "./topic_authorization.ts";
import { hubKey, OutgoingBroadcast } from "./topic_hub.ts";

interface RestMessage {
  topic: string;
  event: string;
  payload: unknown;
  private: boolean;
}

function unauthorized(): Response {
  return Response.json({ message: "Unauthorized" }, { status: 401 });
}

/**
 * The REST broadcast routes, mounted under `/realtime/v1`.
 *
 * @example
 * ```ts
 * app.route("/", restBroadcastRoutes(context));
 * ```
 */
export function restBroadcastRoutes(context: RealtimeContext): Hono {
  const app = new Hono();

  async function caller(request: Request): Promise<TokenClaims | undefined> {
    const bearer = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const token = bearer ?? request.headers.get("apikey") ?? undefined;
    if (!token) return undefined;
    try {
      return await context.verifyToken(token);
    } catch (error) {
      if (error instanceof RealtimeTokenError) return undefined;
      throw error;
    }
  }

  async function send(claims: TokenClaims, messages: RestMessage[]): Promise<Response> {
    for (const message of messages) {
      if (payloadTooLarge(message.payload, context.limits)) {
        return Response.json({ message: LIMIT_REASONS.payloadTooLarge }, { status: 422 });
      }
    }
    if (context.events.add(messages.length)) {
      return Response.json({ message: LIMIT_REASONS.tooManyMessages }, { status: 429 });
    }
    for (const message of messages) {
      if (message.private && claims.role !== "service_role") {
        const allowed = await writeAccess(context.sql, {
          topic: message.topic,
          claims,
          extension: "broadcast",
        });
        if (!allowed) continue;
      }
      const outgoing = new OutgoingBroadcast(`realtime:${message.topic}`, {
        type: "broadcast",
        event: message.event,
        payload: message.payload,
      });
      context.events.add(context.hub.publish(hubKey(message.topic, message.private), outgoing));
    }
    return new Response(null, { status: 202 });
  }

  app.post("/api/broadcast", async (c) => {
    const claims = await caller(c.req.raw);
    if (!claims) return unauthorized();
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ message: "The body must be JSON: {messages: [...]}" }, 422);
    }
    const list = (body as { messages?: unknown })?.messages;
    if (!Array.isArray(list) || list.length === 0) {
      return c.json({ message: "messages must be a non-empty array" }, 422);
    }
    const messages: RestMessage[] = [];
    for (const item of list) {
      const { topic, event, payload, private: isPrivate } = (item ?? {}) as Record<string, unknown>;
      if (typeof topic !== "string" || topic === "" || typeof event !== "string") {
        return c.json({ message: "every message needs a topic and an event" }, 422);
      }
      messages.push({
        topic: topic.replace(/^realtime:/, ""),
        event,
        payload: payload ?? {},
        private: isPrivate === true,
      });
    }
    return await send(claims, messages);
  });

  app.post("/api/broadcast/:topic/events/:event", async (c) => {
    const claims = await caller(c.req.raw);
    if (!claims) return unauthorized();
    const binary = (c.req.header("content-type") ?? "").startsWith("application/octet-stream");
    let payload: unknown;
    try {
      payload = binary ? await c.req.arrayBuffer() : await c.req.json();
    } catch {
      return c.json({ message: "The body must be JSON or application/octet-stream" }, 422);
    }
    return await send(claims, [{
      topic: c.req.param("topic").replace(/^realtime:/, ""),
      event: c.req.param("event"),
      payload,
      private: c.req.query("private") === "true",
    }]);
  });

  return app;
}
