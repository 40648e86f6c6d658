/**
 * @module
 * The dispatcher's guarantees over the outbox, against a real Postgres: two dispatchers at once
 * send every delivery once; a dispatcher that dies mid-batch loses its lease and the delivery is
 * sent again once, with the same idempotency key; quiet hours hold a delivery until its due time;
 * retries back off (never sooner than the provider's wait) until the attempt limit makes a
 * delivery dead; digests list their items; a push subscription that is gone is retired. Time is
 * moved with the `shelfwatch.now` setting (new connections of a pool opened after moving it).
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createDispatcher } from "../../functions/notify/dispatcher.ts";
import type { Channel } from "../../functions/notify/message.ts";
import { createTestDatabase, type TestDatabase } from "../_support/database.ts";
import {
  addMember,
  createTenant,
  deliveriesOf,
  fakeProvider,
  notifyConfig,
  raiseAlert,
} from "./_fixture.ts";

const quiet = createLogger("notify-test", () => {});

/** A pool whose connections see `private.now()` = `at` (the database's setting, for new sessions). */
async function poolAt(db: TestDatabase, at: Date): Promise<postgres.Sql> {
  await db.sql.unsafe(
    `alter database ${db.name} set shelfwatch.now = '${at.toISOString()}'`,
  );
  return postgres(db.url, { max: 4, onnotice: () => {} });
}

/** Tenant webhook deliveries straight into the outbox (no member needed), all due now. */
async function insertWebhookDeliveries(
  sql: postgres.Sql,
  tenantId: string,
  alertId: string,
  url: string,
  count: number,
) {
  await sql`
    insert into public.deliveries (tenant_id, alert_id, destination, channel, reason, idempotency_key)
    select ${tenantId}, ${alertId}, ${url} || '/hook/' || n, 'webhook', 'created',
           ${alertId} || '/created/0/dest:' || n || '/webhook'
    from generate_series(1, ${count}) as n`;
}

