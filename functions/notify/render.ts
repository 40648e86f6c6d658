/**
 * @module
 * Turns a claimed delivery (with its alert, recipient and digest items, as the dispatcher loads
 * them) into the message its channel sends: email (subject `[SEVERITY] title`, HTML and text with
 * business impact, recommended action and one-click action links), short SMS/WhatsApp texts with
 * the alert's code, the web push payload, Slack blocks, Discord embeds and the webhook's JSON.
 * Pure: links are signed by the caller and passed in.
 */

import { alertCode } from "./alert_code.ts";
import type { OutboundMessage, PushTarget, Severity } from "./message.ts";

/** An alert as messages show it. */
export interface AlertView {
  id: string;
  title: string;
  severity: Severity;
  status: string;
  description: string;
  recommended_action: string | null;
  business_impact: string | null;
  impact_value: number | string | null;
  store_id: string | null;
  store_name: string | null;
  product_id: string | null;
  product_name: string | null;
  image_url: string | null;
  alert_type: string;
  occurrence_count: number;
  created_at: string | Date;
  metadata: Record<string, unknown>;
}

/** A claimed delivery with everything needed to render it. */
export interface DeliveryContext {
  id: string;
  tenant_id: string;
  tenant_name: string;
  alert_id: string | null;
  user_id: string | null;
  destination: string | null;
  channel: "email" | "sms" | "whatsapp" | "push" | "slack" | "discord" | "webhook";
  reason: string;
  escalation_level: number;
  idempotency_key: string;
  alert: AlertView | null;
  /** For a digest (reason digest): its items' alerts, most important first. */
  digest_items: AlertView[] | null;
  member: {
    email: string | null;
    phone: string | null;
    whatsapp: string | null;
    display_name: string;
  } | null;
  subscriptions: PushTarget[] | null;
  webhook_secret: string | null;
}

/** One-click links for a member's message (absent for tenant destinations). */
export interface ActionLinks {
  acknowledge?: string;
  resolve?: string;
  snooze?: string;
}

/** Options of {@link renderMessage}. */
export interface RenderOptions {
  /** Where the dashboard lives (`PUBLIC_URL`). */
  publicUrl: string;
  links?: ActionLinks;
}

const SEVERITY_COLOURS: Record<Severity, number> = {
  low: 0x2d9cdb,
  medium: 0xf2c94c,
  high: 0xf2994a,
  critical: 0xe01e5a,
};
const RESOLVED_COLOUR = 0x27ae60;
const URGENCY: Record<Severity, "low" | "normal" | "high"> = {
  low: "low",
  medium: "normal",
  high: "high",
  critical: "high",
};

/** The headline prefix for why this is sent (`Resolved: `, `Escalated (level 2): `, ...). */
function occasion(reason: string, level: number): string {
  switch (reason) {
    case "resolved":
      return "Resolved: ";
    case "escalated":
      return `Escalated (level ${level}): `;
    case "severity_raised":
      return "Severity raised: ";
    case "snooze_expired":
      return "Snooze ended: ";
    case "repeated":
      return "Again: ";
    default:
      return "";
  }
}

function tag(severity: Severity): string {
  return `[${severity.toUpperCase()}]`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/**
 * Text for a Slack mrkdwn field, at most `max` characters: `&`, `<` and `>` escaped as Slack asks,
 * so alert text (which events fill) cannot mention `<!channel>` or disguise a link `<url|label>`.
 */
function slackText(text: string, max = 3000): string {
  const escaped = text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!);
  return escaped.length <= max ? escaped : escaped.slice(0, max).replace(/&[a-z]*$/, "");
}

/** `text` with `@everyone` and `@here` broken by a zero-width space, so Discord ignores them. */
function inertMentions(text: string): string {
  return text.replace(/@(everyone|here)/g, "@\u200b$1");
}

function place(alert: AlertView): string {
  const product = alert.product_name ?? alert.product_id;
  const store = alert.store_name ?? alert.store_id;
  return [product, store && `at ${store}`].filter(Boolean).join(" ");
}

/** The dashboard URL of an alert. */
export function alertUrl(publicUrl: string, alertId: string): string {
  return `${publicUrl}/?alert=${encodeURIComponent(alertId)}`;
}

function metadataText(alert: AlertView, key: string): string | undefined {
  const value = alert.metadata?.[key];
  return typeof value === "string" && /^https?:\/\//.test(value) ? value : undefined;
}

