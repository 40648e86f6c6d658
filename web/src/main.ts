/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * The dashboard's entry point: reads `config.js`, signs in, then shows the header (views,
 * connection indicator, user) and the view the URL hash names, with the live feed running.
 */

import { createAlertsController } from "./alerts_controller.ts";
import { type Api, createApi } from "./api.ts";
import { toast } from "./components/toast.ts";
import { readConfig } from "./config.ts";
import { h, replace } from "./dom.ts";
import { installShortcuts, SHORTCUTS } from "./keyboard.ts";
import { connectFeed, type FeedStatus } from "./realtime.ts";
import { type Auth, createAuth, type Session } from "./session.ts";
import { createStore } from "./store.ts";
import type { Member } from "./types.ts";
import { alertDetailPanel } from "./views/alert_detail.ts";
import { alertsView } from "./views/alerts_view.ts";
import { analyticsView } from "./views/analytics_view.ts";
import { settingsView } from "./views/settings_view.ts";
import { signInView } from "./views/sign_in.ts";
import { stockView } from "./views/stock_view.ts";

/** The views, in shortcut order. */
const VIEWS = ["alerts", "stock", "analytics", "settings"] as const;
type ViewName = typeof VIEWS[number];

/** The signed-in member as the API knows them. */
export interface Me {
  user_id: string;
  role: "owner" | "manager" | "staff" | "viewer";
  display_name: string;
}

const STATUS_LABELS: Record<FeedStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

const config = readConfig();
const auth = createAuth(config);
const root = document.getElementById("app") as HTMLElement;
let stop: (() => void) | undefined;
let signedIn: string | undefined;

auth.onChange((session) => {
  // A refreshed token for the same person changes nothing on screen: the API client and Realtime
  // read the current token themselves.
  const who = session ? `${session.tenantId}/${session.userId}` : undefined;
  if (who !== undefined && who === signedIn) return;
  signedIn = who;
  stop?.();
  stop = undefined;
  if (!session) {
    replace(root, h("main", { id: "main" }, signInView(config, auth)));
    return;
  }
  startApp(session, auth).then((teardown) => (stop = teardown)).catch((error) => {
    replace(
      root,
      h(
        "main",
        { id: "main", class: "sign-in" },
        h("p", { class: "error" }, `Cannot open the dashboard: ${error.message}`),
        h("button", { type: "button", onclick: () => auth.signOut() }, "Sign out"),
      ),
    );
  });
});

