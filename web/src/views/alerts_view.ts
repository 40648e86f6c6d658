/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * The live alerts page: counters, filters, the list with selection and bulk actions, and the open
 * alert's detail beside it (over it on a phone).
 */

import type { AlertAction, AlertsController } from "../alerts_controller.ts";
import { alertRow } from "../components/alert_row.ts";
import { counters } from "../components/counters.ts";
import { toast } from "../components/toast.ts";
import { h, replace } from "../dom.ts";
import { type AlertFilters, DEFAULT_FILTERS } from "../filters.ts";
import type { Store } from "../store.ts";
import { SEVERITIES, STATUSES } from "../types.ts";
import type { AlertDetailPanel } from "./alert_detail.ts";

/** What the keyboard shortcuts can do on this page. */
export interface AlertsView {
  element: HTMLElement;
  moveFocus(delta: number): void;
  openFocused(): void;
  toggleFocused(): void;
  /** Acts on the open alert, else the selection, else the focused row. */
  act(action: AlertAction): void;
  focusSearch(): void;
  closeDetail(): void;
}

/**
 * Builds the page.
 *
 * @example
 * ```ts
 * const view = alertsView({ store, alerts, detail, canAct: true });
 * main.append(view.element);
 * ```
 */
export function alertsView(
  { store, alerts, detail, canAct }: {
    store: Store;
    alerts: AlertsController;
    detail: AlertDetailPanel;
    canAct: boolean;
  },
): AlertsView {
  const countersSlot = h("div", { class: "counters-slot" });
  const listSlot = h("ul", { class: "alert-list", "aria-label": "Alerts", id: "alert-list" });
  const statusLine = h("p", { class: "list-status", role: "status", "aria-live": "polite" });
  const more = h("button", {
    type: "button",
    class: "secondary",
    hidden: true,
    onclick: () => alerts.loadMore().catch((e) => toast(e.message, "error")),
  }, "Load more");

  const search = h("input", {
    type: "search",
    name: "text",
    placeholder: "Search title and description  ( / )",
    "aria-label": "Search",
  });
  const severity = h(
    "select",
    { name: "severity", "aria-label": "Severity" },
    h("option", { value: "" }, "Any severity"),
    [...SEVERITIES].reverse().map((s) => h("option", { value: s }, s)),
  );
  const status = h(
    "select",
    { name: "status", "aria-label": "Status" },
    h("option", { value: "open" }, "Open"),
    h("option", { value: "" }, "Any status"),
    STATUSES.map((s) => h("option", { value: s }, s)),
  );
  const alertType = h("input", {
    name: "alert_type",
    placeholder: "Type, e.g. stock.low",
    "aria-label": "Alert type",
    list: "alert-types",
  });
  const storeId = h("input", {
    name: "store_id",
    placeholder: "Store",
    "aria-label": "Store",
    list: "alert-stores",
  });
  const typeList = h("datalist", { id: "alert-types" });
  const storeList = h("datalist", { id: "alert-stores" });

  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  function readFilters(): AlertFilters {
    return {
      severity: severity.value as AlertFilters["severity"],
      status: status.value as AlertFilters["status"],
      alertType: alertType.value,
      storeId: storeId.value,
      text: search.value,
    };
  }
  function applyFilters(filters: AlertFilters) {
    severity.value = filters.severity;
    status.value = filters.status;
    alertType.value = filters.alertType;
    storeId.value = filters.storeId;
    search.value = filters.text;
    store.update({ filters, focus: 0 });
    void alerts.load();
  }
  const onFilterChange = () => applyFilters(readFilters());
  const form = h(
    "form",
    {
      class: "filters",
      role: "search",
      onsubmit: (event: Event) => {
        event.preventDefault();
        onFilterChange();
      },
    },
    search,
    severity,
    status,
    alertType,
    storeId,
    typeList,
    storeList,
    h("button", {
      type: "button",
      class: "secondary",
      onclick: () => applyFilters({ ...DEFAULT_FILTERS }),
    }, "Clear"),
  );
  for (const input of [severity, status]) input.addEventListener("change", onFilterChange);
  for (const input of [alertType, storeId]) input.addEventListener("change", onFilterChange);
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(onFilterChange, 300);
  });

  const bulkNote = h("input", {
    name: "bulk_note",
    placeholder: "Note (optional)",
    "aria-label": "Note for the selected alerts",
  });
  const selectAll = h("input", {
    type: "checkbox",
    "aria-label": "Select all shown alerts",
    onchange: () => {
      const { alerts: shown } = store.get();
      store.update({
        selected: selectAll.checked ? new Set(shown.map((a) => a.id)) : new Set(),
      });
    },
  });
  const selectedCount = h("span", { class: "selected-count" });
  const bulkButtons = canAct
    ? [
      h("button", { type: "button", onclick: () => bulk("acknowledge") }, "Acknowledge selected"),
      h("button", { type: "button", onclick: () => bulk("resolve") }, "Resolve selected"),
    ]
    : [];
  const bulkBar = h(
    "div",
    { class: "bulk-bar", role: "region", "aria-label": "Bulk actions" },
    h("label", { class: "select-all" }, selectAll, " All"),
    selectedCount,
    canAct ? bulkNote : null,
    bulkButtons,
  );

  async function bulk(action: "acknowledge" | "resolve") {
    const ids = [...store.get().selected];
    if (ids.length === 0) return toast("Select alerts first (x or the checkboxes)", "info");
    const failures = await alerts.act(action, ids, { note: bulkNote.value }).catch((e) => [
      e.message,
    ]);
    bulkNote.value = "";
    store.update({ selected: new Set() });
    toast(
      failures.length
        ? `${ids.length - failures.length} of ${ids.length} done: ${failures[0]}`
        : `${ids.length} alert${ids.length > 1 ? "s" : ""} ${action}d`,
      failures.length ? "error" : "ok",
    );
  }

  const layout = h(
    "div",
    { class: "alerts-layout" },
    h(
      "section",
      { class: "alerts-main", "aria-label": "Alert feed" },
      countersSlot,
      form,
      bulkBar,
      statusLine,
      listSlot,
      more,
    ),
    detail.element,
  );

  function render() {
    const state = store.get();
    replace(
      countersSlot,
      counters(state.summary, (sev, st) => {
        applyFilters({ ...readFilters(), severity: sev, status: st });
      }),
    );
    replace(
      listSlot,
      state.alerts.map((alert, index) =>
        alertRow(alert, {
          selected: state.selected.has(alert.id),
          focused: index === state.focus,
          open: alert.id === state.openId,
          fresh: state.fresh.has(alert.id),
        }, {
          onOpen: () => openAlert(alert.id, index),
          onToggle: () => toggle(alert.id),
        })
      ),
    );
    statusLine.textContent = state.error
      ? `Could not load alerts: ${state.error}`
      : state.loading && state.alerts.length === 0
      ? "Loading…"
      : state.alerts.length === 0
      ? "No alerts match these filters."
      : `${state.alerts.length}${state.nextCursor ? "+" : ""} alerts`;
    more.hidden = !state.nextCursor;
    selectedCount.textContent = state.selected.size ? `${state.selected.size} selected` : "";
    selectAll.checked = state.alerts.length > 0 && state.selected.size === state.alerts.length;
    replace(
      typeList,
      [...new Set(state.alerts.map((a) => a.alert_type))].map((t) => h("option", { value: t })),
    );
    replace(
      storeList,
      [...new Set(state.alerts.map((a) => a.store_id).filter(Boolean))].map((s) =>
        h("option", { value: s as string })
      ),
    );
  }
  store.subscribe(render);
  render();

  function openAlert(id: string, index?: number) {
    store.update({ openId: id, ...(index === undefined ? {} : { focus: index }) });
    detail.open(id);
  }
  function toggle(id: string) {
    const selected = new Set(store.get().selected);
    if (selected.has(id)) selected.delete(id);
    else selected.add(id);
    store.update({ selected });
  }
  function focused() {
    const { alerts: shown, focus } = store.get();
    return shown[focus];
  }

  return {
    element: layout,
    moveFocus(delta) {
      const { alerts: shown, focus } = store.get();
      if (shown.length === 0) return;
      const next = Math.max(0, Math.min(shown.length - 1, focus + delta));
      store.update({ focus: next });
      requestAnimationFrame(() => {
        listSlot.children[next]?.querySelector<HTMLButtonElement>(".alert-title")?.focus();
      });
    },
    openFocused() {
      const alert = focused();
      if (alert) openAlert(alert.id);
    },
    toggleFocused() {
      const alert = focused();
      if (alert) toggle(alert.id);
    },
    act(action) {
      if (!canAct) return toast("Your role may only look at alerts", "info");
      const { openId, selected } = store.get();
      if (openId) return detail.act(action);
      const ids = selected.size ? [...selected] : [focused()?.id].filter(Boolean) as string[];
      if (ids.length === 0) return;
      void alerts.act(action, ids, { note: bulkNote.value }).then((failures) => {
        if (failures.length) toast(failures[0], "error");
      });
    },
    focusSearch: () => search.focus(),
    closeDetail() {
      store.update({ openId: null });
      detail.close();
    },
  };
}
