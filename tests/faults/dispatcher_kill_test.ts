/**
 * @module
 * A dispatcher killed with SIGKILL mid-batch (a process of its own, `_dispatch_process.ts`):
 * what it had claimed stays leased until the lease runs out (time moved with `shelfwatch.now`),
 * then another dispatcher sends it. Every delivery ends sent; the provider sees each idempotency
 * key once, except the deliveries the killed process had in flight (the provider saw them but
 * the process died before recording them), which it sees a second time with the identical key.
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createDispatcher } from "../../functions/notify/dispatcher.ts";
import { createTestDatabase } from "../_support/database.ts";
import { createTenant, fakeProvider, notifyConfig, raiseAlert } from "../notify/_fixture.ts";
import { until } from "../load/_channels.ts";

const DELIVERIES = 60;
const ANSWERED = 10;

Deno.test("a dispatcher killed mid-batch: after its lease another sends everything, in-flight ones again with the same key", async () => {
  await using db = await createTestDatabase();
  const release: (() => void)[] = [];
  let answering = false;
  await using receiver = fakeProvider((request) => {
    if (answering || receiver.requests.indexOf(request) < ANSWERED) {
      return new Response(null, { status: 204 });
    }
    return new Promise((resolve) =>
      release.push(() => resolve(new Response(null, { status: 204 })))
    );
  });
  const tenantId = await createTenant(db.sql);
  const alertId = await raiseAlert(db.sql, tenantId);
  await db.sql`
    insert into public.deliveries (tenant_id, alert_id, destination, channel, reason, idempotency_key)
    select ${tenantId}, ${alertId}, ${receiver.url} || '/hook/' || n, 'webhook', 'created',
           ${alertId} || '/created/0/dest:' || n || '/webhook'
    from generate_series(1, ${DELIVERIES}) as n`;

  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL("./_dispatch_process.ts", import.meta.url).pathname],
    env: {
      SHELFWATCH_FAULT_DATABASE_URL: db.url,
      SHELFWATCH_FAULT_BATCH: "20",
      SHELFWATCH_FAULT_CONCURRENCY: "4",
      SHELFWATCH_FAULT_LEASE_SECONDS: "30",
    },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let killed = false;
  try {
    // Ten answered, four more hanging at the provider: the process is mid-batch.
    await until(
      () => receiver.requests.length >= ANSWERED + 4,
      "the doomed dispatcher is mid-batch",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill("SIGKILL");
    killed = true;
    const status = await child.status;
    assert.equal(status.signal, "SIGKILL");
  } finally {
    if (!killed) child.kill("SIGKILL");
    await child.stderr.cancel();
  }
  const seenBeforeKill = receiver.requests.map((r) => r.headers.get("idempotency-key")!);
  const atKill = await db.sql<{ idempotency_key: string; status: string; lease: Date | null }[]>`
    select idempotency_key, status, lease_expires_at as lease from public.deliveries
    where tenant_id = ${tenantId}`;
  const sentAtKill = new Set(
    atKill.filter((d) => d.status === "sent").map((d) => d.idempotency_key),
  );
  const leased = atKill.filter((d) => d.status === "sending");
  assert.equal(leased.length, 20 - sentAtKill.size, "the rest of its batch stays leased");

  answering = true;
  for (const resolve of release.splice(0)) resolve();
  const config = notifyConfig({ batchSize: 50, concurrency: 8 });
  const quiet = createLogger("faults", () => {});
  const rescuer = createDispatcher({ sql: db.sql, config, worker: "rescuer", logger: quiet });
  await rescuer.dispatch();
  const stillLeased = await db.sql`
    select 1 from public.deliveries where tenant_id = ${tenantId} and status = 'sending'`;
  assert.equal(stillLeased.length, leased.length, "not taken while the lease lasts");

  // The lease runs out.
  const lease = Math.max(...leased.map((d) => d.lease!.getTime()));
  await db.sql.unsafe(
    `alter database ${db.name} set shelfwatch.now = '${new Date(lease + 1_000).toISOString()}'`,
  );
  const later = postgres(db.url, { max: 4, onnotice: () => {} });
  try {
    const after = createDispatcher({ sql: later, config, worker: "rescuer-2", logger: quiet });
    while ((await after.dispatch()).claimed > 0) { /* drain */ }
  } finally {
    await later.end();
  }

  const rows = await db.sql<{ idempotency_key: string; status: string }[]>`
    select idempotency_key, status from public.deliveries where tenant_id = ${tenantId}`;
  assert.equal(rows.length, DELIVERIES);
  assert.ok(rows.every((d) => d.status === "sent"), "no delivery lost");
  const counts = new Map<string, number>();
  for (const r of receiver.requests) {
    const key = r.headers.get("idempotency-key")!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const keys = new Set(rows.map((d) => d.idempotency_key));
  assert.deepEqual([...counts.keys()].filter((k) => !keys.has(k)), [], "only the table's keys");
  const twice = [...counts].filter(([, n]) => n > 1).map(([key]) => key);
  for (const key of keys) {
    const n = counts.get(key) ?? 0;
    if (seenBeforeKill.includes(key) && !sentAtKill.has(key)) {
      assert.ok(n === 1 || n === 2, `in flight at the kill: at most twice (${key} x${n})`);
    } else {
      assert.equal(n, 1, `${key} sent exactly once`);
    }
  }
  for (const key of seenBeforeKill.slice(ANSWERED)) {
    assert.equal(counts.get(key), 2, `hanging at the kill, sent again with the same key: ${key}`);
  }
  console.log(
    `  killed mid-batch: ${sentAtKill.size} recorded sent, ${leased.length} leased, ${twice.length} re-sent with the same key`,
  );
});
