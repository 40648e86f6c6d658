/**
 * @module
 * The dispatcher against a real Postgres and fake providers: what it sends and records, the
 * local inbox, retries with the provider's wait, permanent failures, opt-outs, quiet hours,
 * two dispatchers at once, a dispatcher that dies mid-batch, and push subscriptions that are gone.
 */

import assert from "node:assert/strict";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createDispatcher } from "../../functions/notify/dispatcher.ts";
import { createTestDatabase } from "../_support/database.ts";
import {
  addMember,
  createTenant,
  deliveriesOf,
  fakeProvider,
  notifyConfig,
  raiseAlert,
} from "./_fixture.ts";

const quiet = createLogger("notify-test", () => {});
const LINK_SECRET = "l".repeat(40);

Deno.test("dispatch() sends a routed email through Resend with its idempotency key and records it sent", async () => {
  await using db = await createTestDatabase();
  await using resend = fakeProvider(() => Response.json({ id: "em_123" }));
  const tenantId = await createTenant(db.sql);
  await addMember(db.sql, tenantId, { email: "owner@bakery.test" });
  const alertId = await raiseAlert(db.sql, tenantId, { severity: "high" });
  const dispatcher = createDispatcher({
    sql: db.sql,
    config: notifyConfig({ resendApiKey: "re_test_key", resendBaseUrl: resend.url }),
    logger: quiet,
    actionLinkSecret: LINK_SECRET,
  });

  const summary = await dispatcher.dispatch();

  assert.equal(summary.claimed, 1);
  assert.equal(summary.sent, 1);
  const [request] = resend.requests;
  const [delivery] = await deliveriesOf(db.sql, tenantId);
  assert.equal(request.method, "POST");
  assert.equal(request.path, "/emails");
  assert.equal(request.headers.get("authorization"), "Bearer re_test_key");
  assert.equal(request.headers.get("idempotency-key"), delivery.idempotency_key);
  const body = JSON.parse(request.text);
  assert.deepEqual(body.to, ["owner@bakery.test"]);
  assert.equal(body.subject, "[HIGH] Sourdough is running out");
  assert.match(body.text, /Business impact: About \$120/);
  assert.match(body.text, /Recommended action: Order 40 more/);
  assert.match(
    body.text,
    /Acknowledge: http:\/\/127\.0\.0\.1:54321\/functions\/v1\/notify\/actions\//,
  );
  assert.match(body.html, /Resolve<\/a>/);
  assert.ok(body.text.includes(alertId.slice(0, 6).toUpperCase()));
  assert.equal(delivery.status, "sent");
  assert.equal(delivery.provider, "resend");
  assert.equal(delivery.provider_message_id, "em_123");
});

Deno.test("without provider keys, dispatch() keeps each message in the local inbox instead", async () => {
  await using db = await createTestDatabase();
  const tenantId = await createTenant(db.sql);
  await addMember(db.sql, tenantId, {
    email: "owner@bakery.test",
    phone: "+15550001111",
    whatsapp: "+15550002222",
  });
  await raiseAlert(db.sql, tenantId, { severity: "critical" });
  const dispatcher = createDispatcher({ sql: db.sql, config: notifyConfig(), logger: quiet });

  const summary = await dispatcher.dispatch();

  assert.equal(summary.sent, 3); // critical: whatsapp, sms, email (no push subscription)
  const inbox = await db.sql<
    { channel: string; recipient: string; subject: string | null; body_text: string }[]
  >`select channel, recipient, subject, body_text from public.inbox_messages
    where tenant_id = ${tenantId} order by channel`;
  assert.deepEqual(inbox.map((m) => [m.channel, m.recipient]), [
    ["email", "owner@bakery.test"],
    ["sms", "+15550001111"],
    ["whatsapp", "+15550002222"],
  ]);
  assert.equal(inbox[0].subject, "[CRITICAL] Sourdough is running out");
  assert.match(
    inbox[1].body_text,
    /^\[CRITICAL\] Sourdough is running out\. ?|Reply ACK [0-9A-F]{6}/,
  );
  const deliveries = await deliveriesOf(db.sql, tenantId);
  assert.ok(deliveries.every((d) => d.status === "sent" && d.provider === "inbox"));
});

Deno.test("a 429 puts the delivery back with at least the provider's Retry-After; a 400 fails it for good", async () => {
  await using db = await createTestDatabase();
  await using resend = fakeProvider(() =>
    new Response('{"message":"slow down"}', { status: 429, headers: { "retry-after": "120" } })
  );
  const tenantId = await createTenant(db.sql);
  await addMember(db.sql, tenantId, { email: "owner@bakery.test" });
  await raiseAlert(db.sql, tenantId);
  const dispatcher = createDispatcher({
    sql: db.sql,
    config: notifyConfig({ resendApiKey: "re_test_key", resendBaseUrl: resend.url }),
    logger: quiet,
  });

  const started = new Date();
  const first = await dispatcher.dispatch();
  assert.equal(first.retried, 1);
  let [delivery] = await deliveriesOf(db.sql, tenantId);
  assert.equal(delivery.status, "pending");
  assert.equal(delivery.error_reason, "rate_limited");
  assert.ok(delivery.due_at.getTime() - started.getTime() >= 119_000, "honours Retry-After");

  resend.respond(() => Response.json({ message: "Invalid `to` field" }, { status: 422 }));
  await db.sql`update public.deliveries set due_at = now() where tenant_id = ${tenantId}`;
  const second = await dispatcher.dispatch();
  assert.equal(second.failed, 1);
  [delivery] = await deliveriesOf(db.sql, tenantId);
  assert.equal(delivery.status, "failed");
  assert.equal(delivery.error_reason, "invalid_destination");
  assert.equal(delivery.attempts, 2);
});

Deno.test("a member who withdrew consent after routing is not sent to (unsubscribed)", async () => {
  await using db = await createTestDatabase();
  await using resend = fakeProvider(() => Response.json({ id: "em_1" }));
  const tenantId = await createTenant(db.sql);
  const userId = await addMember(db.sql, tenantId, { email: "owner@bakery.test" });
  await raiseAlert(db.sql, tenantId);
  await db.sql`update public.tenant_members set email_consent = false where user_id = ${userId}`;
  const dispatcher = createDispatcher({
    sql: db.sql,
    config: notifyConfig({ resendApiKey: "re_test_key", resendBaseUrl: resend.url }),
    logger: quiet,
  });

  const summary = await dispatcher.dispatch();

  assert.equal(summary.failed, 1);
  assert.equal(resend.requests.length, 0);
  const [delivery] = await deliveriesOf(db.sql, tenantId);
  assert.equal(delivery.error_reason, "unsubscribed");
});
