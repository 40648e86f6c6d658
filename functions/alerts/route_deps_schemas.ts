/**
 * @module
 * Zod building blocks shared by the rules, suppressions, events and config routes: text and JSON
 * that Postgres can store (no NUL characters, no lone surrogates, which `text` and `jsonb` refuse
 * with errors the API would otherwise answer as 500), and date-times `timestamptz` accepts.
 */

import { z } from "@hono/zod-openapi";

/** Does this string survive `text`/`jsonb` input: no NUL, no lone UTF-16 surrogate? */
function storable(value: string): boolean {
  return !value.includes("\u0000") && value.isWellFormed();
}

/** Does every string (and key) in this JSON value survive `jsonb` input? */
function storableJson(value: unknown): boolean {
  if (typeof value === "string") return storable(value);
  if (Array.isArray(value)) return value.every(storableJson);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).every(([key, item]) => storable(key) && storableJson(item));
  }
  return true;
}

/**
 * Text of `min` to `max` characters that Postgres can store.
 *
 * @example
 * ```ts
 * const Name = text(1, 200);
 * ```
 */
export function text(min: number, max: number) {
  return z.string().min(min).max(max).refine(storable, {
    message: "must not contain NUL characters or unpaired surrogates",
  });
}

/**
 * Any JSON value that `jsonb` can store. (`z.unknown()`, not `z.json()`: request bodies are parsed
 * JSON already, and the OpenAPI generator recurses forever into `z.json()`.)
 */
export const JsonValue = z.unknown().refine(storableJson, {
  message: "must not contain NUL characters or unpaired surrogates",
}).openapi({ description: "Any JSON value" });

/** A JSON object that `jsonb` can store. */
export const JsonObject = z.record(z.string(), z.unknown()).refine(storableJson, {
  message: "must not contain NUL characters or unpaired surrogates",
}).openapi({ type: "object", description: "A JSON object" });

/**
 * An ISO 8601 date-time with offset between years 1970 and 9999 (what `timestamptz` takes).
 *
 * @example
 * ```ts
 * dateTime().parse("2026-11-22T08:30:00Z");
 * ```
 */
export function dateTime() {
  return z.iso.datetime({ offset: true }).refine((value) => {
    const year = new Date(value).getUTCFullYear();
    return year >= 1970 && year <= 9999;
  }, { message: "must be between 1970 and 9999" }).openapi({ example: "2026-11-22T08:30:00Z" });
}

/** `tenant_id`, which only service-role callers name. */
export const ServiceTenantId = z.uuid().optional().openapi({
  description: "Service-role callers only: the tenant acted in (members act in their token's)",
});

/** `{id}` of the rule and suppression routes. */
export const IdParams = z.object({
  id: z.uuid().openapi({
    param: { name: "id", in: "path" },
    example: "3f0c1d9e-5c1b-4c3e-9d7a-0b6f2e4a1c2d",
  }),
});
