/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * The alert list's filters: how they become the API's query, and whether a live change belongs in
 * the filtered list (so the feed applies the same rules as the server).
 */

import type { Alert, Severity, Status } from "./types.ts";

/** What the user filters by; empty strings mean "any". */
export interface AlertFilters {
  severity: Severity | "";
  /** A status, `open` (everything not resolved) or "" (any). */
  status: Status | "open" | "";
  alertType: string;
  storeId: string;
  text: string;
}

/** The filters a new visitor sees: open alerts of any kind. */
export const DEFAULT_FILTERS: AlertFilters = {
  severity: "",
  status: "open",
  alertType: "",
  storeId: "",
  text: "",
};

/**
 * The `GET /alerts` query for these filters.
 *
 * @example
 * ```ts
 * filtersToQuery(DEFAULT_FILTERS); // { status: "active,acknowledged,snoozed", … }
 * ```
 */
export function filtersToQuery(filters: AlertFilters): Record<string, string | undefined> {
  return {
    severity: filters.severity || undefined,
    status: filters.status === "open" ? "active,acknowledged,snoozed" : filters.status || undefined,
    alert_type: filters.alertType.trim() || undefined,
    store_id: filters.storeId.trim() || undefined,
    q: filters.text.trim() || undefined,
  };
}

/**
 * Whether an alert passes the filters (as the API would decide).
 *
 * @example
 * ```ts
 * matchesFilters(alert, { ...DEFAULT_FILTERS, severity: "critical" });
 * ```
 */
export function matchesFilters(alert: Alert, filters: AlertFilters): boolean {
  if (filters.severity && alert.severity !== filters.severity) return false;
  if (filters.status === "open" && alert.status === "resolved") return false;
  if (filters.status && filters.status !== "open" && alert.status !== filters.status) return false;
  if (filters.alertType.trim() && alert.alert_type !== filters.alertType.trim()) return false;
  if (filters.storeId.trim() && alert.store_id !== filters.storeId.trim()) return false;
  const text = filters.text.trim().toLowerCase();
  if (text && !`${alert.title}\n${alert.description}`.toLowerCase().includes(text)) return false;
  return true;
}
