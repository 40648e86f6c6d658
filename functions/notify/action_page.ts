/**
 * @module
 * The small HTML pages of one-click action links: the confirmation page a `GET` shows (alert,
 * severity, the action and one button that POSTs back to the same link) and the outcome pages
 * (done, already used, expired, refused). Self-contained: no scripts, inline styles only.
 */

import type { ActionLinkAction } from "./action_link_token.ts";

const VERBS: Record<ActionLinkAction, string> = {
  acknowledge: "Acknowledge",
  resolve: "Resolve",
  snooze: "Snooze",
};

/**
 * Escapes text for HTML.
 *
 * @example
 * ```ts
 * escapeHtml("<b>"); // "&lt;b&gt;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch]);
}

const HTML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Headers every action page carries: never cached, never framed, the token never leaked. */
export const ACTION_PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} · Shelfwatch</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#111827}
.sev{display:inline-block;padding:.1rem .5rem;border-radius:.25rem;background:#fee2e2;font-size:.8rem;text-transform:uppercase}
button{font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:.375rem;background:#2563eb;color:#fff;cursor:pointer}
.muted{color:#6b7280;font-size:.9rem}</style></head>
<body>${body}</body></html>`;
}

/** What the confirmation page shows. */
export interface ConfirmPageInput {
  action: ActionLinkAction;
  title: string;
  severity: string;
  status: string;
  snoozeMinutes?: number;
  /** Set when the link was used before: no button then. */
  usedAt?: Date;
}

/**
 * The `GET` page: what the link will do and a button that does it (a POST to the same URL).
 *
 * @example
 * ```ts
 * confirmPage({ action: "acknowledge", title: "Low stock", severity: "high", status: "active" });
 * ```
 */
export function confirmPage(
  { action, title, severity, status, snoozeMinutes, usedAt }: ConfirmPageInput,
): string {
  const verb = VERBS[action];
  const what = action === "snooze" ? `${verb} for ${snoozeMinutes ?? 60} minutes` : verb;
  const button = usedAt
    ? `<p><strong>This link was already used</strong> (${escapeHtml(usedAt.toISOString())}).</p>`
    : `<form method="post"><button type="submit">${escapeHtml(what)}</button></form>`;
  return page(
    `${verb} alert`,
    `<h1>${escapeHtml(verb)} this alert?</h1>
<p><span class="sev">${escapeHtml(severity)}</span> ${escapeHtml(title)}</p>
<p class="muted">Status now: ${escapeHtml(status)}</p>
${button}
<p class="muted">Nothing changes until you press the button.</p>`,
  );
}

/**
 * An outcome page: the action was done, or why not.
 *
 * @example
 * ```ts
 * outcomePage("Alert acknowledged", "Thanks, Low stock is acknowledged.");
 * ```
 */
export function outcomePage(heading: string, message: string): string {
  return page(heading, `<h1>${escapeHtml(heading)}</h1><p>${escapeHtml(message)}</p>`);
}
