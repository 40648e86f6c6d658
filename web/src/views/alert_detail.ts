/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * The open alert: what it is, its business impact and recommended action, who else is looking
 * (Realtime presence), the actions with a note, its history timeline and its deliveries.
 */

import type { AlertAction, AlertsController } from "../alerts_controller.ts";
import type { Api } from "../api.ts";
import { toast } from "../components/toast.ts";
import { h, replace, timeAgo } from "../dom.ts";
import type { Store } from "../store.ts";
import type { AlertDetail } from "../types.ts";

/** The panel. */
export interface AlertDetailPanel {
  element: HTMLElement;
  open(id: string): void;
  close(): void;
  act(action: AlertAction): void;
}

/** What the panel needs. */
export interface DetailOptions {
  api: Api;
  alerts: AlertsController;
  store: Store;
  /** user_id → display name, for the history. */
  names: Map<string, string>;
  meId: string;
  canAct: boolean;
  /** Tells Realtime presence which alert this tab has open. */
  onViewing(id: string | null): void;
  onClose(): void;
}

/**
 * Builds the panel (hidden until an alert is opened).
 *
 * @example
 * ```ts
 * const detail = alertDetailPanel({ api, alerts, store, names, meId, canAct, onViewing, onClose });
 * detail.open(alertId);
 * ```
 */
