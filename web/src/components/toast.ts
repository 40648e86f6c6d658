/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * Short messages at the bottom of the screen, announced to screen readers.
 */

import { h } from "../dom.ts";

let region: HTMLElement | undefined;

/**
 * Shows a message for a few seconds.
 *
 * @example
 * ```ts
 * toast("Alert acknowledged", "ok");
 * ```
 */
export function toast(message: string, kind: "ok" | "error" | "info" = "info"): void {
  if (!region) {
    region = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(region);
  }
  const item = h("p", { class: `toast toast-${kind}` }, message);
  region.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
}
