/**
 * @module
 * Waking the dispatcher: the outbox's insert trigger NOTIFYs once per statement, never per row,
 * and the local worker dispatches on that notification (and on its poll), never losing a wake-up
 * that arrives while it is busy.
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import {
  type Dispatcher,
  type DispatchSummary,
  emptySummary,
} from "../../functions/notify/dispatcher.ts";
import { startDispatchWorker } from "../../local/dispatch_worker.ts";
import { createTestDatabase } from "../_support/database.ts";
import { createTenant, raiseAlert } from "./_fixture.ts";

function summary(claimed: number): DispatchSummary {
  return { ...emptySummary(), claimed, sent: claimed };
}

async function settle(check: () => boolean, timeoutMs = 5_000) {
  const until = performance.now() + timeoutMs;
  while (!check() && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
}

Deno.test("writing deliveries NOTIFYs once per statement, however many rows it writes, and not at all for none", async () => {
  await using db = await createTestDatabase();
  const tenantId = await createTenant(db.sql);
  const alertId = await raiseAlert(db.sql, tenantId);
  const listener = postgres(db.url, { max: 1, onnotice: () => {} });
  const heard: string[] = [];
  try {
    await listener.listen("deliveries", (payload) => heard.push(payload));
    const insert = (label: string, rows: number) =>
      db.sql`
        insert into public.deliveries (tenant_id, alert_id, destination, channel, reason, idempotency_key)
        select ${tenantId}, ${alertId}, 'https://example.test/' || n, 'webhook', 'created',
               ${label} || n
        from generate_series(1, ${rows}) as n`;
    await insert("a", 500);
    await settle(() => heard.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(heard, [""], "500 rows, one notification, no payload");
    await insert("none", 0);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(heard.length, 1, "a statement that wrote nothing wakes nobody");
    await insert("b", 1);
    await insert("c", 1);
    await settle(() => heard.length >= 3);
    assert.equal(heard.length, 3);
  } finally {
    await listener.end();
  }
});

Deno.test("the worker dispatches when deliveries are written, and again for a wake-up that came while it was busy", async () => {
  await using db = await createTestDatabase();
  const tenantId = await createTenant(db.sql);
  let calls = 0;
  const gates: (() => void)[] = [];
  const dispatcher: Dispatcher = {
    batchSize: 50,
    async dispatch() {
      calls++;
      await new Promise<void>((resolve) => gates.push(resolve));
      return summary(0);
    },
  };
  const worker = startDispatchWorker({
    databaseUrl: db.url,
    dispatcher,
    batchSize: 50,
    pollMs: 60_000,
    maxInFlight: 1,
  });
  try {
    await worker.ready;
    await settle(() => calls === 1);
    assert.equal(calls, 1, "catches up once when it starts listening");
    gates.shift()!();
    await raiseAlert(db.sql, tenantId); // no members: routing writes nothing, so no wake-up
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(calls, 1);
    await db.sql`
      insert into public.deliveries (tenant_id, alert_id, destination, channel, reason, idempotency_key)
      select ${tenantId}, id, 'https://example.test/x', 'webhook', 'created', 'w1' from public.alerts
      where tenant_id = ${tenantId}`;
    await settle(() => calls === 2);
    assert.equal(calls, 2, "woken by the insert");
    await db.sql`
      insert into public.deliveries (tenant_id, alert_id, destination, channel, reason, idempotency_key)
      select ${tenantId}, id, 'https://example.test/y', 'webhook', 'created', 'w2' from public.alerts
      where tenant_id = ${tenantId}`;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(calls, 2, "busy: at most one dispatch in flight");
    gates.shift()!();
    await settle(() => calls === 3);
    assert.equal(calls, 3, "the wake-up that came meanwhile is not lost");
    gates.shift()!();
  } finally {
    gates.forEach((release) => release());
    await worker.stop();
  }
});
