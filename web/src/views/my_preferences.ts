/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * My notification preferences (`/members/me/preferences`): name and contact points, consent per
 * channel, channels per severity, quiet hours and digest.
 */

import type { Api } from "../api.ts";
import { channelGrid } from "../components/channel_grid.ts";
import { h, replace } from "../dom.ts";
import { quietHoursFields, reportSave } from "../components/quiet_hours.ts";

interface MyPreferences {
  display_name: string;
  email: string | null;
  phone: string | null;
  email_consent: boolean;
  sms_consent: boolean;
  whatsapp_consent: boolean;
  push_consent: boolean;
  preferences: {
    channels?: Record<string, string[]>;
    quiet_hours?: { start: string; end: string } | null;
    digest?: string;
  };
}

const CHANNELS = ["email", "sms", "whatsapp", "push", "digest"] as const;

/**
 * Builds the panel.
 *
 * @example
 * ```ts
 * settings.append(myPreferencesPanel({ api }));
 * ```
 */
export function myPreferencesPanel({ api }: { api: Api }): HTMLElement {
  const body = h("div", {}, h("p", { role: "status" }, "Loading…"));
  const message = h("p", { class: "form-message", role: "status", "aria-live": "polite" });

  api.get<MyPreferences>("/members/me/preferences").then((me) => {
    const name = h("input", { name: "display_name", value: me.display_name });
    const email = h("input", { type: "email", name: "my_email", value: me.email ?? "" });
    const phone = h("input", {
      type: "tel",
      name: "my_phone",
      value: me.phone ?? "",
      placeholder: "+4915112345678",
    });
    const consents = (["email", "sms", "whatsapp", "push"] as const).map((channel) => ({
      channel,
      input: h("input", {
        type: "checkbox",
        name: `consent_${channel}`,
        checked: me[`${channel}_consent`],
      }),
    }));
    const grid = channelGrid("mine", CHANNELS, me.preferences.channels ?? {});
    const quiet = quietHoursFields("my_quiet", me.preferences.quiet_hours ?? null);
    const digest = h(
      "select",
      { name: "digest" },
      ["hourly", "daily", "off"].map((d) =>
        h("option", { value: d, selected: me.preferences.digest === d }, d)
      ),
    );

    async function save(event: Event) {
      event.preventDefault();
      await reportSave(message, () =>
        api.patch("/members/me/preferences", {
          display_name: name.value,
          email: email.value.trim() || null,
          phone: phone.value.trim() || null,
          ...Object.fromEntries(
            consents.map(({ channel, input }) => [`${channel}_consent`, input.checked]),
          ),
          channels: grid.read(),
          quiet_hours: quiet.read(),
          digest: digest.value,
        }));
    }

    replace(
      body,
      h(
        "form",
        { class: "stack-form", onsubmit: save, "aria-label": "My notification preferences" },
        h("label", { class: "field" }, h("span", {}, "Name"), name),
        h("label", { class: "field" }, h("span", {}, "Email"), email),
        h("label", { class: "field" }, h("span", {}, "Phone (SMS)"), phone),
        h(
          "fieldset",
          { class: "inline-checks" },
          h("legend", {}, "I agree to receive alerts by"),
          consents.map(({ channel, input }) => h("label", {}, input, ` ${channel}`)),
        ),
        h("h3", {}, "My channels per severity"),
        h("p", { class: "muted" }, "Leave a row empty to follow the team's setting."),
        h("div", { class: "table-scroll" }, grid.element),
        h("h3", {}, "Quiet hours"),
        quiet.element,
        h("label", { class: "field" }, h("span", {}, "Digest"), digest),
        h("button", { type: "submit" }, "Save my preferences"),
        message,
      ),
    );
  }).catch((error) => replace(body, h("p", { class: "error" }, error.message)));

  return h(
    "section",
    { class: "panel", "aria-labelledby": "my-notifications-title" },
    h("h2", { id: "my-notifications-title" }, "My notifications"),
    body,
  );
}
