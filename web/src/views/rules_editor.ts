/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * Alert rules: the list (switch on/off, edit, delete) and an editor with a dry run against the
 * last 7 days of events before saving.
 */

import type { Api } from "../api.ts";
import { toast } from "../components/toast.ts";
import { h, replace } from "../dom.ts";
import { SEVERITIES } from "../types.ts";

/** A stored rule (the fields the editor shows). */
export interface Rule {
  id: string;
  name: string;
  event_types: string[];
  conditions: { path: string; op: string; value?: unknown }[];
  severity: string | null;
  category: string;
  alert_type: string | null;
  title_template: string;
  description_template: string | null;
  recommended_action_template: string | null;
  dedup_key_template: string | null;
  channels: string[];
  active: boolean;
}

const CHANNELS = ["email", "sms", "whatsapp", "push", "slack", "discord", "webhook"];

/**
 * Builds the rules panel.
 *
 * @example
 * ```ts
 * settings.append(rulesPanel({ api, canEdit: true }));
 * ```
 */
export function rulesPanel({ api, canEdit }: { api: Api; canEdit: boolean }): HTMLElement {
  const list = h("ul", { class: "rules" });
  const editorSlot = h("div", { class: "rule-editor-slot" });
  const panel = h(
    "section",
    { class: "panel", "aria-labelledby": "rules-title" },
    h("h2", { id: "rules-title" }, "Alert rules"),
    h(
      "p",
      { class: "muted" },
      "Rules turn events (POST /functions/v1/alerts/events, or SQL inserts into alert_events) into alerts.",
    ),
    list,
    canEdit
      ? h(
        "button",
        { type: "button", onclick: () => edit(null), "data-action": "new-rule" },
        "New rule",
      )
      : h("p", { class: "muted" }, "Managers and owners edit rules."),
    editorSlot,
  );

  async function load() {
    try {
      const { data } = await api.get<{ data: Rule[] }>("/rules", { limit: "200" });
      replace(
        list,
        data.length === 0 ? h("li", { class: "muted" }, "No rules yet.") : null,
        data.map((rule) =>
          h(
            "li",
            { "data-rule": rule.name },
            h("strong", {}, rule.name),
            h(
              "span",
              { class: "muted" },
              ` ${rule.event_types.join(", ")} → ${rule.severity ?? "mapped"}`,
            ),
            rule.active ? null : h("span", { class: "status" }, "off"),
            canEdit
              ? h(
                "span",
                { class: "row-actions" },
                h("button", {
                  type: "button",
                  class: "secondary",
                  onclick: () => edit(rule),
                }, "Edit"),
                h("button", {
                  type: "button",
                  class: "secondary",
                  onclick: () =>
                    api.patch(`/rules/${rule.id}`, { active: !rule.active }).then(load).catch(fail),
                }, rule.active ? "Switch off" : "Switch on"),
                h("button", {
                  type: "button",
                  class: "secondary danger",
                  onclick: () => {
                    if (confirm(`Delete rule "${rule.name}"?`)) {
                      api.del(`/rules/${rule.id}`).then(load).catch(fail);
                    }
                  },
                }, "Delete"),
              )
              : null,
          )
        ),
      );
    } catch (error) {
      fail(error as Error);
    }
  }

  function edit(rule: Rule | null) {
    replace(
      editorSlot,
      ruleEditor({
        api,
        rule,
        onSaved: () => {
          replace(editorSlot);
          void load();
        },
        onCancel: () => replace(editorSlot),
      }),
    );
    editorSlot.querySelector("input")?.focus();
  }

  void load();
  return panel;
}

function fail(error: Error) {
  toast(error.message, "error");
}

