/**
 * @module
 * Load, as the product spec's strategy puts it: 100 stock alerts raised at the same moment by
 * inventory writes from many connections reach every configured channel (email, SMS, WhatsApp,
 * push, Slack, Discord, webhook — local fake providers) exactly once, through the stack's own
 * dispatch worker; the end-to-end latency (write → provider request) is printed, not asserted.
 * Repeating the writes creates no new alert and no new delivery. With a backlog of mixed
 * severities and one request at a time, critical deliveries go out before low ones.
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createDispatcher } from "../../functions/notify/dispatcher.ts";
import { createTestDatabase } from "../_support/database.ts";
import { startTestStack } from "../_support/stack.ts";
import { fakeProvider, notifyConfig, raiseAlert } from "../notify/_fixture.ts";
import {
  CHANNELS,
  duplicates,
  percentiles,
  routeToFakes,
  startAllChannels,
  tenantOnEveryChannel,
  until,
} from "./_channels.ts";

const ALERTS = 100;

Deno.test("100 simultaneous stock alerts reach all seven channels exactly once each; repeats add nothing", async () => {
  await using channels = startAllChannels();
  await using stack = await startTestStack({ dispatchWorker: true, notify: channels.config });
  const sql = stack.db.sql;
  await routeToFakes(sql, channels);
  const { tenantId } = await tenantOnEveryChannel(sql);
  await sql`insert into public.stores (tenant_id, id, name) values (${tenantId}, 'main', 'Main St')`;
  await sql`
    insert into public.products (tenant_id, id, name)
    select ${tenantId}, 'sku-' || n, 'Loaf ' || n from generate_series(1, ${ALERTS}) as n`;

  // 100 writes at once over 25 connections, each its own transaction.
  const writers = postgres(stack.db.url, { max: 25, onnotice: () => {} });
  const writtenAt = new Map<string, number>();
  try {
    await Promise.all(Array.from({ length: ALERTS }, async (_, i) => {
      const product = `sku-${i + 1}`;
      writtenAt.set(product, performance.now());
      await writers`
        insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand, reorder_point)
        values (${tenantId}, 'main', ${product}, 0, 10)`;
    }));

    const [{ alerts }] = await sql<{ alerts: number }[]>`
      select count(*)::int as alerts from public.alerts where tenant_id = ${tenantId}`;
    assert.equal(alerts, ALERTS, "one alert per write");
    const expected = ALERTS * CHANNELS.length;
    await until(() => channels.sends().length >= expected, `${expected} provider requests`, 90_000);
    await until(async () => {
      const [{ open }] = await sql<{ open: number }[]>`
        select count(*) filter (where status <> 'sent')::int as open from public.deliveries
        where tenant_id = ${tenantId}`;
      return open === 0;
    }, "every delivery recorded as sent");
    // Give a late duplicate the chance to show up (the worker polls every 2 s).
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    const sends = channels.sends();
    for (const channel of CHANNELS) {
      assert.equal(
        sends.filter((s) => s.channel === channel).length,
        ALERTS,
        `${channel} received each alert once`,
      );
    }
    assert.deepEqual(
      duplicates(sends.map((s) => `${s.channel}|${s.key}`)),
      [],
      "nothing sent twice",
    );
    const rows = await sql<{ channel: string; n: number; keys: number; sent: number }[]>`
      select channel, count(*)::int as n, count(distinct idempotency_key)::int as keys,
             count(*) filter (where status = 'sent' and attempts = 1)::int as sent
      from public.deliveries where tenant_id = ${tenantId} group by channel order by channel`;
    assert.deepEqual(
      [...rows],
      [...CHANNELS].sort().map((channel) => ({ channel, n: ALERTS, keys: ALERTS, sent: ALERTS })),
    );

    // End to end: write issued -> request at the fake provider (printed only). Keyed channels
    // carry the delivery's key, push its alert id as Topic, Twilio the product name in the text.
    const productOf = new Map<string, string>();
    for (
      const r of await sql<{ key: string; alert: string; product_id: string }[]>`
        select d.idempotency_key as key, replace(a.id::text, '-', '') as alert, a.product_id
        from public.deliveries as d join public.alerts as a on a.id = d.alert_id
        where d.tenant_id = ${tenantId}`
    ) {
      productOf.set(r.key, r.product_id);
      productOf.set(r.alert, r.product_id);
    }
    const product = (key: string) =>
      productOf.get(key) ?? productOf.get(key.split("|").at(-1)!) ??
        key.match(/Loaf (\d+)\b/)?.[1]?.replace(/^/, "sku-");
    const latencies = sends.map((s) => s.at - writtenAt.get(product(s.key)!)!);
    assert.ok(latencies.every((ms) => Number.isFinite(ms)), "every send traced to its write");
    console.log(
      `  100 alerts x 7 channels, write -> provider request ms:`,
      JSON.stringify(percentiles(latencies)),
    );

    // Dedup: the same stock-out written again (and again) adds no alert and no delivery.
    await Promise.all(Array.from({ length: ALERTS }, (_, i) =>
      writers`
        update public.inventory_levels set on_hand = 0, reorder_point = 12
        where tenant_id = ${tenantId} and store_id = 'main' and product_id = ${`sku-${i + 1}`}`));
    await Promise.all(Array.from({ length: ALERTS }, (_, i) =>
      writers`
        insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand, reorder_point)
        values (${tenantId}, 'main', ${`sku-${i + 1}`}, 0, 10)
        on conflict (tenant_id, store_id, product_id) do update set on_hand = 0`));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const [after] = await sql<{ alerts: number; deliveries: number }[]>`
      select (select count(*)::int from public.alerts where tenant_id = ${tenantId}) as alerts,
             (select count(*)::int from public.deliveries where tenant_id = ${tenantId}) as deliveries`;
    assert.deepEqual(after, { alerts: ALERTS, deliveries: expected });
    assert.equal(channels.sends().length, expected, "no provider request for a repeat");
  } finally {
    await writers.end();
  }
});

Deno.test("with a backlog of mixed severities and one send at a time, critical goes out before low", async () => {
  await using db = await createTestDatabase();
  await using receiver = fakeProvider(() => new Response(null, { status: 204 }));
  const tenantId = (await db.sql<{ id: string }[]>`
    insert into public.tenants (name, settings) values ('Backlog bakery', ${
    db.sql.json({
      notifications: {
        webhooks: [{
          channel: "webhook",
          url: "https://webhook.fake.test/ops",
          min_severity: "low",
        }],
      },
    })
  }) returning id`)[0].id;
  // The worker is stopped: 40 alerts pile up, severities interleaved, oldest first.
  const severities = ["low", "medium", "high", "critical"];
  for (let i = 0; i < 40; i++) {
    await raiseAlert(db.sql, tenantId, { severity: severities[i % 4], title: `Item ${i}` });
  }
  await db.sql`update public.deliveries set destination = ${receiver.url} || '/ops'
               where tenant_id = ${tenantId}`;
  const dispatcher = createDispatcher({
    sql: db.sql,
    config: notifyConfig({ concurrency: 1, batchSize: 3 }),
    logger: createLogger("load", () => {}),
  });
  while ((await dispatcher.dispatch()).claimed > 0) { /* drain */ }

  const priorityOf = new Map(
    (await db.sql<{ idempotency_key: string; priority: number }[]>`
      select idempotency_key, priority from public.deliveries where tenant_id = ${tenantId}`)
      .map((r) => [r.idempotency_key, r.priority]),
  );
  const order = receiver.requests.map((r) => priorityOf.get(r.headers.get("idempotency-key")!));
  assert.equal(order.length, 40);
  assert.deepEqual(duplicates(receiver.requests.map((r) => r.headers.get("idempotency-key")!)), []);
  assert.deepEqual(order, [...order].sort((a, b) => b! - a!), `sent in priority order: ${order}`);
  assert.deepEqual([order[0], order.at(-1)], [90, 30], "critical first, low last");
});