function emailOf(ctx: DeliveryContext, { publicUrl, links = {} }: RenderOptions) {
  if (ctx.reason === "digest") return digestEmail(ctx, publicUrl);
  const alert = ctx.alert!;
  const subject = `${tag(alert.severity)} ${
    occasion(ctx.reason, ctx.escalation_level)
  }${alert.title}`;
  const where = place(alert);
  const open = alertUrl(publicUrl, alert.id);
  const actions: [string, string | undefined][] = ctx.reason === "resolved" ? [] : [
    ["Acknowledge", links.acknowledge],
    ["Resolve", links.resolve],
    ["Snooze 1 hour", links.snooze],
  ];
  const lines = [
    subject,
    "",
    where && `Where: ${where}`,
    alert.description,
    alert.business_impact && `Business impact: ${alert.business_impact}`,
    alert.recommended_action && `Recommended action: ${alert.recommended_action}`,
    "",
    ...actions.filter(([, url]) => url).map(([label, url]) => `${label}: ${url}`),
    `Open in Shelfwatch: ${open}`,
    "",
    `Alert code ${alertCode(alert.id)} · ${ctx.tenant_name}`,
  ].filter((line): line is string => typeof line === "string");
  const colour = `#${
    (ctx.reason === "resolved" ? RESOLVED_COLOUR : SEVERITY_COLOURS[alert.severity]).toString(16)
      .padStart(6, "0")
  }`;
  const button = (label: string, url: string) =>
    `<a href="${
      escapeHtml(url)
    }" style="display:inline-block;padding:8px 14px;margin:4px 8px 4px 0;border-radius:4px;background:#1f2937;color:#fff;text-decoration:none">${
      escapeHtml(label)
    }</a>`;
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#111">
<div style="border-left:6px solid ${colour};padding:8px 16px">
<h2 style="margin:0 0 8px">${escapeHtml(subject)}</h2>
${where ? `<p><strong>Where:</strong> ${escapeHtml(where)}</p>` : ""}
${alert.description ? `<p>${escapeHtml(alert.description)}</p>` : ""}
${
    alert.business_impact
      ? `<p><strong>Business impact:</strong> ${escapeHtml(alert.business_impact)}</p>`
      : ""
  }
${
    alert.recommended_action
      ? `<p><strong>Recommended action:</strong> ${escapeHtml(alert.recommended_action)}</p>`
      : ""
  }
<p>${actions.filter(([, url]) => url).map(([label, url]) => button(label, url!)).join("")}${
    button("Open in Shelfwatch", open)
  }</p>
<p style="color:#6b7280;font-size:12px">Alert code ${alertCode(alert.id)} · ${
    escapeHtml(ctx.tenant_name)
  }</p>
</div></body></html>`;
  return { subject, text: lines.join("\n"), html };
}

function highest(items: AlertView[]): Severity {
  const order: Severity[] = ["low", "medium", "high", "critical"];
  return items.reduce<Severity>(
    (max, item) => order.indexOf(item.severity) > order.indexOf(max) ? item.severity : max,
    "low",
  );
}

function digestEmail(ctx: DeliveryContext, publicUrl: string) {
  const items = ctx.digest_items ?? [];
  const subject = `${tag(highest(items))} Shelfwatch digest: ${items.length} alert${
    items.length === 1 ? "" : "s"
  } · ${ctx.tenant_name}`;
  const line = (a: AlertView) =>
    `${tag(a.severity)} ${a.title}${place(a) ? ` (${place(a)})` : ""} — ${a.status}`;
  const text = [
    subject,
    "",
    ...items.map((a) => `- ${line(a)}\n  ${alertUrl(publicUrl, a.id)}`),
    "",
    `Open Shelfwatch: ${publicUrl}/`,
  ].join("\n");
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#111">
<h2>${escapeHtml(subject)}</h2><ul>${
    items.map((a) =>
      `<li><a href="${escapeHtml(alertUrl(publicUrl, a.id))}">${escapeHtml(line(a))}</a></li>`
    ).join("")
  }</ul><p><a href="${escapeHtml(publicUrl)}/">Open Shelfwatch</a></p></body></html>`;
  return { subject, text, html };
}

function shortText(ctx: DeliveryContext): string {
  const alert = ctx.alert!;
  const code = alertCode(alert.id);
  const where = place(alert);
  const head = `${tag(alert.severity)} ${occasion(ctx.reason, ctx.escalation_level)}${alert.title}${
    where ? ` (${where})` : ""
  }`;
  const tail = ctx.reason === "resolved"
    ? ` Code ${code}.`
    : ` Reply ACK ${code} or RESOLVE ${code}.`;
  const room = 320 - tail.length;
  return (head.length > room ? `${head.slice(0, room - 1)}…` : head) + tail;
}

