/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * Suppressions (maintenance windows): the ones in force or planned, a form to start one, and a
 * button to end one early.
 */

import type { Api } from "../api.ts";
import { toast } from "../components/toast.ts";
import { h, replace } from "../dom.ts";

interface Suppression {
  id: string;
  alert_types: string[] | null;
  store_ids: string[] | null;
  product_ids: string[] | null;
  starts_at: string;
  ends_at: string;
  ended_early_at: string | null;
  reason: string;
  active: boolean;
}

const list = (value: string) => {
  const items = value.split(",").map((item) => item.trim()).filter(Boolean);
  return items.length ? items : null;
};

/**
 * Builds the panel.
 *
 * @example
 * ```ts
 * settings.append(suppressionsPanel({ api, canEdit: true }));
 * ```
 */
export function suppressionsPanel({ api, canEdit }: { api: Api; canEdit: boolean }): HTMLElement {
  const rows = h("ul", { class: "suppressions" });
  const reason = h("input", {
    name: "suppression_reason",
    required: true,
    placeholder: "Stocktake at Mitte",
  });
  const types = h("input", { name: "suppression_types", placeholder: "inventory.*  (empty: all)" });
  const stores = h("input", {
    name: "suppression_stores",
    placeholder: "mitte, kreuzberg  (empty: all)",
  });
  const products = h("input", { name: "suppression_products", placeholder: "(empty: all)" });
  const hours = h("input", {
    name: "suppression_hours",
    type: "number",
    min: "0.25",
    step: "0.25",
    value: "2",
  });
  const message = h("p", { class: "form-message", role: "status", "aria-live": "polite" });

  async function load() {
    try {
      const { data } = await api.get<{ data: Suppression[] }>("/suppressions");
      const current = data.filter((s) => !s.ended_early_at && Date.parse(s.ends_at) > Date.now());
      replace(
        rows,
        current.length === 0
          ? h("li", { class: "muted" }, "No maintenance window in force or planned.")
          : null,
        current.map((s) =>
          h(
            "li",
            { "data-suppression": s.reason },
            h("strong", {}, s.reason),
            h(
              "span",
              { class: "muted" },
              ` ${s.active ? "in force" : "planned"} until ${
                new Date(s.ends_at).toLocaleString()
              } · `,
              `types ${s.alert_types?.join(", ") ?? "all"} · stores ${
                s.store_ids?.join(", ") ?? "all"
              }`,
              s.product_ids ? ` · products ${s.product_ids.join(", ")}` : "",
            ),
            canEdit
              ? h("button", {
                type: "button",
                class: "secondary",
                onclick: () =>
                  api.post(`/suppressions/${s.id}/end`).then(load).catch((e) =>
                    toast(e.message, "error")
                  ),
              }, "End now")
              : null,
          )
        ),
      );
    } catch (error) {
      message.textContent = (error as Error).message;
    }
  }

  async function create(event: Event) {
    event.preventDefault();
    try {
      await api.post("/suppressions", {
        reason: reason.value.trim(),
        alert_types: list(types.value),
        store_ids: list(stores.value),
        product_ids: list(products.value),
        ends_at: new Date(Date.now() + Number(hours.value) * 3600e3).toISOString(),
      });
      reason.value = "";
      message.textContent = "Maintenance window started.";
      void load();
    } catch (error) {
      message.textContent = (error as Error).message;
    }
  }

  void load();
  return h(
    "section",
    { class: "panel", "aria-labelledby": "suppressions-title" },
    h("h2", { id: "suppressions-title" }, "Maintenance windows"),
    h(
      "p",
      { class: "muted" },
      "While a window is in force, matching events and scoring raise no alerts.",
    ),
    rows,
    canEdit
      ? h(
        "form",
        { class: "stack-form", onsubmit: create, "aria-label": "Start a maintenance window" },
        h("label", { class: "field" }, h("span", {}, "Reason"), reason),
        h("label", { class: "field" }, h("span", {}, "Alert types"), types),
        h("label", { class: "field" }, h("span", {}, "Stores"), stores),
        h("label", { class: "field" }, h("span", {}, "Products"), products),
        h("label", { class: "field" }, h("span", {}, "For how many hours"), hours),
        h("button", { type: "submit" }, "Start window"),
        message,
      )
      : h("p", { class: "muted" }, "Managers and owners start maintenance windows."),
  );
}
