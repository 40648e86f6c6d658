import assert from "node:assert/strict";
import { type AlertView, type DeliveryContext, renderMessage } from "./render.ts";

const alert: AlertView = {
  id: "3f9a0c12-0000-4000-8000-000000000001",
  title: "Rye loaf is out of stock",
  severity: "critical",
  status: "active",
  description: "On hand 0, selling 4 an hour",
  recommended_action: "Move 10 from the Elm St store",
  business_impact: "About $300 of sales lost today",
  impact_value: "300",
  store_id: "main",
  store_name: "Main St",
  product_id: "rye",
  product_name: "Rye loaf",
  image_url: "https://img.example/rye.png",
  alert_type: "out_of_stock",
  occurrence_count: 1,
  created_at: "2026-11-22T10:00:00Z",
  metadata: { product_url: "https://shop.example/rye" },
};

function ctx(overrides: Partial<DeliveryContext>): DeliveryContext {
  return {
    id: "00000000-0000-4000-8000-00000000d001",
    tenant_id: "00000000-0000-4000-8000-00000000aaaa",
    tenant_name: "Bakery",
    alert_id: alert.id,
    user_id: "00000000-0000-4000-8000-00000000bbbb",
    destination: null,
    channel: "email",
    reason: "created",
    escalation_level: 0,
    idempotency_key: "k",
    alert,
    digest_items: null,
    member: { email: "a@b.test", phone: "+15550001111", whatsapp: null, display_name: "A" },
    subscriptions: [],
    webhook_secret: null,
    ...overrides,
  };
}

const publicUrl = "https://shelfwatch.example";

Deno.test("an email's subject is [SEVERITY] title and its bodies carry impact, action and links", () => {
  const message = renderMessage(ctx({}), {
    publicUrl,
    links: { acknowledge: "https://l/ack", resolve: "https://l/res", snooze: "https://l/snz" },
  });
  assert.ok("channel" in message && message.channel === "email");
  assert.equal(message.subject, "[CRITICAL] Rye loaf is out of stock");
  assert.match(message.text, /Where: Rye loaf at Main St/);
  assert.match(message.text, /Business impact: About \$300/);
  assert.match(message.text, /Recommended action: Move 10/);
  assert.match(message.text, /Acknowledge: https:\/\/l\/ack/);
  assert.match(message.html, /href="https:\/\/l\/res"/);
  assert.match(message.text, /Alert code 3F9A0C/);
});

Deno.test("an escalation or a resolution says so, and a resolution offers no action links", () => {
  const escalated = renderMessage(ctx({ reason: "escalated", escalation_level: 2 }), { publicUrl });
  assert.ok("subject" in escalated);
  assert.equal(escalated.subject, "[CRITICAL] Escalated (level 2): Rye loaf is out of stock");
  const resolved = renderMessage(ctx({ reason: "resolved" }), {
    publicUrl,
    links: { acknowledge: "https://l/ack" },
  });
  assert.ok("text" in resolved);
  assert.doesNotMatch(resolved.text, /Acknowledge/);
});

Deno.test("an SMS is short, with the alert code to reply with", () => {
  const sms = renderMessage(ctx({ channel: "sms" }), { publicUrl });
  assert.ok("text" in sms && sms.channel === "sms");
  assert.equal(sms.to, "+15550001111");
  assert.equal(
    sms.text,
    "[CRITICAL] Rye loaf is out of stock (Rye loaf at Main St) Reply ACK 3F9A0C or RESOLVE 3F9A0C.",
  );
  const long = renderMessage(ctx({ channel: "sms", alert: { ...alert, title: "x".repeat(400) } }), {
    publicUrl,
  });
  assert.ok("text" in long && long.text.length <= 320);
});

Deno.test("a member without a number for the channel cannot be sent to", () => {
  assert.deepEqual(renderMessage(ctx({ channel: "whatsapp" }), { publicUrl }), {
    reason: "invalid_destination",
    error: "No whatsapp number",
  });
});

Deno.test("the push payload has the service worker's shape, urgency by severity and a Topic per alert", () => {
  const push = renderMessage(ctx({ channel: "push" }), { publicUrl });
  assert.ok("payload" in push);
  assert.deepEqual(Object.keys(push.payload).sort(), [
    "alert_id",
    "body",
    "severity",
    "tag",
    "title",
    "url",
  ]);
  assert.equal(push.payload.url, `${publicUrl}/?alert=${alert.id}`);
  assert.equal(push.payload.tag, `alert-${alert.id}`);
  assert.equal(push.urgency, "high");
  assert.equal(push.topic, alert.id.replaceAll("-", ""));
  assert.ok(push.topic.length <= 32);
  const low = renderMessage(ctx({ channel: "push", alert: { ...alert, severity: "low" } }), {
    publicUrl,
  });
  assert.ok("urgency" in low && low.urgency === "low");
});

Deno.test("Discord embeds are coloured by severity, show the product image and link, and mention @here for critical", () => {
  const critical = renderMessage(
    ctx({ channel: "discord", user_id: null, member: null, destination: "https://discord.test/x" }),
    { publicUrl },
  );
  assert.ok("body" in critical && critical.channel === "discord");
  const body = critical.body as {
    content: string;
    allowed_mentions: { parse: string[] };
    embeds: { color: number; url: string; image: { url: string } }[];
  };
  assert.match(body.content, /^@here /);
  assert.deepEqual(body.allowed_mentions.parse, ["everyone"]);
  assert.equal(body.embeds[0].color, 0xe01e5a);
  assert.equal(body.embeds[0].url, "https://shop.example/rye");
  assert.equal(body.embeds[0].image.url, "https://img.example/rye.png");
  const medium = renderMessage(
    ctx({
      channel: "discord",
      destination: "https://discord.test/x",
      alert: { ...alert, severity: "medium" },
    }),
    { publicUrl },
  );
  const mediumBody = (medium as unknown as { body: typeof body }).body;
  assert.equal(mediumBody.embeds[0].color, 0xf2c94c);
  assert.deepEqual(mediumBody.allowed_mentions.parse, []);
});

Deno.test("Slack gets a header block and a fallback text; the webhook JSON names the event", () => {
  const slack = renderMessage(
    ctx({ channel: "slack", destination: "https://hooks.slack.test/x" }),
    {
      publicUrl,
    },
  );
  assert.ok("body" in slack);
  const blocks = slack.body.blocks as { type: string }[];
  assert.equal(blocks[0].type, "header");
  assert.match(String(slack.body.text), /^\[CRITICAL\] Rye loaf is out of stock/);
  const webhook = renderMessage(
    ctx({ channel: "webhook", destination: "https://r.test/h", webhook_secret: "s".repeat(32) }),
    { publicUrl },
  );
  assert.ok("body" in webhook && webhook.channel === "webhook");
  assert.equal(webhook.body.type, "alert.created");
  assert.equal((webhook.body.alert as { code: string }).code, "3F9A0C");
});
