/**
 * @module
 * `POST /alerts/bulk/acknowledge` and `/bulk/resolve`: one transition for up to 100 alerts. Each
 * id runs in its own savepoint, so one refusal (not found, wrong status, …) undoes nothing else;
 * the answer lists every id's outcome in request order, with 200 overall.
 */

import { createRoute } from "@hono/zod-openapi";
import type { Tx } from "../_shared/db.ts";
import { describeError } from "../_shared/errors.ts";
import { BulkResults, errorResponses, jsonResponse } from "./alert_schemas.ts";
import { applyAction } from "./lifecycle.ts";
import { BulkBody } from "./request_schemas.ts";

/** The transitions available in bulk. */
export type BulkAction = "acknowledge" | "resolve";

/** The outcome for one id. */
export interface BulkResult {
  id: string;
  ok: boolean;
  error?: { code: string; message: string };
}

function bulkRoute(action: BulkAction, summary: string) {
  return createRoute({
    method: "post",
    path: `/bulk/${action}`,
    tags: ["lifecycle"],
    summary,
    security: [{ bearer: [] }],
    request: {
      body: { content: { "application/json": { schema: BulkBody } }, required: true },
    },
    responses: {
      200: jsonResponse(BulkResults, "One result per id, in request order"),
      ...errorResponses(400, 401, 413, 415),
    },
  });
}

/** `POST /alerts/bulk/acknowledge`. */
export const bulkAcknowledgeRoute = bulkRoute("acknowledge", "Acknowledge up to 100 alerts");
/** `POST /alerts/bulk/resolve`. */
export const bulkResolveRoute = bulkRoute("resolve", "Resolve up to 100 alerts");

/**
 * Applies `action` to each id in a savepoint of its own. Refusals the API knows (a mapped
 * SQLSTATE) become that id's error; anything else (say, a lost connection) fails the whole call.
 *
 * @example
 * ```ts
 * const { results } = await withClaims(sql, claims, (tx) => applyBulk(tx, "resolve", { ids }));
 * ```
 */
export async function applyBulk(
  tx: Tx,
  action: BulkAction,
  { ids, note }: { ids: string[]; note?: string },
) {
  const results: BulkResult[] = [];
  for (const id of ids) {
    try {
      await tx.savepoint((savepoint) => applyAction(savepoint, action, id, { note }));
      results.push({ id, ok: true });
    } catch (error) {
      const known = describeError(error);
      if (!known) throw error;
      results.push({ id, ok: false, error: { code: known.code, message: known.message } });
    }
  }
  return { results };
}
