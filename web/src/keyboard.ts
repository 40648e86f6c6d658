/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * Keyboard shortcuts (ignored while typing in a field). `?` lists them.
 */

/** The shortcuts and what they do. */
export const SHORTCUTS: ReadonlyArray<[string, string]> = [
  ["j / ↓", "next alert"],
  ["k / ↑", "previous alert"],
  ["o / Enter", "open the focused alert"],
  ["x", "select the focused alert"],
  ["a", "acknowledge (open alert, else the selection)"],
  ["r", "resolve"],
  ["s", "snooze"],
  ["/", "search"],
  ["Esc", "close the detail"],
  ["1 – 4", "alerts, stock, analytics, settings"],
  ["?", "this help"],
];

/**
 * Installs the handler; `handlers[key]` runs for that key.
 *
 * @example
 * ```ts
 * installShortcuts({ j: () => view.moveFocus(1), "?": showHelp });
 * ```
 */
export function installShortcuts(handlers: Record<string, () => void>): () => void {
  function onKey(event: KeyboardEvent) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target as HTMLElement | null;
    const typing = target?.closest("input, textarea, select, [contenteditable]");
    if (typing && event.key !== "Escape") return;
    if (event.key === "Enter" && target?.closest("button, a")) return;
    const handler = handlers[event.key];
    if (!handler) return;
    event.preventDefault();
    handler();
  }
  addEventListener("keydown", onKey);
  return () => removeEventListener("keydown", onKey);
}
