/**
 * @module
 * The local stack's inbox page (`/inbox`, what Inbucket is for `supabase start`): every email,
 * SMS, WhatsApp, web push and webhook the stack would have sent, newest first, as plain HTML that
 * refreshes itself every few seconds. Local only: it reads with the stack's own connection and
 * asks for no token. `/inbox?channel=email` filters; the JSON API is `GET /functions/v1/notify/inbox`.
 */

import type { Sql } from "../functions/_shared/db.ts";
import { listInbox } from "../functions/notify/inbox_routes.ts";
import { CHANNEL_NAMES } from "../functions/_shared/channels.ts";

const CHANNELS: readonly string[] = CHANNEL_NAMES;

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/**
 * @example
 * ```ts
 * const inbox = createInboxPage(sql);
 * root.get("/inbox", (c) => inbox.fetch(c.req.raw));
 * ```
 */
export function createInboxPage(sql: Sql): { fetch(request: Request): Promise<Response> } {
  return {
    async fetch(request) {
      const url = new URL(request.url);
      const channel = CHANNELS.includes(url.searchParams.get("channel") ?? "")
        ? url.searchParams.get("channel")!
        : undefined;
      const messages = await listInbox(sql, { limit: 100, channel });
      const rows = messages.map((m) => {
        const body = m.body_html
          ? `<iframe sandbox srcdoc="${escapeHtml(m.body_html)}"></iframe>`
          : "";
        const json = m.body_json === null
          ? ""
          : `<pre>${escapeHtml(JSON.stringify(m.body_json, null, 2))}</pre>`;
        return `<article><header><span class="ch ${escapeHtml(m.channel)}">${
          escapeHtml(m.channel)
        }</span> to <b>${escapeHtml(m.recipient)}</b> · ${
          escapeHtml(new Date(m.created_at).toISOString())
        } · delivery ${escapeHtml(m.delivery_id ?? "—")}</header>${
          m.subject ? `<h3>${escapeHtml(m.subject)}</h3>` : ""
        }${m.body_text ? `<pre>${escapeHtml(m.body_text)}</pre>` : ""}${body}${
          m.body_html ? "" : json
        }</article>`;
      }).join("\n");
      const filters = ["all", ...CHANNELS].map((c) =>
        `<a href="/inbox${c === "all" ? "" : `?channel=${c}`}">${c}</a>`
      ).join(" · ");
      const html = `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="refresh" content="3"><title>Shelfwatch local inbox</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#111}
article{border:1px solid #ddd;border-radius:6px;padding:.75rem 1rem;margin:.75rem 0}
header{color:#555;font-size:.85rem}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}
iframe{width:100%;height:18rem;border:1px solid #eee}.ch{font-weight:bold;text-transform:uppercase}
</style></head><body><h1>Local inbox</h1>
<p>What Shelfwatch would have sent: no provider keys are set for these channels (see the README's
Notifications section). Refreshes every 3 seconds. ${filters}</p>
${rows || "<p><i>Nothing yet.</i></p>"}
</body></html>`;
      return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
    },
  };
}
