/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * Signing in. Hosted: email + password, or a magic link, through Supabase Auth. Local: pick one of
 * the demo users the local stack offers (one per role).
 */

import { h, replace } from "../dom.ts";
import type { DashboardConfig } from "../config.ts";
import type { Auth, DemoUser } from "../session.ts";

/**
 * Builds the sign-in page.
 *
 * @example
 * ```ts
 * main.append(signInView(config, auth));
 * ```
 */
export function signInView(config: DashboardConfig, auth: Auth): HTMLElement {
  const message = h("p", { class: "form-message", role: "status", "aria-live": "polite" });
  const page = h(
    "section",
    { class: "sign-in", "aria-labelledby": "sign-in-title" },
    h("h1", { id: "sign-in-title" }, "Sign in to Shelfwatch"),
  );
  if (config.mode === "local") {
    const list = h("ul", { class: "demo-users" }, h("li", {}, "Loading demo users…"));
    page.append(
      h("p", {}, "Local stack: choose a demo user of the demo bakery (one per role)."),
      list,
      message,
    );
    fetch(`${config.supabaseUrl}/local/v1/demo-users`)
      .then((response) => response.json() as Promise<{ users: DemoUser[] }>)
      .then(({ users }) =>
        replace(
          list,
          users.map((user) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: "demo-user",
                  "data-role": user.role,
                  onclick: () => auth.signInWithToken(user.token),
                },
                h("strong", {}, user.display_name),
                h("span", {}, ` ${user.role} · ${user.email}`),
              ),
            )
          ),
        )
      )
      .catch((error) => (message.textContent = `Cannot list demo users: ${error.message}`));
    return page;
  }

  const email = h("input", {
    type: "email",
    name: "email",
    id: "email",
    autocomplete: "email",
    required: true,
  });
  const password = h("input", {
    type: "password",
    name: "password",
    id: "password",
    autocomplete: "current-password",
  });
  async function run(work: () => Promise<void>, done: string) {
    message.textContent = "…";
    try {
      await work();
      message.textContent = done;
    } catch (error) {
      message.textContent = (error as Error).message;
    }
  }
  page.append(h(
    "form",
    {
      class: "stack-form",
      onsubmit: (event: Event) => {
        event.preventDefault();
        void run(() => auth.signInWithPassword(email.value, password.value), "");
      },
    },
    h("label", { for: "email" }, "Email"),
    email,
    h("label", { for: "password" }, "Password"),
    password,
    h("button", { type: "submit" }, "Sign in"),
    h("button", {
      type: "button",
      class: "secondary",
      onclick: () =>
        void run(() => auth.sendMagicLink(email.value), "Check your email for the sign-in link."),
    }, "Email me a sign-in link"),
    message,
  ));
  return page;
}