function pushOf(ctx: DeliveryContext, publicUrl: string) {
  if (ctx.reason === "digest") {
    const items = ctx.digest_items ?? [];
    const severity = highest(items);
    return {
      payload: {
        title: `Shelfwatch digest: ${items.length} alert${items.length === 1 ? "" : "s"}`,
        body: items.slice(0, 3).map((a) => `${tag(a.severity)} ${a.title}`).join("\n"),
        url: `${publicUrl}/`,
        tag: `digest-${ctx.id}`,
        alert_id: null,
        severity,
      },
      topic: ctx.id.replaceAll("-", ""),
    };
  }
  const alert = ctx.alert!;
  return {
    payload: {
      title: `${tag(alert.severity)} ${occasion(ctx.reason, ctx.escalation_level)}${alert.title}`,
      body: [place(alert), alert.business_impact ?? alert.description].filter(Boolean).join(" — ")
        .slice(0, 500),
      url: alertUrl(publicUrl, alert.id),
      tag: `alert-${alert.id}`,
      alert_id: alert.id,
      severity: alert.severity,
    },
    // A UUID without dashes: 32 hex digits, the most a Topic may have.
    topic: alert.id.replaceAll("-", ""),
  };
}

function slackOf(ctx: DeliveryContext, publicUrl: string): Record<string, unknown> {
  const alert = ctx.alert!;
  const headline = `${tag(alert.severity)} ${
    occasion(ctx.reason, ctx.escalation_level)
  }${alert.title}`;
  const fields = [
    { type: "mrkdwn", text: `*Severity*\n${alert.severity}` },
    { type: "mrkdwn", text: `*Status*\n${alert.status}` },
    ...(alert.store_id
      ? [{ type: "mrkdwn", text: `*Store*\n${slackText(alert.store_name ?? alert.store_id)}` }]
      : []),
    ...(alert.product_id
      ? [{
        type: "mrkdwn",
        text: `*Product*\n${slackText(alert.product_name ?? alert.product_id)}`,
      }]
      : []),
  ];
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: headline.slice(0, 150), emoji: true } },
    ...(alert.description
      ? [{ type: "section", text: { type: "mrkdwn", text: slackText(alert.description) } }]
      : []),
    { type: "section", fields },
  ];
  if (alert.business_impact) {
    blocks.push({
      type: "section",
      text: {
        type: "mrkdwn",
        text: `*Business impact:* ${slackText(alert.business_impact, 2970)}`,
      },
    });
  }
  if (alert.recommended_action) {
    blocks.push({
      type: "section",
      text: {
        type: "mrkdwn",
        text: `*Recommended action:* ${slackText(alert.recommended_action, 2970)}`,
      },
    });
  }
  blocks.push({
    type: "actions",
    elements: [{
      type: "button",
      text: { type: "plain_text", text: "Open in Shelfwatch" },
      url: alertUrl(publicUrl, alert.id),
    }],
  }, {
    type: "context",
    elements: [{
      type: "mrkdwn",
      text: `Alert code ${alertCode(alert.id)} · ${slackText(ctx.tenant_name, 2900)}`,
    }],
  });
  // The top-level text (the notification's) is mrkdwn too.
  return { text: slackText(`${headline}${place(alert) ? ` (${place(alert)})` : ""}`), blocks };
}

function discordOf(ctx: DeliveryContext, publicUrl: string): Record<string, unknown> {
  const alert = ctx.alert!;
  const headline = `${tag(alert.severity)} ${
    occasion(ctx.reason, ctx.escalation_level)
  }${alert.title}`;
  const image = alert.image_url ?? metadataText(alert, "image_url");
  const link = metadataText(alert, "product_url") ?? metadataText(alert, "url") ??
    alertUrl(publicUrl, alert.id);
  const fields = [
    { name: "Severity", value: alert.severity, inline: true },
    { name: "Status", value: alert.status, inline: true },
    ...(alert.store_id
      ? [{
        name: "Store",
        value: (alert.store_name ?? alert.store_id).slice(0, 1024),
        inline: true,
      }]
      : []),
    ...(alert.product_id
      ? [{
        name: "Product",
        value: (alert.product_name ?? alert.product_id).slice(0, 1024),
        inline: true,
      }]
      : []),
    ...(alert.business_impact
      ? [{ name: "Business impact", value: alert.business_impact.slice(0, 1024) }]
      : []),
    ...(alert.recommended_action
      ? [{ name: "Recommended action", value: alert.recommended_action.slice(0, 1024) }]
      : []),
  ];
  const critical = alert.severity === "critical" && ctx.reason !== "resolved";
  return {
    // Parsing "everyone" lets our own @here ping; one inside alert text (which events fill) must
    // not, so a zero-width space breaks it.
    content: (critical ? `@here ${inertMentions(headline)}` : headline).slice(0, 2000),
    allowed_mentions: { parse: critical ? ["everyone"] : [] },
    embeds: [{
      title: headline.slice(0, 256),
      description: (alert.description || place(alert)).slice(0, 2000),
      url: link,
      color: ctx.reason === "resolved" ? RESOLVED_COLOUR : SEVERITY_COLOURS[alert.severity],
      timestamp: new Date(alert.created_at).toISOString(),
      fields,
      ...(image ? { image: { url: image }, thumbnail: { url: image } } : {}),
      footer: { text: `Alert code ${alertCode(alert.id)} · ${ctx.tenant_name}`.slice(0, 2048) },
    }],
  };
}

