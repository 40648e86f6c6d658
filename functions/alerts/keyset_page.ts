/**
 * @module
 * Keyset pages for the list routes (`GET /alerts`, `GET /alerts/rules`): rows newest first by
 * `(created_at, id)`, the next page starting strictly after the last row served, so rows inserted
 * while a client pages never shift later pages. The SQL fragments here and {@link toPage} are the
 * two halves: select {@link cursorColumn}, filter with {@link afterCursor}, order
 * `created_at desc, id desc`, fetch `limit + 1` rows, and hand them to {@link toPage}.
 */

import type { Tx } from "../_shared/db.ts";
import { type CursorPosition, encodeCursor } from "./cursor.ts";

/**
 * `created_at` of the row aliased `alias`, in full microsecond precision, as `cursor_at`.
 *
 * @example
 * ```ts
 * await tx`select r.*, ${cursorColumn(tx, "r")} from public.alert_rules as r`;
 * ```
 */
export function cursorColumn(tx: Tx, alias: "a" | "r") {
  return tx.unsafe(
    `to_char(${alias}.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at`,
  );
}

/**
 * The filter "after this position" in `created_at desc, id desc` order.
 *
 * @example
 * ```ts
 * const after = decodeCursor(query.cursor);
 * await tx`select … from public.alert_rules as r where ${afterCursor(tx, "r", after)}`;
 * ```
 */
export function afterCursor(tx: Tx, alias: "a" | "r", after: CursorPosition) {
  // As text: postgres.js would pass a timestamptz parameter through Date, dropping microseconds.
  return tx`(${tx.unsafe(`${alias}.created_at`)}, ${tx.unsafe(`${alias}.id`)})
            < (${after.createdAt}::text::timestamptz, ${after.id}::uuid)`;
}

/**
 * The first `limit` rows (without their `cursor_at`) and the cursor of the next page, or `null`
 * when `rows` (fetched with `limit + 1`) held no more.
 *
 * @example
 * ```ts
 * const { data, next_cursor } = toPage(rows, 50);
 * ```
 */
export function toPage<T extends { id: string; cursor_at: string }>(
  rows: readonly T[],
  limit: number,
): { data: Omit<T, "cursor_at">[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map(({ cursor_at: _, ...row }) => row),
    next_cursor: rows.length > limit && last
      ? encodeCursor({ createdAt: last.cursor_at, id: last.id })
      : null,
  };
}
