/// <reference lib="dom" />
/**
 * @module
 * Quiet-hours fields ("from 22:00 to 07:00"), used by the team's settings and by my preferences.
 */

import { h } from "../dom.ts";

/** Quiet hours as the API stores them; null = none. */
export type QuietHours = { start: string; end: string } | null;

/**
 * Builds the two time fields; `read()` answers null unless both are set.
 *
 * @example
 * ```ts
 * const quiet = quietHoursFields("my_quiet", me.preferences.quiet_hours ?? null);
 * form.append(quiet.element);
 * ```
 */
export function quietHoursFields(name: string, value: QuietHours, { disabled = false } = {}) {
  const start = h("input", {
    type: "time",
    name: `${name}_start`,
    value: value?.start ?? "",
    disabled,
  });
  const end = h("input", { type: "time", name: `${name}_end`, value: value?.end ?? "", disabled });
  return {
    element: h(
      "div",
      { class: "inline-fields" },
      h("label", {}, "From ", start),
      h("label", {}, "to ", end),
    ),
    read:
      (): QuietHours => (start.value && end.value ? { start: start.value, end: end.value } : null),
  };
}

/**
 * Runs a save and reports "Saved." or the error in `message`.
 *
 * @example
 * ```ts
 * await reportSave(message, () => api.patch("/config", patch));
 * ```
 */
export async function reportSave(message: HTMLElement, work: () => Promise<unknown>) {
  try {
    await work();
    message.textContent = "Saved.";
  } catch (error) {
    message.textContent = (error as Error).message;
  }
}
