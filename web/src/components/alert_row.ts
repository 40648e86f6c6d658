/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * One row of the alert list: checkbox, severity, title, where, status and age.
 */

import { h, timeAgo } from "../dom.ts";
import type { Alert } from "../types.ts";

/** How the row is shown. */
export interface RowState {
  selected: boolean;
  focused: boolean;
  open: boolean;
  fresh: boolean;
}

/**
 * Renders a row.
 *
 * @example
 * ```ts
 * list.append(alertRow(alert, state, { onOpen, onToggle }));
 * ```
 */
export function alertRow(
  alert: Alert,
  state: RowState,
  { onOpen, onToggle }: { onOpen(): void; onToggle(): void },
): HTMLElement {
  const where = [alert.store_id, alert.product_id].filter(Boolean).join(" · ");
  const classes = [
    "alert-row",
    `sev-${alert.severity}`,
    `status-${alert.status}`,
    state.focused ? "focused" : "",
    state.open ? "open" : "",
    state.fresh ? "fresh" : "",
  ].filter(Boolean).join(" ");
  return h(
    "li",
    { class: classes, "data-id": alert.id, "data-status": alert.status },
    h("input", {
      type: "checkbox",
      checked: state.selected,
      "aria-label": `Select ${alert.title}`,
      onchange: onToggle,
    }),
    h("span", { class: `badge sev-${alert.severity}` }, alert.severity),
    h(
      "button",
      { type: "button", class: "alert-title", onclick: onOpen, "aria-current": state.open || null },
      alert.title,
    ),
    h(
      "span",
      { class: "alert-meta" },
      where ? h("span", {}, where) : null,
      h("span", {}, alert.alert_type),
      alert.occurrence_count > 1 ? h("span", {}, `×${alert.occurrence_count}`) : null,
      h("time", { datetime: alert.last_seen_at }, timeAgo(alert.last_seen_at)),
    ),
    h("span", { class: `status status-${alert.status}` }, alert.status),
  );
}