async function startApp(session: Session, auth: Auth): Promise<() => void> {
  const api: Api = createApi({
    supabaseUrl: config.supabaseUrl,
    anonKey: config.anonKey,
    token: () => auth.current()?.token ?? session.token,
  });
  const me = await api.get<Me>("/members/me/preferences");
  const names = new Map<string, string>([[me.user_id, me.display_name]]);
  api.get<{ data: Member[] }>("/members").then(({ data }) => {
    for (const member of data) names.set(member.user_id, member.display_name);
  }).catch(() => {/* only managers list members; others see "a member" */});

  const canAct = me.role !== "viewer";
  const store = createStore();
  // deno-lint-ignore prefer-const
  let view: ReturnType<typeof alertsView>;
  const alerts = createAlertsController({ api, store, onOpen: (id) => openAlert(id) });
  const feed = connectFeed(auth.supabase, {
    tenantId: session.tenantId,
    me: { user_id: me.user_id, name: me.display_name },
    accessToken: () => auth.current()?.token ?? session.token,
    onChange: (change) => alerts.handleChange(change),
    onStatus: (status) => store.update({ status }),
    onResync: () => void alerts.load(),
    onPresence: (presence) => store.update({ presence }),
  });
  const detail = alertDetailPanel({
    api,
    alerts,
    store,
    names,
    meId: me.user_id,
    canAct,
    onViewing: (id) => feed.viewing(id),
    onClose: () => closeDetail(),
  });
  view = alertsView({ store, alerts, detail, canAct });

  const indicator = h("span", { class: "connection", id: "connection", role: "status" });
  store.subscribe((state) => {
    indicator.dataset.status = state.status;
    indicator.textContent = STATUS_LABELS[state.status];
  });
  indicator.dataset.status = "connecting";
  indicator.textContent = STATUS_LABELS.connecting;

  const nav = h(
    "nav",
    { "aria-label": "Views" },
    VIEWS.map((name, index) =>
      h("a", { href: `#/${name}`, "data-view": name, title: `${name} (${index + 1})` }, name)
    ),
  );
  const main = h("main", { id: "main", tabindex: "-1" });
  const help = h(
    "dialog",
    { class: "help", "aria-label": "Keyboard shortcuts" },
    h("h2", {}, "Keyboard shortcuts"),
    h(
      "dl",
      {},
      SHORTCUTS.map(([key, what]) => [h("dt", {}, h("kbd", {}, key)), h("dd", {}, what)]),
    ),
    h("button", { type: "button", onclick: () => help.close() }, "Close"),
  );
  replace(
    root,
    h("a", { href: "#main", class: "skip" }, "Skip to content"),
    h(
      "header",
      { class: "top" },
      h("a", { href: "#/alerts", class: "brand" }, "Shelfwatch"),
      nav,
      indicator,
      h(
        "span",
        { class: "me" },
        h("span", { class: "me-name" }, me.display_name),
        h("span", { class: "role" }, me.role),
        h("button", {
          type: "button",
          class: "secondary",
          "aria-label": "Keyboard shortcuts",
          onclick: () => help.showModal(),
        }, "?"),
        h(
          "button",
          { type: "button", class: "secondary", onclick: () => auth.signOut() },
          "Sign out",
        ),
      ),
    ),
    main,
    help,
  );

  let shown: ViewName | undefined;
  function route() {
    const [, name = "alerts", id] = location.hash.match(/^#\/?([a-z]+)?\/?([0-9a-f-]{36})?/) ?? [];
    const next: ViewName = (VIEWS as readonly string[]).includes(name)
      ? name as ViewName
      : "alerts";
    for (const link of nav.querySelectorAll("a")) {
      link.toggleAttribute("aria-current", link.dataset.view === next);
      if (link.dataset.view === next) link.setAttribute("aria-current", "page");
    }
    if (next !== shown) {
      shown = next;
      if (next === "alerts") replace(main, view.element);
      if (next === "stock") replace(main, stockView({ api, onOpenAlert: openAlert }));
      if (next === "analytics") replace(main, analyticsView({ api }));
      if (next === "settings") replace(main, settingsView({ api, me }));
    }
    if (next === "alerts" && id && store.get().openId !== id) {
      store.update({ openId: id });
      detail.open(id);
    }
  }
  function closeDetail() {
    view.closeDetail();
    if (location.hash.startsWith("#/alerts/")) history.replaceState(null, "", "#/alerts");
  }
  function openAlert(id: string) {
    location.hash = `#/alerts/${id}`;
  }
  addEventListener("hashchange", route);
  route();
  void alerts.load();

  const onAlerts = (work: () => void) => () => shown === "alerts" && work();
  const removeShortcuts = installShortcuts({
    j: onAlerts(() => view.moveFocus(1)),
    ArrowDown: onAlerts(() => view.moveFocus(1)),
    k: onAlerts(() => view.moveFocus(-1)),
    ArrowUp: onAlerts(() => view.moveFocus(-1)),
    o: onAlerts(() => view.openFocused()),
    Enter: onAlerts(() => view.openFocused()),
    x: onAlerts(() => view.toggleFocused()),
    a: onAlerts(() => view.act("acknowledge")),
    r: onAlerts(() => view.act("resolve")),
    s: onAlerts(() => view.act("snooze")),
    "/": onAlerts(() => view.focusSearch()),
    Escape: () => {
      if (shown === "alerts" && store.get().openId) closeDetail();
    },
    "?": () => help.showModal(),
    ...Object.fromEntries(
      VIEWS.map((name, i) => [String(i + 1), () => (location.hash = `#/${name}`)]),
    ),
  });

  return () => {
    removeEventListener("hashchange", route);
    removeShortcuts();
    feed.close().catch((error) => toast(error.message, "error"));
  };
}
