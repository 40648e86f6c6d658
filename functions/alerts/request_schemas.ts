/**
 * @module
 * The zod schemas that validate the alerts API's path parameters, queries and bodies; the same
 * schemas document them in `/alerts/openapi.json`. Objects are strict: an unknown field is refused
 * by name rather than ignored.
 */

import { z } from "@hono/zod-openapi";
import { SEVERITIES, STATUSES } from "./alert_schemas.ts";
import { isCursor } from "./cursor.ts";

/** Text Postgres can store: no NUL characters. */
function text(max: number) {
  return z.string().max(max).refine((value) => !value.includes("\u0000"), {
    message: "must not contain NUL characters",
  });
}

/** An ISO 8601 date-time with offset, between years 1970 and 9999 (what timestamptz takes). */
function dateTime() {
  return z.iso.datetime({ offset: true }).refine((value) => {
    const year = new Date(value).getUTCFullYear();
    return year >= 1970 && year <= 9999;
  }, { message: "must be between 1970 and 9999" }).openapi({ example: "2026-11-22T08:30:00Z" });
}

/** A comma list of allowed values (`status=active,snoozed`), parsed to an array. */
function commaList<const T extends readonly [string, ...string[]]>(values: T) {
  return z.string().max(200)
    .transform((value) => value.split(",").map((item) => item.trim()))
    .pipe(z.array(z.enum(values)).min(1))
    .openapi({
      type: "string",
      description: `Comma-separated: ${values.join(", ")}`,
      example: values.slice(0, 2).join(","),
    });
}

/** `{id}` of the alert routes. */
export const AlertIdParams = z.object({
  id: z.uuid().openapi({
    param: { name: "id", in: "path" },
    example: "3f0c1d9e-5c1b-4c3e-9d7a-0b6f2e4a1c2d",
  }),
});

const limit = z.coerce.number().int().min(1).max(200).default(50);

/** `limit` and `cursor` of a keyset-paged list (see keyset_page.ts). */
export const PageQueryFields = {
  limit: limit.openapi({ description: "Page size, 1-200" }),
  cursor: z.string().max(200).refine(isCursor, { message: "is not a cursor from this API" })
    .optional().openapi({ description: "`next_cursor` of the previous page" }),
};

/** Filters and paging of `GET /alerts`. */
export const ListAlertsQuery = z.strictObject({
  status: commaList(STATUSES).optional(),
  severity: commaList(SEVERITIES).optional(),
  alert_type: text(64).optional(),
  category: text(32).optional(),
  store_id: text(200).optional(),
  product_id: text(200).optional(),
  q: text(200).optional().openapi({
    description: "Case-insensitive text search in title and description",
  }),
  created_since: dateTime().optional(),
  updated_since: dateTime().optional(),
  ...PageQueryFields,
});
/** Parsed {@link ListAlertsQuery}. */
export type ListAlertsQuery = z.infer<typeof ListAlertsQuery>;

/** `GET /alerts/active`. */
export const ActiveAlertsQuery = z.strictObject({
  limit: limit.openapi({ description: "How many, 1-200" }),
});

/** `{ note? }` of acknowledge, resolve and unsnooze. */
export const NoteBody = z.strictObject({
  note: text(5000).optional().openapi({ description: "Recorded in the alert's history" }),
}).openapi("NoteBody");

/** `{ minutes? | until?, note? }` of snooze: exactly one of `minutes` and `until`. */
export const SnoozeBody = z.strictObject({
  minutes: z.int().min(1).max(43200).optional().openapi({
    description: "Snooze for this many minutes (at most 30 days)",
  }),
  until: dateTime().optional().openapi({ description: "Snooze until this time" }),
  note: text(5000).optional(),
}).superRefine((body, ctx) => {
  if (body.minutes === undefined && body.until === undefined) {
    ctx.addIssue({ code: "custom", path: ["minutes"], message: "give minutes or until" });
  } else if (body.minutes !== undefined && body.until !== undefined) {
    ctx.addIssue({ code: "custom", path: ["until"], message: "give minutes or until, not both" });
  }
}).openapi("SnoozeBody");
/** Parsed {@link SnoozeBody}. */
export type SnoozeBody = z.infer<typeof SnoozeBody>;

/** `{ ids, note? }` of the bulk actions. */
export const BulkBody = z.strictObject({
  ids: z.array(z.uuid()).min(1).max(100),
  note: text(5000).optional(),
}).openapi("BulkBody");