function ruleEditor(
  { api, rule, onSaved, onCancel }: {
    api: Api;
    rule: Rule | null;
    onSaved(): void;
    onCancel(): void;
  },
): HTMLElement {
  const field = (label: string, input: HTMLElement, hint?: string) =>
    h("label", { class: "field" }, h("span", {}, label), input, hint ? h("small", {}, hint) : null);
  const name = h("input", { name: "rule_name", required: true, value: rule?.name ?? "" });
  const eventTypes = h("input", {
    name: "event_types",
    required: true,
    value: rule?.event_types.join(", ") ?? "",
    placeholder: "inventory.*, quality.temperature",
  });
  const conditions = h("textarea", {
    name: "conditions",
    rows: "3",
    value: JSON.stringify(rule?.conditions ?? [], null, 0),
  });
  const severity = h(
    "select",
    { name: "rule_severity" },
    [...SEVERITIES].reverse().map((s) =>
      h("option", { value: s, selected: (rule?.severity ?? "high") === s }, s)
    ),
  );
  const category = h("input", { name: "category", value: rule?.category ?? "operations" });
  const alertType = h("input", {
    name: "alert_type",
    value: rule?.alert_type ?? "",
    placeholder: "e.g. quality.freezer_warm",
  });
  const title = h("input", {
    name: "title_template",
    required: true,
    value: rule?.title_template ?? "",
    placeholder: "Freezer {{payload.freezer}} at {{payload.store_id}} is warm",
  });
  const description = h("textarea", {
    name: "description_template",
    rows: "2",
    value: rule?.description_template ?? "",
  });
  const action = h("textarea", {
    name: "recommended_action_template",
    rows: "2",
    value: rule?.recommended_action_template ?? "",
  });
  const dedup = h("input", { name: "dedup_key_template", value: rule?.dedup_key_template ?? "" });
  const channels = h(
    "fieldset",
    { class: "inline-checks" },
    h("legend", {}, "Also notify on (besides members' own channels)"),
    CHANNELS.map((channel) =>
      h(
        "label",
        {},
        h("input", {
          type: "checkbox",
          name: `rule-channel-${channel}`,
          value: channel,
          checked: rule?.channels?.includes(channel) ?? false,
        }),
        ` ${channel}`,
      )
    ),
  );
  const result = h("p", { class: "form-message", role: "status", "aria-live": "polite" });

  function read(): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(conditions.value || "[]");
    } catch {
      throw new TypeError(
        'Conditions must be JSON, e.g. [{"path": "temperature", "op": "gt", "value": -15}]',
      );
    }
    const picked = CHANNELS.filter((c) =>
      channels.querySelector<HTMLInputElement>(`[name="rule-channel-${c}"]`)?.checked
    );
    return {
      name: name.value.trim(),
      event_types: eventTypes.value.split(",").map((t) => t.trim()).filter(Boolean),
      conditions: parsed,
      severity: severity.value,
      category: category.value.trim() || "operations",
      alert_type: alertType.value.trim() || null,
      title_template: title.value,
      description_template: description.value || null,
      recommended_action_template: action.value || null,
      dedup_key_template: dedup.value || null,
      channels: picked,
    };
  }

  async function dryRun() {
    try {
      const { name: _name, ...body } = read();
      const outcome = await api.post<
        { evaluated: number; matched: number; events: { title: string | null }[] }
      >(
        "/rules/dry-run",
        body,
      );
      replace(
        result,
        `Dry run: ${outcome.matched} of ${outcome.evaluated} events of the last 7 days would raise an alert.`,
        outcome.events.length
          ? h("span", { class: "muted" }, ` First: ${outcome.events[0].title ?? "(no title)"}`)
          : null,
      );
    } catch (error) {
      result.textContent = (error as Error).message;
    }
  }

  async function save(event: Event) {
    event.preventDefault();
    try {
      const body = read();
      if (rule) await api.patch(`/rules/${rule.id}`, body);
      else await api.post("/rules", body);
      toast(`Rule "${body.name}" saved`, "ok");
      onSaved();
    } catch (error) {
      result.textContent = (error as Error).message;
    }
  }

  return h(
    "form",
    {
      class: "rule-editor stack-form",
      onsubmit: save,
      "aria-label": rule ? `Edit rule ${rule.name}` : "New rule",
    },
    h("h3", {}, rule ? `Edit “${rule.name}”` : "New rule"),
    field("Name", name),
    field("Event types", eventTypes, "Comma-separated; a trailing * matches a prefix"),
    field(
      "Conditions (JSON)",
      conditions,
      'e.g. [{"path": "temperature", "op": "gt", "value": -15}]',
    ),
    field("Severity", severity),
    field("Category", category),
    field("Alert type", alertType),
    field("Title", title, "Templates may use {{payload.field}}"),
    field("Description", description),
    field("Recommended action", action),
    field("Dedup key", dedup, "Repeats with the same key update one open alert"),
    channels,
    h(
      "div",
      { class: "action-buttons" },
      h("button", { type: "button", class: "secondary", onclick: dryRun }, "Dry run"),
      h("button", { type: "submit" }, "Save rule"),
      h("button", { type: "button", class: "secondary", onclick: onCancel }, "Cancel"),
    ),
    result,
  );
}
