/**
 * @module
 * `GET /alerts`: the caller's alerts, filtered, newest first, in keyset pages. The cursor is the
 * last row's `(created_at, id)`, so rows inserted while a client pages never shift later pages:
 * no row is served twice and none that existed when paging started is skipped.
 */

import { createRoute } from "@hono/zod-openapi";
import type { Tx } from "../_shared/db.ts";
import { alertColumns } from "./alert_columns.ts";
import {
  type Alert,
  AlertPage,
  errorResponses,
  jsonResponse,
  SEVERITIES,
  STATUSES,
} from "./alert_schemas.ts";
import { decodeCursor } from "./cursor.ts";
import { afterCursor, cursorColumn, toPage } from "./keyset_page.ts";
import { ListAlertsQuery } from "./request_schemas.ts";

/** The route, for `app.openapi`. */
export const listAlertsRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["alerts"],
  summary: "List alerts (filters, cursor pagination)",
  security: [{ bearer: [] }],
  request: { query: ListAlertsQuery },
  responses: {
    200: jsonResponse(AlertPage, "A page of alerts, newest first"),
    ...errorResponses(400, 401, 403),
  },
});

/**
 * Escapes `%`, `_` and `\` so user text matches literally in `ilike … escape '\'`.
 *
 * @example
 * ```ts
 * escapeLike("50%_off"); // "50\\%\\_off"
 * ```
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/**
 * `'a', 'b'` for `in (…)`: values of a closed set (zod has checked them; checked again here) as
 * literals, not a parameter, so the planner sees them, also in a cached generic plan, and can use
 * the partial index on open alerts by status (20261122170400) for `status=acknowledged`.
 */
function literals(tx: Tx, values: readonly string[], allowed: readonly string[]) {
  for (const value of values) {
    if (!allowed.includes(value)) {
      throw new RangeError(
        `Cannot filter alerts by "${value}": expected one of ${allowed.join(", ")}`,
      );
    }
  }
  return tx.unsafe(values.map((value) => `'${value}'`).join(", "));
}

/**
 * One page of alerts; RLS decides which the caller sees.
 *
 * @example
 * ```ts
 * const page = await withClaims(sql, claims, (tx) => listAlerts(tx, { limit: 50 }));
 * ```
 */
export async function listAlerts(tx: Tx, query: ListAlertsQuery) {
  const { status, severity, alert_type, category, store_id, product_id, q, limit } = query;
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const pattern = q === undefined ? undefined : `%${escapeLike(q)}%`;
  const filters = [
    status && tx`a.status in (${literals(tx, status, STATUSES)})`,
    severity && tx`a.severity in (${literals(tx, severity, SEVERITIES)})`,
    alert_type !== undefined && tx`a.alert_type = ${alert_type}`,
    category !== undefined && tx`a.category = ${category}`,
    store_id !== undefined && tx`a.store_id = ${store_id}`,
    product_id !== undefined && tx`a.product_id = ${product_id}`,
    pattern !== undefined &&
    tx`(a.title ilike ${pattern} escape '\\' or a.description ilike ${pattern} escape '\\')`,
    query.created_since !== undefined && tx`a.created_at >= ${query.created_since}::timestamptz`,
    query.updated_since !== undefined && tx`a.updated_at >= ${query.updated_since}::timestamptz`,
    after && afterCursor(tx, "a", after),
  ].filter((filter) => filter !== undefined && filter !== false);
  const where = filters.reduce((all, filter) => tx`${all} and ${filter}`, tx`true`);
  const rows = await tx<(Alert & { cursor_at: string })[]>`
    select ${alertColumns(tx)}, ${cursorColumn(tx, "a")}
    from public.alerts as a
    where ${where}
    order by a.created_at desc, a.id desc
    limit ${limit + 1}`;
  return toPage(rows, limit);
}
