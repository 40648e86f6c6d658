/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * A tiny DOM builder: `h("button", { onclick }, "Save")`. Strings become text nodes (never HTML),
 * so values from alerts cannot inject markup.
 */

/** Attributes and properties of {@link h}: `on*` functions become listeners. */
export type Attrs = Record<string, unknown>;
/** What {@link h} accepts as children. */
export type Child = Node | string | number | null | undefined | false | Child[];

/**
 * Creates an element.
 *
 * @example
 * ```ts
 * document.body.append(h("p", { class: "note" }, "Hello ", h("b", {}, "world")));
 * ```
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value as EventListener);
    } else if (key === "value" || key === "checked" || key === "selected") {
      (element as unknown as Record<string, unknown>)[key] = value;
    } else {
      element.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

/**
 * Appends children (flattening arrays, skipping empty ones).
 *
 * @example
 * ```ts
 * append(list, items.map((item) => h("li", {}, item)));
 * ```
 */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else {parent.appendChild(
        typeof child === "object" ? child : document.createTextNode(String(child)),
      );}
  }
}

/**
 * Replaces an element's children.
 *
 * @example
 * ```ts
 * replace(main, h("p", {}, "Loading…"));
 * ```
 */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * "3 min ago", "2 h ago", or the local date for older times.
 *
 * @example
 * ```ts
 * timeAgo(new Date(Date.now() - 90_000).toISOString()); // "1 min ago"
 * ```
 */
export function timeAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return "–";
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleString();
}

/**
 * A duration in seconds as "42 s", "5.5 min", "2.1 h".
 *
 * @example
 * ```ts
 * formatSeconds(330); // "5.5 min"
 * ```
 */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "–";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