function webhookOf(ctx: DeliveryContext, publicUrl: string): Record<string, unknown> {
  const alert = ctx.alert!;
  return {
    type: `alert.${ctx.reason}`,
    delivery_id: ctx.id,
    idempotency_key: ctx.idempotency_key,
    tenant_id: ctx.tenant_id,
    escalation_level: ctx.escalation_level,
    alert: {
      id: alert.id,
      code: alertCode(alert.id),
      alert_type: alert.alert_type,
      title: alert.title,
      severity: alert.severity,
      status: alert.status,
      description: alert.description,
      business_impact: alert.business_impact,
      recommended_action: alert.recommended_action,
      impact_value: alert.impact_value === null ? null : Number(alert.impact_value),
      store_id: alert.store_id,
      product_id: alert.product_id,
      occurrence_count: alert.occurrence_count,
      created_at: new Date(alert.created_at).toISOString(),
      url: alertUrl(publicUrl, alert.id),
    },
  };
}

/** Why a delivery cannot be rendered: a permanent failure. */
export interface Unrenderable {
  reason: "invalid_destination" | "unsubscribed" | "other";
  error: string;
}

/**
 * Renders a delivery for its channel, or says why it cannot be sent (no address left, no alert).
 *
 * @example
 * ```ts
 * const message = renderMessage(ctx, { publicUrl, links });
 * if ("error" in message) await failPermanently(message);
 * ```
 */
export function renderMessage(
  ctx: DeliveryContext,
  options: RenderOptions,
): OutboundMessage | Unrenderable {
  const common = {
    deliveryId: ctx.id,
    idempotencyKey: ctx.idempotency_key,
    tenantId: ctx.tenant_id,
    userId: ctx.user_id,
  };
  if (ctx.reason === "digest" ? !ctx.digest_items?.length : !ctx.alert) {
    return { reason: "other", error: "Nothing to send: the alert or digest items are gone" };
  }
  const { publicUrl } = options;
  switch (ctx.channel) {
    case "email": {
      if (!ctx.member?.email) return { reason: "invalid_destination", error: "No email address" };
      return { ...common, channel: "email", to: ctx.member.email, ...emailOf(ctx, options) };
    }
    case "sms":
    case "whatsapp": {
      const to = ctx.channel === "sms" ? ctx.member?.phone : ctx.member?.whatsapp;
      if (!to) return { reason: "invalid_destination", error: `No ${ctx.channel} number` };
      if (ctx.reason === "digest") return { reason: "other", error: "Digests go by email or push" };
      return { ...common, channel: ctx.channel, to, text: shortText(ctx) };
    }
    case "push": {
      const { payload, topic } = pushOf(ctx, publicUrl);
      return {
        ...common,
        channel: "push",
        subscriptions: ctx.subscriptions ?? [],
        payload,
        topic,
        urgency: ctx.reason === "digest" ? "low" : URGENCY[payload.severity],
        ttlSeconds: 24 * 3600,
      };
    }
    case "slack":
    case "discord":
    case "webhook": {
      if (!ctx.destination) return { reason: "invalid_destination", error: "No destination URL" };
      if (ctx.channel === "slack") {
        return { ...common, channel: "slack", url: ctx.destination, body: slackOf(ctx, publicUrl) };
      }
      if (ctx.channel === "discord") {
        return {
          ...common,
          channel: "discord",
          url: ctx.destination,
          body: discordOf(ctx, publicUrl),
        };
      }
      if (!ctx.webhook_secret) return { reason: "other", error: "No webhook signing secret" };
      return {
        ...common,
        channel: "webhook",
        url: ctx.destination,
        body: webhookOf(ctx, publicUrl),
        secret: ctx.webhook_secret,
      };
    }
  }
}
