/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * The team's notification settings (`/config` → notifications): channels per severity, default
 * quiet hours and escalation. Owners change them; everyone else sees them.
 */

import type { Api } from "../api.ts";
import { channelGrid, type ChannelsPerSeverity } from "../components/channel_grid.ts";
import { h, replace } from "../dom.ts";
import { quietHoursFields, reportSave } from "../components/quiet_hours.ts";

/** The engine's defaults (private.notification_defaults() in SQL), shown until a team sets its own. */
const DEFAULT_CHANNELS: ChannelsPerSeverity = {
  critical: ["whatsapp", "sms", "email", "push"],
  high: ["email", "push"],
  medium: ["push"],
  low: ["digest"],
};
const DEFAULT_ESCALATION: Record<string, { after_minutes: number; repeats: number } | undefined> = {
  critical: { after_minutes: 15, repeats: 3 },
  high: { after_minutes: 60, repeats: 2 },
};
const CHANNELS = ["email", "sms", "whatsapp", "push", "digest"] as const;

interface Notifications {
  channels?: ChannelsPerSeverity;
  quiet_hours?: { start: string; end: string } | null;
  escalation?: Record<string, { after_minutes?: number; repeats?: number } | null>;
}

/**
 * Builds the panel.
 *
 * @example
 * ```ts
 * settings.append(notificationSettingsPanel({ api, canEdit: me.role === "owner" }));
 * ```
 */
export function notificationSettingsPanel({ api, canEdit }: { api: Api; canEdit: boolean }) {
  const body = h("div", {}, h("p", { role: "status" }, "Loading…"));
  const message = h("p", { class: "form-message", role: "status", "aria-live": "polite" });

  api.get<{ settings: { notifications?: Notifications } }>("/config").then(({ settings }) => {
    const n = settings.notifications ?? {};
    const grid = channelGrid("team", CHANNELS, { ...DEFAULT_CHANNELS, ...n.channels }, {
      disabled: !canEdit,
    });
    const quietHours = quietHoursFields("team_quiet", n.quiet_hours ?? null, {
      disabled: !canEdit,
    });
    const escalation = ["critical", "high", "medium"].map((severity) => {
      const policy = { ...DEFAULT_ESCALATION[severity], ...n.escalation?.[severity] };
      const after = h("input", {
        type: "number",
        min: "1",
        name: `escalate_${severity}_after`,
        value: policy.after_minutes ?? "",
        "aria-label": `${severity}: escalate after minutes`,
        disabled: !canEdit,
      });
      const repeats = h("input", {
        type: "number",
        min: "0",
        name: `escalate_${severity}_repeats`,
        value: policy.repeats ?? "",
        "aria-label": `${severity}: repeats`,
        disabled: !canEdit,
      });
      return { severity, after, repeats };
    });

    async function save(event: Event) {
      event.preventDefault();
      const escalate = Object.fromEntries(escalation.map(({ severity, after, repeats }) => [
        severity,
        after.value
          ? { after_minutes: Number(after.value), repeats: Number(repeats.value || 0) }
          : null,
      ]));
      await reportSave(message, () =>
        api.patch("/config", {
          notifications: {
            channels: grid.read(),
            quiet_hours: quietHours.read(),
            escalation: escalate,
          },
        }));
    }

    replace(
      body,
      h(
        "form",
        { class: "stack-form", onsubmit: save, "aria-label": "Team notification settings" },
        h("h3", {}, "Channels per severity"),
        h("div", { class: "table-scroll" }, grid.element),
        h("h3", {}, "Default quiet hours"),
        h("p", { class: "muted" }, "Members may set their own; critical alerts still go out."),
        quietHours.element,
        h("h3", {}, "Escalation"),
        h(
          "div",
          { class: "table-scroll" },
          h(
            "table",
            { class: "grid", "aria-label": "Escalation per severity" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col" }, "Severity"),
                h("th", { scope: "col" }, "After (min)"),
                h("th", { scope: "col" }, "Repeats"),
              ),
            ),
            h(
              "tbody",
              {},
              escalation.map(({ severity, after, repeats }) =>
                h(
                  "tr",
                  {},
                  h("th", { scope: "row" }, severity),
                  h("td", {}, after),
                  h("td", {}, repeats),
                )
              ),
            ),
          ),
        ),
        canEdit
          ? h("button", { type: "submit" }, "Save team settings")
          : h("p", { class: "muted" }, "Owners change these."),
        message,
      ),
    );
  }).catch((error) => replace(body, h("p", { class: "error" }, error.message)));

  return h(
    "section",
    { class: "panel", "aria-labelledby": "team-notifications-title" },
    h("h2", { id: "team-notifications-title" }, "Team notifications"),
    body,
  );
}