export function alertDetailPanel(options: DetailOptions): AlertDetailPanel {
  const { api, alerts, store, names, meId, canAct, onViewing, onClose } = options;
  const element = h("aside", {
    class: "detail",
    id: "alert-detail",
    "aria-label": "Alert detail",
    hidden: true,
    tabindex: "-1",
  });
  let openId: string | null = null;
  let current: AlertDetail | null = null;
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  const note = h("textarea", {
    name: "note",
    rows: "2",
    placeholder: "Note for the history (optional)",
    "aria-label": "Note",
  });
  const snoozeFor = h(
    "select",
    { name: "snooze_minutes", "aria-label": "Snooze for" },
    [[15, "15 min"], [60, "1 hour"], [240, "4 hours"], [1440, "1 day"]].map(([value, label]) =>
      h("option", { value: String(value), selected: value === 60 }, String(label))
    ),
  );
  const viewers = h("p", { class: "viewers", "aria-live": "polite" });

  async function load(id: string) {
    try {
      const detail = await api.get<AlertDetail>(`/${id}`);
      if (openId !== id) return;
      current = detail;
      render();
    } catch (error) {
      if (openId !== id) return;
      replace(element, closeButton(), h("p", { class: "error" }, (error as Error).message));
    }
  }

  function closeButton() {
    return h("button", {
      type: "button",
      class: "close secondary",
      "aria-label": "Close detail (Esc)",
      onclick: onClose,
    }, "×");
  }

  function renderViewers() {
    const others = store.get().presence.filter((p) => p.viewing === openId && p.user_id !== meId);
    const unique = [...new Set(others.map((p) => p.name))];
    viewers.textContent = unique.length ? `Also viewing: ${unique.join(", ")}` : "";
  }

  async function act(action: AlertAction) {
    if (!current || !canAct) return;
    const failures = await alerts.act(action, [current.id], {
      note: note.value,
      minutes: Number(snoozeFor.value),
    });
    if (failures.length) return toast(failures[0], "error");
    note.value = "";
    toast(`Alert ${action === "snooze" ? "snoozed" : `${action}d`}`, "ok");
    void load(current.id);
  }

  function render() {
    const a = current;
    if (!a) return;
    const facts: Array<[string, string | null]> = [
      ["Type", a.alert_type],
      ["Category", a.category],
      ["Store", a.store_id],
      ["Product", a.product_id],
      ["Source", a.source],
      ["Occurrences", String(a.occurrence_count)],
      ["First seen", new Date(a.first_seen_at).toLocaleString()],
      ["Last seen", new Date(a.last_seen_at).toLocaleString()],
      ["Escalation level", String(a.escalation_level)],
      ["Snoozed until", a.snoozed_until ? new Date(a.snoozed_until).toLocaleString() : null],
      ["Acknowledged", a.acknowledged_at ? who(a.acknowledged_by, a.acknowledged_at) : null],
      ["Resolved", a.resolved_at ? who(a.resolved_by, a.resolved_at) : null],
    ];
    const metadata = Object.entries(a.metadata ?? {}).map(([key, value]) =>
      [key, typeof value === "object" ? JSON.stringify(value) : String(value)] as [string, string]
    );
    const actions = canAct
      ? h(
        "div",
        { class: "actions", role: "group", "aria-label": "Actions" },
        note,
        h(
          "div",
          { class: "action-buttons" },
          a.status === "active"
            ? h("button", { type: "button", onclick: () => act("acknowledge") }, "Acknowledge (a)")
            : null,
          a.status !== "resolved"
            ? h("button", { type: "button", onclick: () => act("resolve") }, "Resolve (r)")
            : null,
          a.status === "active" || a.status === "acknowledged"
            ? h(
              "span",
              { class: "snooze" },
              snoozeFor,
              h("button", { type: "button", onclick: () => act("snooze") }, "Snooze (s)"),
            )
            : null,
          a.status === "snoozed"
            ? h("button", { type: "button", onclick: () => act("unsnooze") }, "Unsnooze")
            : null,
        ),
      )
      : h("p", { class: "muted" }, "Viewers can look but not act on alerts.");

    replace(
      element,
      closeButton(),
      h(
        "header",
        {},
        h("span", { class: `badge sev-${a.severity}` }, a.severity),
        h("span", { class: `status status-${a.status}` }, a.status),
        h("h2", { id: "detail-title" }, a.title),
      ),
      viewers,
      h("p", {}, a.description),
      a.business_impact || a.impact_value !== null
        ? h(
          "section",
          { class: "callout impact" },
          h("h3", {}, "Business impact"),
          h("p", {}, a.business_impact ?? ""),
          a.impact_value !== null
            ? h("p", { class: "impact-value" }, `Estimated value at stake: ${a.impact_value}`)
            : null,
        )
        : null,
      a.recommended_action
        ? h(
          "section",
          { class: "callout action" },
          h("h3", {}, "Recommended action"),
          h("p", {}, a.recommended_action),
        )
        : null,
      actions,
      h(
        "dl",
        { class: "facts" },
        [...facts, ...metadata].filter(([, value]) => value !== null && value !== "").map((
          [key, value],
        ) => [h("dt", {}, key), h("dd", {}, value as string)]),
      ),
      h("h3", {}, "History"),
      h(
        "ol",
        { class: "timeline" },
        a.history.map((entry) =>
          h(
            "li",
            {},
            h("time", { datetime: entry.created_at }, timeAgo(entry.created_at)),
            " ",
            h("strong", {}, entry.action.replace(/_/g, " ")),
            entry.to_status && entry.from_status !== entry.to_status
              ? ` (${entry.from_status ?? "–"} → ${entry.to_status})`
              : "",
            ` by ${entry.actor_id ? names.get(entry.actor_id) ?? "a member" : "Shelfwatch"}`,
            entry.note ? h("blockquote", {}, entry.note) : null,
          )
        ),
      ),
      h("h3", {}, "Deliveries"),
      a.deliveries.length
        ? h(
          "table",
          { class: "deliveries" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Channel", "Why", "Status", "Tries", "Sent"].map((t) =>
                h("th", { scope: "col" }, t)
              ),
            ),
          ),
          h(
            "tbody",
            {},
            a.deliveries.map((d) =>
              h(
                "tr",
                {},
                h("td", {}, d.channel),
                h("td", {}, d.reason),
                h(
                  "td",
                  { class: `delivery-${d.status}` },
                  d.status,
                  d.error_reason ? ` (${d.error_reason})` : "",
                ),
                h("td", {}, String(d.attempts)),
                h("td", {}, d.sent_at ? timeAgo(d.sent_at) : "–"),
              )
            ),
          ),
        )
        : h("p", { class: "muted" }, "No notifications sent for this alert."),
    );
    renderViewers();
  }

  function who(actor: string | null, at: string) {
    return `${timeAgo(at)} by ${actor ? names.get(actor) ?? "a member" : "Shelfwatch"}`;
  }

  alerts.onChange((change) => {
    if (change.record.id !== openId) return;
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => openId && load(openId), 200);
  });
  store.subscribe(renderViewers);

  return {
    element,
    open(id) {
      openId = id;
      current = null;
      element.hidden = false;
      replace(element, closeButton(), h("p", { class: "muted" }, "Loading…"));
      onViewing(id);
      void load(id).then(() => element.focus());
    },
    close() {
      openId = null;
      current = null;
      element.hidden = true;
      onViewing(null);
    },
    act: (action) => void act(action),
  };
}
