/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * The counters: open alerts by severity × status, each cell a button that filters the list.
 */

import { h } from "../dom.ts";
import { SEVERITIES, type Severity, type Status, STATUSES, type Summary } from "../types.ts";

/**
 * Renders the counters table.
 *
 * @example
 * ```ts
 * counters(summary, (severity, status) => setFilters({ severity, status }));
 * ```
 */
export function counters(
  summary: Summary | null,
  onPick: (severity: Severity | "", status: Status | "") => void,
): HTMLElement {
  const severities = [...SEVERITIES].reverse();
  return h(
    "table",
    { class: "counters", "aria-label": "Alerts by severity and status" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "Severity"),
        STATUSES.map((status) => h("th", { scope: "col" }, status)),
      ),
    ),
    h(
      "tbody",
      {},
      severities.map((severity) =>
        h(
          "tr",
          { class: `sev-${severity}` },
          h("th", { scope: "row" }, h("span", { class: `badge sev-${severity}` }, severity)),
          STATUSES.map((status) => {
            const count = summary?.counts[severity][status] ?? 0;
            return h(
              "td",
              {},
              h("button", {
                type: "button",
                class: "count",
                "data-count": `${severity}-${status}`,
                "aria-label": `${count} ${severity} ${status}: show them`,
                onclick: () => onPick(severity, status),
              }, summary ? String(count) : "…"),
            );
          }),
        )
      ),
    ),
  );
}
