/**
 * @module
 * Per-caller rate limits: a fixed window counted in memory. Hosted Supabase runs several
 * instances of a function (and starts and stops them at will), each with its own counters, so the
 * limit holds per instance: a caller may get up to `limit` × instances requests per window.
 */

import type { Context, Next } from "hono";
import type { AuthEnv } from "./auth.ts";
import { ApiError } from "./errors.ts";

/** How requests are limited. */
export interface RateLimitOptions {
  /** Requests per window and key; 0 turns the limit off. */
  limit: number;
  /** Window length. Default one minute. */
  windowMs?: number;
  /** Who a request counts against; `undefined` = not limited (public paths, say). */
  key?: (c: Context<AuthEnv>) => string | undefined;
  /** The clock, in epoch milliseconds; tests pass a fake one. */
  now?: () => number;
}

/**
 * The default key: the token's `sub`, or its role for tokens without one (service and anon keys),
 * or the tenant of an ingest key; `undefined` before authentication.
 *
 * @example
 * ```ts
 * rateLimit({ limit: 600, key: callerKey });
 * ```
 */
export function callerKey(c: Context<AuthEnv>): string | undefined {
  const tenant = c.get("ingestTenant");
  if (tenant) return `ingest:${tenant}`;
  const claims = c.get("claims");
  if (!claims) return undefined;
  return typeof claims.sub === "string" && claims.sub ? `sub:${claims.sub}` : `role:${claims.role}`;
}

/**
 * Middleware answering 429 `rate_limited` (with `Retry-After` in seconds) once a key has made
 * `limit` requests in the current window; every limited response carries `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the window ends).
 *
 * @example
 * ```ts
 * app.use(rateLimit({ limit: config.rateLimitPerMinute ?? 600, windowMs: 60_000 }));
 * ```
 */
export function rateLimit(
  { limit, windowMs = 60_000, key = callerKey, now = Date.now }: RateLimitOptions,
) {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = 0;
  return async function limitRate(c: Context<AuthEnv>, next: Next) {
    const id = limit > 0 ? key(c) : undefined;
    if (id === undefined) return await next();
    const time = now();
    if (time - lastSweep >= windowMs) {
      // Forget finished windows so the map holds only callers of the current one.
      for (const [name, window] of windows) {
        if (time - window.start >= windowMs) windows.delete(name);
      }
      lastSweep = time;
    }
    let window = windows.get(id);
    if (!window || time - window.start >= windowMs) {
      window = { start: time, count: 0 };
      windows.set(id, window);
    }
    window.count++;
    const reset = Math.max(1, Math.ceil((window.start + windowMs - time) / 1000));
    const headers = {
      "RateLimit-Limit": String(limit),
      "RateLimit-Remaining": String(Math.max(0, limit - window.count)),
      "RateLimit-Reset": String(reset),
    };
    // Set on the context, so the error handler's response carries them too.
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    if (window.count > limit) {
      c.header("Retry-After", String(reset));
      throw new ApiError(
        429,
        "rate_limited",
        `Too many requests: at most ${limit} per ${windowMs / 1000} s; retry in ${reset} s`,
      );
    }
    await next();
  };
}
