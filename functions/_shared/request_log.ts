/**
 * @module
 * Middleware logging one JSON line per request, with its request id (also sent back as
 * `X-Request-Id`) so a user's report can be matched to the log.
 */

import type { Context, Next } from "hono";
import type { Logger } from "./logging.ts";

/**
 * @example
 * ```ts
 * app.use(requestLog({ logger }));
 * ```
 */
export function requestLog({ logger }: { logger: Logger }) {
  return async function logRequest(c: Context, next: Next) {
    const started = performance.now();
    const requestId = c.req.header("x-request-id")?.slice(0, 64) || crypto.randomUUID();
    c.header("X-Request-Id", requestId);
    await next();
    logger.info("request", {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  };
}