Deno.test("two dispatchers at once send each of 200 deliveries exactly once", async () => {
  await using db = await createTestDatabase();
  await using receiver = fakeProvider(() => new Response(null, { status: 204 }));
  const tenantId = await createTenant(db.sql);
  const alertId = await raiseAlert(db.sql, tenantId);
  await insertWebhookDeliveries(db.sql, tenantId, alertId, receiver.url, 200);
  const pools = [0, 1].map(() => postgres(db.url, { max: 4, onnotice: () => {} }));
  try {
    const dispatchers = pools.map((sql, i) =>
      createDispatcher({
        sql,
        config: notifyConfig({ batchSize: 20, concurrency: 4 }),
        worker: `worker-${i}`,
        logger: quiet,
      })
    );
    const claimedBy = [0, 0];
    await Promise.all(dispatchers.map(async (dispatcher, i) => {
      for (;;) {
        const summary = await dispatcher.dispatch();
        claimedBy[i] += summary.claimed;
        if (summary.claimed === 0) break;
      }
    }));
    const keys = receiver.requests.map((r) => r.headers.get("idempotency-key"));
    assert.equal(keys.length, 200);
    assert.equal(new Set(keys).size, 200, "no delivery was sent twice");
    assert.ok(claimedBy[0] > 0 && claimedBy[1] > 0, `both worked: ${claimedBy}`);
    const deliveries = await deliveriesOf(db.sql, tenantId);
    assert.ok(deliveries.every((d) => d.status === "sent" && d.attempts === 1));
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
});

Deno.test("a dispatcher that dies mid-send loses its lease; the delivery is re-sent once with the same idempotency key", async () => {
  await using db = await createTestDatabase();
  await using resend = fakeProvider(() => Response.json({ id: "em_second" }));
  const tenantId = await createTenant(db.sql);
  await addMember(db.sql, tenantId, { email: "owner@bakery.test" });
  await raiseAlert(db.sql, tenantId);
  const config = notifyConfig({ resendApiKey: "re_k", resendBaseUrl: resend.url });

  // Dispatcher A hands the email to its provider and never hears back (the process died).
  const sentByA: string[] = [];
  const { promise: never, resolve: wakeA } = Promise.withResolvers<void>();
  const hanging: Channel = {
    provider: "resend",
    async send(message) {
      sentByA.push(message.idempotencyKey);
      await never;
      return { ok: true, providerId: "em_first" };
    },
  };
  const a = createDispatcher({
    sql: db.sql,
    config,
    worker: "worker-a",
    logger: quiet,
    channels: { channelFor: () => hanging, gateKey: () => ({ provider: "resend" }) },
  });
  const aRun = a.dispatch();
  while (sentByA.length === 0) await new Promise((r) => setTimeout(r, 10));

  const b = createDispatcher({ sql: db.sql, config, worker: "worker-b", logger: quiet });
  assert.equal((await b.dispatch()).claimed, 0, "not while A's lease lasts");
  // A's lease runs out.
  await db.sql`update public.deliveries set lease_expires_at = now() - interval '1 second'
               where tenant_id = ${tenantId} and status = 'sending'`;
  const retried = await b.dispatch();
  assert.equal(retried.sent, 1);
  assert.equal((await b.dispatch()).claimed, 0, "sent once, not again");

  wakeA();
  const late = await aRun;
  assert.equal(late.lost, 1, "A's late result is dropped");
  assert.equal(resend.requests.length, 1);
  assert.equal(resend.requests[0].headers.get("idempotency-key"), sentByA[0]);
  const [delivery] = await deliveriesOf(db.sql, tenantId);
  assert.equal(delivery.idempotency_key, sentByA[0]);
  assert.deepEqual([delivery.status, delivery.provider_message_id, delivery.attempts], [
    "sent",
    "em_second",
    2,
  ]);
});

Deno.test("a delivery held by quiet hours is not sent before its due time, and is sent after", async () => {
  await using db = await createTestDatabase();
  await using resend = fakeProvider(() => Response.json({ id: "em_1" }));
  const tenantId = await createTenant(db.sql);
  const hour = new Date().getUTCHours();
  const hh = (h: number) => `${String((h + 24) % 24).padStart(2, "0")}:00`;
  await addMember(db.sql, tenantId, {
    email: "owner@bakery.test",
    preferences: { quiet_hours: { start: hh(hour - 1), end: hh(hour + 2) } },
  });
  await raiseAlert(db.sql, tenantId, { severity: "high" });
  const [held] = await deliveriesOf(db.sql, tenantId);
  assert.ok(held.due_at.getTime() > Date.now() + 3_600_000, "due when the quiet hours end");
  const config = notifyConfig({ resendApiKey: "re_k", resendBaseUrl: resend.url });

  const now = createDispatcher({ sql: db.sql, config, logger: quiet });
  assert.equal((await now.dispatch()).claimed, 0);
  assert.equal(resend.requests.length, 0);

  const later = await poolAt(db, new Date(held.due_at.getTime() + 1_000));
  try {
    const summary = await createDispatcher({ sql: later, config, logger: quiet }).dispatch();
    assert.equal(summary.sent, 1);
    assert.equal(resend.requests.length, 1);
  } finally {
    await later.end();
  }
});

Deno.test("retries back off with jitter, never sooner than Retry-After, and end dead at the attempt limit", async () => {
  await using db = await createTestDatabase();
  await using resend = fakeProvider(() => new Response("unavailable", { status: 503 }));
  const tenantId = await createTenant(db.sql);
  await addMember(db.sql, tenantId, { email: "owner@bakery.test" });
  await raiseAlert(db.sql, tenantId);
  await db.sql`update public.deliveries set max_attempts = 3 where tenant_id = ${tenantId}`;
  const config = notifyConfig({ resendApiKey: "re_k", resendBaseUrl: resend.url });
  let clock = new Date(Date.now() + 60_000);
  const pools: postgres.Sql[] = [];
  const step = async () => {
    const sql = await poolAt(db, clock);
    pools.push(sql);
    return await createDispatcher({ sql, config, logger: quiet }).dispatch();
  };
  try {
    assert.equal((await step()).retried, 1);
    let [d] = await deliveriesOf(db.sql, tenantId);
    const first = (d.due_at.getTime() - clock.getTime()) / 1000;
    assert.ok(first >= 5 && first <= 10, `first backoff 10 s with jitter, got ${first}`);

    resend.respond(() => new Response("busy", { status: 429, headers: { "retry-after": "600" } }));
    clock = new Date(d.due_at.getTime() + 1);
    assert.equal((await step()).retried, 1);
    [d] = await deliveriesOf(db.sql, tenantId);
    const second = (d.due_at.getTime() - clock.getTime()) / 1000;
    assert.ok(second >= 600, `Retry-After honoured, got ${second}`);

    clock = new Date(d.due_at.getTime() - 5_000);
    assert.equal((await step()).claimed, 0, "not before it is due");
    clock = new Date(d.due_at.getTime() + 1);
    assert.equal((await step()).dead, 1);
    [d] = await deliveriesOf(db.sql, tenantId);
    assert.deepEqual([d.status, d.attempts, d.error_reason], ["dead", 3, "rate_limited"]);
    assert.equal(resend.requests.length, 3);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
});

Deno.test("a digest lists the member's batched alerts in one message", async () => {
  await using db = await createTestDatabase();
  const tenantId = await createTenant(db.sql);
  const userId = await addMember(db.sql, tenantId, { email: "owner@bakery.test" });
  await raiseAlert(db.sql, tenantId, { severity: "low", title: "Rye is low" });
  await raiseAlert(db.sql, tenantId, { severity: "low", title: "Spelt is low" });
  const nextHour = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 1_000);
  const later = await poolAt(db, nextHour);
  try {
    const [{ built }] = await later<{ built: number }[]>`select private.build_digests() as built`;
    assert.equal(built, 1);
    const summary = await createDispatcher({ sql: later, config: notifyConfig(), logger: quiet })
      .dispatch();
    assert.equal(summary.sent, 1);
  } finally {
    await later.end();
  }
  const [message] = await db.sql<{ subject: string; body_text: string; user_id: string }[]>`
    select subject, body_text, user_id from public.inbox_messages where tenant_id = ${tenantId}`;
  assert.equal(message.user_id, userId);
  assert.match(message.subject, /^\[LOW\] Shelfwatch digest: 2 alerts/);
  assert.match(message.body_text, /Rye is low/);
  assert.match(message.body_text, /Spelt is low/);
});

Deno.test("a push subscription the push service says is gone is retired (failed_at)", async () => {
  await using db = await createTestDatabase();
  await using pushService = fakeProvider(() => new Response(null, { status: 410 }));
  const { default: webpush } = await import("web-push");
  const vapid = webpush.generateVAPIDKeys();
  const tenantId = await createTenant(db.sql);
  const userId = await addMember(db.sql, tenantId, { push: true });
  const { createECDH, randomBytes } = await import("node:crypto");
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  await db.sql`
    insert into public.push_subscriptions (tenant_id, user_id, endpoint, p256dh, auth)
    values (${tenantId}, ${userId}, 'https://push.example.test/send/1',
            ${ecdh.getPublicKey("base64url")}, ${randomBytes(16).toString("base64url")})`;
  await raiseAlert(db.sql, tenantId, { severity: "medium" });
  const config = notifyConfig({
    vapidPublicKey: vapid.publicKey,
    vapidPrivateKey: vapid.privateKey,
    webPushBaseUrl: pushService.url,
  });
  const summary = await createDispatcher({ sql: db.sql, config, logger: quiet }).dispatch();
  assert.equal(summary.failed, 1);
  assert.equal(pushService.requests[0].path, "/send/1");
  const [subscription] = await db.sql<{ failed_at: Date | null }[]>`
    select failed_at from public.push_subscriptions where user_id = ${userId}`;
  assert.ok(subscription.failed_at, "retired");
  const [delivery] = await deliveriesOf(db.sql, tenantId);
  assert.equal(delivery.error_reason, "invalid_destination");
});

Deno.test("one Slack webhook's rate is kept by waiting; a wait longer than the lease hands the delivery back unspent", async () => {
  await using db = await createTestDatabase();
  await using slack = fakeProvider(() => new Response("ok"));
  const tenantId = await createTenant(db.sql, {
    settings: {
      notifications: {
        webhooks: [{
          channel: "slack",
          url: "https://hooks.slack.test/services/T1/B1/tok",
          min_severity: "low",
        }],
      },
    },
  });
  const route = async (n: number) => {
    for (let i = 0; i < n; i++) await raiseAlert(db.sql, tenantId, { severity: "high" });
    await db.sql`update public.deliveries set destination = ${slack.url} || '/services/T1/B1/tok'
                 where tenant_id = ${tenantId} and status = 'pending'`;
  };
  const waits: number[] = [];
  const sleep = (ms: number) => {
    waits.push(ms);
    return Promise.resolve();
  };

  await route(3);
  const atOnePerSecond = createDispatcher({
    sql: db.sql,
    config: notifyConfig({ rates: { slack: 1, discord: 2, twilio: 1, email: 0 } }),
    logger: quiet,
    sleep,
  });
  assert.equal((await atOnePerSecond.dispatch()).sent, 3);
  assert.equal(slack.requests.length, 3, "none dropped");
  assert.deepEqual(waits.map((ms) => Math.round(ms / 100) * 100), [1000, 2000]);

  await route(3);
  const slow = createDispatcher({
    sql: db.sql,
    config: notifyConfig({
      rates: { slack: 0.05, discord: 2, twilio: 1, email: 0 },
      leaseSeconds: 30,
      timeoutMs: 1_000,
    }),
    logger: quiet,
    sleep,
  });
  const summary = await slow.dispatch();
  assert.deepEqual([summary.sent, summary.deferred], [2, 1]);
  const [deferred] = await db.sql<{ attempts: number; due_at: Date; status: string }[]>`
    select attempts, due_at, status from public.deliveries
    where tenant_id = ${tenantId} and status = 'pending'`;
  assert.equal(deferred.attempts, 0, "no attempt spent");
  assert.ok(deferred.due_at.getTime() > Date.now() + 30_000, "due when the webhook has room");
});
