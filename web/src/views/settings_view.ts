/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * Settings: rules (with dry run), maintenance windows, the team's notification settings, my own
 * preferences, and this device (sound, desktop notifications, web push).
 */

import type { Api } from "../api.ts";
import { readAttentionPrefs, saveAttentionPrefs } from "../attention.ts";
import { toast } from "../components/toast.ts";
import { h } from "../dom.ts";
import { disablePush, enablePush, pushEnabled, pushSupported } from "../push.ts";
import { myPreferencesPanel } from "./my_preferences.ts";
import { notificationSettingsPanel } from "./notification_settings.ts";
import { rulesPanel } from "./rules_editor.ts";
import { suppressionsPanel } from "./suppressions_panel.ts";

/**
 * Builds the view.
 *
 * @example
 * ```ts
 * main.append(settingsView({ api, me }));
 * ```
 */
export function settingsView({ api, me }: { api: Api; me: { role: string } }): HTMLElement {
  const manager = me.role === "manager" || me.role === "owner";
  return h(
    "section",
    { class: "settings-view", "aria-labelledby": "settings-title" },
    h("h1", { id: "settings-title" }, "Settings"),
    h(
      "nav",
      { class: "sub-nav", "aria-label": "Settings sections" },
      [
        ["rules-title", "Rules"],
        ["suppressions-title", "Maintenance"],
        [
          "team-notifications-title",
          "Team",
        ],
        ["my-notifications-title", "Me"],
        ["device-title", "This device"],
      ].map(([id, label]) =>
        h("a", {
          href: `#/settings`,
          onclick: (event: Event) => {
            event.preventDefault();
            document.getElementById(id)?.scrollIntoView();
          },
        }, label)
      ),
    ),
    rulesPanel({ api, canEdit: manager }),
    suppressionsPanel({ api, canEdit: manager }),
    notificationSettingsPanel({ api, canEdit: me.role === "owner" }),
    myPreferencesPanel({ api }),
    devicePanel(api),
  );
}

function devicePanel(api: Api): HTMLElement {
  const prefs = readAttentionPrefs();
  const sound = h("input", { type: "checkbox", name: "sound", checked: prefs.sound });
  const desktop = h("input", { type: "checkbox", name: "desktop", checked: prefs.desktop });
  const store = () => saveAttentionPrefs({ sound: sound.checked, desktop: desktop.checked });
  sound.addEventListener("change", store);
  desktop.addEventListener("change", async () => {
    if (desktop.checked && "Notification" in globalThis) {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        desktop.checked = false;
        toast("Desktop notifications are blocked for this site", "error");
      }
    }
    store();
  });
  const pushState = h("span", { role: "status" }, pushEnabled() ? "on" : "off");
  const pushButton = h("button", {
    type: "button",
    disabled: !pushSupported(),
    onclick: async () => {
      try {
        if (pushEnabled()) await disablePush(api);
        else await enablePush(api);
        pushState.textContent = pushEnabled() ? "on" : "off";
        pushButton.textContent = pushEnabled() ? "Turn off web push" : "Turn on web push";
      } catch (error) {
        toast((error as Error).message, "error");
      }
    },
  }, pushEnabled() ? "Turn off web push" : "Turn on web push");
  return h(
    "section",
    { class: "panel", "aria-labelledby": "device-title" },
    h("h2", { id: "device-title" }, "This device"),
    h("label", { class: "inline" }, sound, " Play a sound for new critical alerts"),
    h(
      "label",
      { class: "inline" },
      desktop,
      " Desktop notification for new critical alerts (while open)",
    ),
    h(
      "p",
      {},
      "Web push (even when the dashboard is closed): ",
      pushState,
      " ",
      pushButton,
      pushSupported() ? null : h("span", { class: "muted" }, " Not supported in this browser."),
    ),
  );
}
