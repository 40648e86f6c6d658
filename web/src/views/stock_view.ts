/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * The stock view: every watched store × product with on hand, days of cover, trend and its open
 * alert; sortable by any column (click the header) and filterable by store, text and "at risk".
 */

import type { Api } from "../api.ts";
import { h, replace } from "../dom.ts";

/** One row of `GET /alerts/stock`. */
export interface StockItem {
  store_id: string;
  store_name: string | null;
  product_id: string;
  product_name: string | null;
  on_hand: number;
  reorder_point: number | null;
  daily_demand: number | null;
  days_of_cover: number | null;
  next_inbound_at: string | null;
  reorder_quantity: number | null;
  trend: "rising" | "falling" | "steady" | null;
  trend_percent: number | null;
  alert: { id: string; severity: string; status: string; title: string } | null;
}

type SortKey = "store" | "product" | "on_hand" | "days_of_cover" | "trend" | "alert";

const SEVERITY_RANK: Record<string, number> = { low: 1, medium: 2, high: 3, critical: 4 };

const COLUMNS: Array<[SortKey, string]> = [
  ["store", "Store"],
  ["product", "Product"],
  ["on_hand", "On hand"],
  ["days_of_cover", "Days of cover"],
  ["trend", "Trend (7 d)"],
  ["alert", "Open alert"],
];

function sortValue(item: StockItem, key: SortKey): number | string {
  switch (key) {
    case "store":
      return (item.store_name ?? item.store_id).toLowerCase();
    case "product":
      return (item.product_name ?? item.product_id).toLowerCase();
    case "on_hand":
      return item.on_hand;
    case "days_of_cover":
      return item.days_of_cover ?? Number.POSITIVE_INFINITY;
    case "trend":
      return item.trend_percent ?? Number.NEGATIVE_INFINITY;
    case "alert":
      return item.alert ? SEVERITY_RANK[item.alert.severity] ?? 0 : 0;
  }
}

/**
 * Sorts items by a column (a copy).
 *
 * @example
 * ```ts
 * sortStock(items, "days_of_cover", "asc");
 * ```
 */
export function sortStock(items: StockItem[], key: SortKey, direction: "asc" | "desc") {
  const sign = direction === "asc" ? 1 : -1;
  return [...items].sort((a, b) => {
    const [x, y] = [sortValue(a, key), sortValue(b, key)];
    return x < y ? -sign : x > y ? sign : 0;
  });
}

/**
 * Builds the view and loads the items.
 *
 * @example
 * ```ts
 * main.append(stockView({ api, onOpenAlert }));
 * ```
 */
export function stockView(
  { api, onOpenAlert }: { api: Api; onOpenAlert(id: string): void },
): HTMLElement {
  let items: StockItem[] = [];
  let sortKey: SortKey = "days_of_cover";
  let direction: "asc" | "desc" = "asc";
  const text = h("input", {
    type: "search",
    name: "stock_text",
    placeholder: "Product or store",
    "aria-label": "Filter products and stores",
  });
  const store = h(
    "select",
    { name: "stock_store", "aria-label": "Store" },
    h("option", { value: "" }, "All stores"),
  );
  const atRisk = h("input", { type: "checkbox", name: "at_risk" });
  const status = h("p", { class: "list-status", role: "status", "aria-live": "polite" });
  const table = h("table", { class: "stock", "aria-label": "Stock by store and product" });

  function visible() {
    const needle = text.value.trim().toLowerCase();
    return sortStock(items, sortKey, direction).filter((item) =>
      (!store.value || item.store_id === store.value) &&
      (!atRisk.checked || item.alert !== null) &&
      (!needle ||
        [item.store_id, item.store_name, item.product_id, item.product_name]
          .some((value) => value?.toLowerCase().includes(needle)))
    );
  }

  function render() {
    const rows = visible();
    status.textContent = `${rows.length} of ${items.length} items`;
    replace(
      table,
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          COLUMNS.map(([key, label]) =>
            h(
              "th",
              {
                scope: "col",
                "aria-sort": key === sortKey
                  ? (direction === "asc" ? "ascending" : "descending")
                  : null,
              },
              h(
                "button",
                {
                  type: "button",
                  class: "sort",
                  "data-sort": key,
                  onclick: () => {
                    direction = key === sortKey && direction === "asc" ? "desc" : "asc";
                    sortKey = key;
                    render();
                  },
                },
                label,
                key === sortKey ? (direction === "asc" ? " ▲" : " ▼") : "",
              ),
            )
          ),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((item) =>
          h(
            "tr",
            {
              class: item.alert ? `sev-${item.alert.severity}` : "",
              "data-item": `${item.store_id}/${item.product_id}`,
            },
            h("td", {}, item.store_name ?? item.store_id),
            h("td", {}, item.product_name ?? item.product_id),
            h("td", { class: "num" }, formatNumber(item.on_hand)),
            h(
              "td",
              { class: `num cover ${coverClass(item.days_of_cover)}` },
              item.days_of_cover === null ? "–" : `${formatNumber(item.days_of_cover)} d`,
            ),
            h("td", { class: `trend trend-${item.trend ?? "none"}` }, trendLabel(item)),
            h(
              "td",
              {},
              item.alert
                ? h(
                  "a",
                  {
                    href: `#/alerts/${item.alert.id}`,
                    onclick: (event: Event) => {
                      event.preventDefault();
                      onOpenAlert(item.alert!.id);
                    },
                  },
                  h("span", { class: `badge sev-${item.alert.severity}` }, item.alert.severity),
                  ` ${item.alert.title}`,
                )
                : "–",
            ),
          )
        ),
      ),
    );
  }

  for (const input of [store, atRisk]) input.addEventListener("change", render);
  text.addEventListener("input", render);

  api.get<{ data: StockItem[] }>("/stock", { limit: "5000" }).then(({ data }) => {
    items = data;
    const stores = new Map(data.map((item) => [item.store_id, item.store_name ?? item.store_id]));
    store.append(...[...stores].map(([id, name]) => h("option", { value: id }, name)));
    render();
  }).catch((error) => (status.textContent = `Could not load stock: ${error.message}`));
  status.textContent = "Loading…";

  return h(
    "section",
    { class: "stock-view", "aria-labelledby": "stock-title" },
    h("h1", { id: "stock-title" }, "Stock"),
    h(
      "div",
      { class: "filters" },
      text,
      store,
      h("label", { class: "inline" }, atRisk, " Only items with an open alert"),
    ),
    status,
    h("div", { class: "table-scroll" }, table),
  );
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function coverClass(days: number | null): string {
  if (days === null) return "";
  if (days < 1) return "cover-critical";
  if (days < 2) return "cover-high";
  if (days < 3) return "cover-medium";
  return "";
}

function trendLabel(item: StockItem): string {
  if (item.trend === null) return "–";
  const arrow = item.trend === "rising" ? "↑" : item.trend === "falling" ? "↓" : "→";
  const pct = item.trend_percent === null
    ? ""
    : ` ${item.trend_percent > 0 ? "+" : ""}${item.trend_percent}%`;
  return `${arrow} ${item.trend}${pct}`;
}
