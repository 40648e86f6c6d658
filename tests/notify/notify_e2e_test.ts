/**
 * @module
 * End to end on the local stack with its dispatch worker: an inventory write through SQL raises
 * an alert, routing writes the outbox, the worker wakes on NOTIFY and the fake provider receives
 * the email; without keys the same write lands in the local inbox (page and JSON API). Also the
 * `/dispatch` and `/inbox` endpoints' access rules.
 */

import assert from "node:assert/strict";
import { startTestStack } from "../_support/stack.ts";
import { addMember, createTenant, fakeProvider, notifyConfig } from "./_fixture.ts";

Deno.test("an inventory write reaches the email provider through the stack's worker", async () => {
  await using resend = fakeProvider(() => Response.json({ id: "em_e2e" }));
  await using stack = await startTestStack({
    dispatchWorker: true,
    notify: notifyConfig({ resendApiKey: "re_e2e", resendBaseUrl: resend.url }),
  });
  const sql = stack.db.sql;
  const tenantId = await createTenant(sql);
  await addMember(sql, tenantId, { email: "owner@bakery.test" });
  await sql`insert into public.stores (tenant_id, id, name) values (${tenantId}, 'main', 'Main St')`;
  await sql`insert into public.products (tenant_id, id, name) values (${tenantId}, 'rye', 'Rye loaf')`;

  await sql`insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand, reorder_point)
            values (${tenantId}, 'main', 'rye', 0, 10)`;

  const [request] = await resend.waitFor(1);
  const body = JSON.parse(request.text);
  assert.deepEqual(body.to, ["owner@bakery.test"]);
  assert.match(body.subject, /^\[CRITICAL\] /);
  assert.match(body.text, /Rye loaf at Main St/);
  for (let i = 0; i < 50; i++) {
    const [d] = await sql<{ status: string }[]>`
      select status from public.deliveries where tenant_id = ${tenantId} and channel = 'email'`;
    if (d?.status === "sent") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const [delivery] = await sql<{ status: string; provider_message_id: string }[]>`
    select status, provider_message_id from public.deliveries
    where tenant_id = ${tenantId} and channel = 'email'`;
  assert.deepEqual([delivery.status, delivery.provider_message_id], ["sent", "em_e2e"]);
});

Deno.test("without keys the stack's inbox shows what would have been sent, as a page and as JSON", async () => {
  await using stack = await startTestStack({ dispatchWorker: true });
  const sql = stack.db.sql;
  const tenantId = await createTenant(sql);
  const ownerId = await addMember(sql, tenantId, { email: "owner@bakery.test" });
  const staffId = await addMember(sql, tenantId, { role: "staff", email: "staff@bakery.test" });
  await sql`select public.raise_alert(${tenantId}, 'inventory.low_stock', 'high', 'Baguettes are low')`;

  let messages: { recipient: string; subject: string }[] = [];
  for (let i = 0; i < 100 && messages.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(`${stack.url}/functions/v1/notify/inbox`, {
      headers: { authorization: `Bearer ${await stack.serviceToken()}` },
    });
    messages = (await res.json()).messages;
  }
  assert.deepEqual(messages.map((m) => m.recipient).sort(), [
    "owner@bakery.test",
    "staff@bakery.test",
  ]);
  assert.ok(messages.every((m) => m.subject === "[HIGH] Baguettes are low"));

  const page = await fetch(`${stack.url}/inbox`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /http-equiv="refresh"/);
  assert.match(html, /\[HIGH\] Baguettes are low/);
  assert.match(html, /staff@bakery\.test/);

  const asStaff = await fetch(`${stack.url}/functions/v1/notify/inbox`, {
    headers: {
      authorization: `Bearer ${await stack.tokenFor({ tenantId, userId: staffId })}`,
    },
  });
  const own = (await asStaff.json()).messages as { recipient: string }[];
  assert.deepEqual(own.map((m) => m.recipient), ["staff@bakery.test"], "staff see only their own");
  const asOwner = await fetch(`${stack.url}/functions/v1/notify/inbox?channel=email`, {
    headers: {
      authorization: `Bearer ${await stack.tokenFor({ tenantId, userId: ownerId })}`,
    },
  });
  assert.equal((await asOwner.json()).messages.length, 2, "owners see the tenant's");
});

Deno.test("POST /dispatch is for the service role only and drains the queue batch by batch", async () => {
  await using stack = await startTestStack({ notify: notifyConfig({ webhooksToInbox: true }) });
  const sql = stack.db.sql;
  const tenantId = await createTenant(sql);
  const ownerId = await addMember(sql, tenantId, { email: "owner@bakery.test" });
  const [{ id: alertId }] = await sql<{ id: string }[]>`
    select public.raise_alert(${tenantId}, 'inventory.low_stock', 'high', 'Croissants') as id`;
  await sql`
    insert into public.deliveries (tenant_id, alert_id, destination, channel, reason, idempotency_key)
    select ${tenantId}, ${alertId}, 'https://receiver.test/' || n, 'webhook', 'created', 'd' || n
    from generate_series(1, 24) as n`;
  const url = `${stack.url}/functions/v1/notify/dispatch`;

  const anonymous = await fetch(url, { method: "POST" });
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
  const asOwner = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${await stack.tokenFor({ tenantId, userId: ownerId })}` },
  });
  assert.equal(asOwner.status, 403);
  await asOwner.body?.cancel();

  const res = await fetch(url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await stack.serviceToken()}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ batch_size: 10 }),
  });
  assert.equal(res.status, 200);
  const summary = await res.json();
  assert.deepEqual([summary.batches, summary.claimed, summary.sent], [3, 25, 25]);
  const bad = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${await stack.serviceToken()}` },
    body: JSON.stringify({ batch_size: 0 }),
  });
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
});
