/**
 * @module
 * Short alert codes for SMS and WhatsApp: the first 6 hex digits of the alert id, uppercased
 * (`3F9A0C`), so a member can answer `ACK 3F9A0C`. A reply may give a longer prefix of the id
 * (dashes and case ignored) when 6 digits match more than one alert of the tenant.
 */

import type { Tx } from "../_shared/db.ts";

/** Digits in a code as messages show it. */
export const ALERT_CODE_LENGTH = 6;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The code shown in messages for an alert.
 *
 * @example
 * ```ts
 * alertCode("3f9a0c12-0000-4000-8000-000000000000"); // "3F9A0C"
 * ```
 */
export function alertCode(alertId: string): string {
  if (!UUID.test(alertId)) {
    throw new TypeError(`Cannot make an alert code: alert id must be a UUID (got "${alertId}")`);
  }
  return alertId.slice(0, ALERT_CODE_LENGTH).toUpperCase();
}

/**
 * Normalizes what a member typed into a hex prefix of an alert id (lowercase, no dashes), or
 * `undefined` when it is not 6..32 hex digits.
 *
 * @example
 * ```ts
 * parseAlertCode("3f9a-0c"); // "3f9a0c"
 * parseAlertCode("XYZ"); // undefined
 * ```
 */
export function parseAlertCode(typed: string): string | undefined {
  const hex = typed.trim().replaceAll("-", "").toLowerCase();
  return /^[0-9a-f]{6,32}$/.test(hex) ? hex : undefined;
}

/** A hex prefix as the smallest and largest UUID that start with it. */
function uuidRange(prefix: string): [string, string] {
  const format = (hex: string) =>
    `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
      hex.slice(20)
    }`;
  return [format(prefix.padEnd(32, "0")), format(prefix.padEnd(32, "f"))];
}

/** What a code lookup found. */
export type AlertCodeMatch =
  | { kind: "found"; alertId: string; title: string; status: string }
  | { kind: "none" }
  /** More than one alert (and more than one open alert) matches: ask for more digits. */
  | { kind: "ambiguous"; count: number };

/**
 * Finds the tenant's alert a code names. Run it in a transaction under the member's claims
 * (`withClaims`) so RLS scopes it to their tenant as well. When several alerts share the prefix
 * and exactly one of them is open, that one is meant; otherwise the answer is `ambiguous`.
 *
 * @example
 * ```ts
 * const match = await withClaims(sql, claims, (tx) => findAlertByCode(tx, "3F9A0C", { tenantId }));
 * if (match.kind === "found") await tx`select public.acknowledge_alert(${match.alertId}, null)`;
 * ```
 */
export async function findAlertByCode(
  tx: Tx,
  code: string,
  { tenantId }: { tenantId: string },
): Promise<AlertCodeMatch> {
  const prefix = parseAlertCode(code);
  if (!prefix) return { kind: "none" };
  const [low, high] = uuidRange(prefix);
  const rows = await tx<{ id: string; title: string; status: string }[]>`
    select a.id, a.title, a.status
    from public.alerts as a
    where a.tenant_id = ${tenantId} and a.id between ${low}::uuid and ${high}::uuid
    order by a.created_at desc
    limit 20`;
  if (rows.length === 0) return { kind: "none" };
  const open = rows.filter((row) => row.status !== "resolved");
  const [only] = rows.length === 1 ? rows : open.length === 1 ? open : [];
  if (only) return { kind: "found", alertId: only.id, title: only.title, status: only.status };
  return { kind: "ambiguous", count: rows.length };
}
