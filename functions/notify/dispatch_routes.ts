/**
 * @module
 * `POST /notify/dispatch` (service_role only): dispatches due deliveries, batch after batch while
 * full batches keep coming (up to `max_batches`), and answers a JSON summary. Called by pg_cron
 * and the deliveries insert trigger through pg_net on hosted Supabase, and by anyone holding the
 * service key; the local stack's worker calls the same dispatcher in-process.
 */

import type { Hono } from "hono";
import { z } from "zod";
import { auth, type AuthEnv, type AuthOptions } from "../_shared/auth.ts";
import { ApiError } from "../_shared/errors.ts";
import { type Dispatcher, type DispatchSummary, emptySummary } from "./dispatcher.ts";

const DispatchBody = z.strictObject({
  batch_size: z.number().int().min(1).max(1000).optional(),
  max_batches: z.number().int().min(1).max(100).default(10),
});

/**
 * Adds up summaries of several batches.
 *
 * @example
 * ```ts
 * addSummaries([first, second]).sent; // first.sent + second.sent
 * ```
 */
export function addSummaries(summaries: DispatchSummary[]): DispatchSummary & { batches: number } {
  const total = { batches: summaries.length, ...emptySummary() };
  for (const s of summaries) {
    for (
      const key of [
        "claimed",
        "sent",
        "retried",
        "failed",
        "dead",
        "deferred",
        "lost",
        "ms",
      ] as const
    ) {
      total[key] += s[key];
    }
    if (s.latency_ms.max !== null) {
      total.latency_ms.max = Math.max(total.latency_ms.max ?? 0, s.latency_ms.max);
      total.latency_ms.p50 ??= s.latency_ms.p50;
    }
  }
  return total;
}

/**
 * @example
 * ```ts
 * registerDispatchRoutes(app, { dispatcher, auth: { secret: config.jwtSecret } });
 * ```
 */
export function registerDispatchRoutes(
  app: Hono,
  { dispatcher, auth: authOptions }: { dispatcher: Dispatcher; auth: AuthOptions },
): void {
  const routes = app as unknown as Hono<AuthEnv>;
  routes.post("/dispatch", auth(authOptions), async (c) => {
    if (c.get("claims").role !== "service_role") {
      throw new ApiError(403, "forbidden", "Only the service role may dispatch deliveries");
    }
    const text = await c.req.text();
    let json: unknown = {};
    try {
      if (text.trim() !== "") json = JSON.parse(text);
    } catch (error) {
      throw new ApiError(400, "invalid_input", "The body must be JSON", { cause: error });
    }
    const body = DispatchBody.parse(json);
    const summaries: DispatchSummary[] = [];
    for (let i = 0; i < body.max_batches; i++) {
      const summary = await dispatcher.dispatch({ batchSize: body.batch_size });
      summaries.push(summary);
      // A batch that was not full means the queue is drained for now.
      if (summary.claimed < (body.batch_size ?? dispatcher.batchSize)) break;
    }
    return c.json(addSummaries(summaries));
  });
}
