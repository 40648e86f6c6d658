/**
 * @module
 * The opaque keyset cursor of `GET /alerts` and `GET /alerts/rules`: base64url of the last row's
 * `(created_at, id)`, with `created_at` in full microsecond precision as Postgres prints it, so the
 * next page starts exactly after that row whatever is inserted meanwhile.
 */

/** The position after which the next page starts. */
export interface CursorPosition {
  /** `created_at` as an ISO timestamp with microseconds, e.g. `2026-11-22T08:30:00.123456Z`. */
  createdAt: string;
  id: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A time that exists (no February 31st) in the range Postgres and JavaScript agree on. */
function isRealTime(timestamp: string): boolean {
  const time = Date.parse(timestamp);
  return !Number.isNaN(time) && timestamp >= "1970" &&
    new Date(time).toISOString().slice(0, 19) === timestamp.slice(0, 19);
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

function fromBase64Url(value: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) return undefined;
  try {
    return atob(value.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return undefined;
  }
}

/**
 * Encodes a position.
 *
 * @example
 * ```ts
 * encodeCursor({ createdAt: "2026-11-22T08:30:00.123456Z", id }); // "WyIyMDI2LTExLTIy..."
 * ```
 */
export function encodeCursor({ createdAt, id }: CursorPosition): string {
  return toBase64Url(JSON.stringify([createdAt, id]));
}

/**
 * Decodes a cursor; `undefined` for anything this API did not hand out.
 *
 * @example
 * ```ts
 * decodeCursor(encodeCursor(position)); // position
 * decodeCursor("nonsense"); // undefined
 * ```
 */
export function decodeCursor(cursor: string): CursorPosition | undefined {
  const json = fromBase64Url(cursor);
  if (json === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (
    !Array.isArray(value) || value.length !== 2 || typeof value[0] !== "string" ||
    typeof value[1] !== "string" || !TIMESTAMP.test(value[0]) || !UUID.test(value[1]) ||
    !isRealTime(value[0])
  ) {
    return undefined;
  }
  return { createdAt: value[0], id: value[1] };
}

/**
 * Whether `cursor` is one {@link decodeCursor} accepts.
 *
 * @example
 * ```ts
 * isCursor("nonsense"); // false
 * ```
 */
export function isCursor(cursor: string): boolean {
  return decodeCursor(cursor) !== undefined;
}
