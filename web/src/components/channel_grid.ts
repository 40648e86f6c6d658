/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * A severity × channel grid of checkboxes ("which channels for critical alerts?"), used by the
 * team's notification settings and by each member's own preferences.
 */

import { h } from "../dom.ts";
import { SEVERITIES } from "../types.ts";

/** Channels per severity. */
export type ChannelsPerSeverity = Partial<Record<string, string[]>>;

/**
 * Builds the grid; `read()` answers the ticked channels per severity.
 *
 * @example
 * ```ts
 * const grid = channelGrid("team", ["email", "sms"], { critical: ["sms"] });
 * form.append(grid.element);
 * ```
 */
export function channelGrid(
  name: string,
  channels: readonly string[],
  value: ChannelsPerSeverity,
  { disabled = false } = {},
) {
  const severities = [...SEVERITIES].reverse();
  const element = h(
    "table",
    { class: "grid", "aria-label": "Channels per severity" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "Severity"),
        channels.map((c) => h("th", { scope: "col" }, c)),
      ),
    ),
    h(
      "tbody",
      {},
      severities.map((severity) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, severity),
          channels.map((channel) =>
            h(
              "td",
              {},
              h("input", {
                type: "checkbox",
                name: `${name}-${severity}-${channel}`,
                "aria-label": `${channel} for ${severity}`,
                checked: value[severity]?.includes(channel) ?? false,
                disabled,
              }),
            )
          ),
        )
      ),
    ),
  );
  return {
    element,
    read(): Record<string, string[]> {
      return Object.fromEntries(severities.map((severity) => [
        severity,
        channels.filter((channel) =>
          element.querySelector<HTMLInputElement>(`[name="${name}-${severity}-${channel}"]`)
            ?.checked
        ),
      ]));
    },
  };
}
