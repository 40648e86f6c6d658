/**
 * @module
 * Proofs for the outbox's claiming contract against a real Postgres, as the dispatcher uses it
 * (service_role): two workers claiming at once never get the same delivery and miss none; a
 * delivery whose lease ran out is claimed again with the same idempotency key; a worker that lost
 * its lease cannot complete; critical deliveries jump a backlog of low ones.
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { withClaims } from "../../functions/_shared/db.ts";
import { createTestDatabase } from "../_support/database.ts";

const SERVICE = { role: "service_role" } as const;

interface Claimed {
  id: string;
  idempotency_key: string;
  attempts: number;
  claimed_by: string;
  priority: number;
  status: string;
}

/** Claims one batch as the dispatcher does: its own transaction, as service_role. */
function claim(sql: postgres.Sql, worker: string, batchSize = 50, leaseSeconds = 60) {
  return withClaims(sql, SERVICE, (tx) =>
    tx<Claimed[]>`
      select id, idempotency_key, attempts, claimed_by, priority, status
      from public.claim_deliveries(${worker}, ${batchSize}, ${leaseSeconds})`);
}

/** A tenant with one alert (no members, so routing adds nothing) to hang test deliveries on. */
async function createAlert(
  sql: postgres.Sql,
  name: string,
): Promise<{ tenantId: string; alertId: string }> {
  const [{ tenant_id, alert_id }] = await sql<{ tenant_id: string; alert_id: string }[]>`
    with tenant as (insert into public.tenants (name) values (${name}) returning id)
    select tenant.id as tenant_id,
           public.raise_alert(tenant.id, 'outbox_test', 'high', ${name}) as alert_id
    from tenant`;
  return { tenantId: tenant_id, alertId: alert_id };
}

/** Inserts `count` due email deliveries with the given priority, due `dueAgo` ago. */
async function insertDeliveries(
  sql: postgres.Sql,
  { tenantId, alertId }: { tenantId: string; alertId: string },
  { count, priority = 50, label, dueAgo = "0 seconds" }: {
    count: number;
    priority?: number;
    label: string;
    dueAgo?: string;
  },
) {
  await sql`
    insert into public.deliveries (tenant_id, alert_id, user_id, channel, reason, priority, due_at, idempotency_key)
    select ${tenantId}, ${alertId}, gen_random_uuid(), 'email', 'created', ${priority},
           now() - ${dueAgo}::interval - make_interval(secs => n / 1000.0),
           ${alertId} || '/created/0/' || ${label} || '-' || n || '/email'
    from generate_series(1, ${count}) as n`;
}

function isSqlState(code: string) {
  return (error: unknown): true => {
    if (!(error instanceof postgres.PostgresError) || error.code !== code) {
      throw new TypeError(`Expected SQLSTATE ${code}, got ${String(error)}`, { cause: error });
    }
    return true;
  };
}

Deno.test("claim_deliveries() hands each of 500 due deliveries to exactly one of two concurrent workers", async () => {
  await using db = await createTestDatabase();
  const alert = await createAlert(db.sql, "Concurrent claims");
  await insertDeliveries(db.sql, alert, { count: 500, label: "bulk" });

  const workers = ["worker-a", "worker-b"].map((name) => ({
    name,
    sql: postgres(db.url, { max: 1, onnotice: () => {} }),
    claimed: [] as Claimed[],
    batches: 0,
  }));
  try {
    // Each worker claims batches of 20 until an empty batch, both at the same time.
    await Promise.all(workers.map(async (worker) => {
      for (;;) {
        const batch = await claim(worker.sql, worker.name, 20);
        if (batch.length === 0) return;
        worker.batches++;
        worker.claimed.push(...batch);
      }
    }));
  } finally {
    await Promise.all(workers.map((worker) => worker.sql.end()));
  }

  const all = workers.flatMap((worker) => worker.claimed);
  assert.equal(all.length, 500, "500 claims in all");
  assert.equal(new Set(all.map((row) => row.id)).size, 500, "no delivery was claimed twice");
  for (const worker of workers) {
    assert.ok(worker.batches > 0, `${worker.name} claimed at least one batch`);
    assert.ok(worker.claimed.every((row) => row.claimed_by === worker.name && row.attempts === 1));
  }
  const [state] = await db.sql<{ sending: number; other: number; by_a: number }[]>`
    select count(*) filter (where status = 'sending' and attempts = 1)::int as sending,
           count(*) filter (where status <> 'sending' or attempts <> 1)::int as other,
           count(*) filter (where claimed_by = 'worker-a')::int as by_a
    from public.deliveries where alert_id = ${alert.alertId}`;
  assert.deepEqual(state, {
    sending: 500,
    other: 0,
    by_a: workers[0].claimed.length,
  }, "every delivery is sending, once, under the worker that got it (none missing)");
});

Deno.test("claim_deliveries() skips rows another worker's open transaction holds instead of waiting", async () => {
  await using db = await createTestDatabase();
  const alert = await createAlert(db.sql, "Skip locked");
  await insertDeliveries(db.sql, alert, { count: 10, label: "held" });

  const holder = postgres(db.url, { max: 1, onnotice: () => {} });
  const other = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let signalClaimed!: (rows: Claimed[]) => void;
    const claimed = new Promise<Claimed[]>((resolve) => (signalClaimed = resolve));
    const holding = withClaims(holder, SERVICE, async (tx) => {
      signalClaimed(
        await tx<Claimed[]>`
          select id, idempotency_key, attempts, claimed_by, priority, status
          from public.claim_deliveries('holder', 6, 60)`,
      );
      await released; // keep the transaction (and its row locks) open
    });
    // Whichever comes first: the holder's rows, or its failure (so a broken claim cannot hang the test).
    const claimedByHolder = await Promise.race([claimed, holding.then(() => [] as Claimed[])]);
    const claimedByOther = await claim(other, "other", 10);
    release();
    await holding;

    assert.equal(claimedByHolder.length, 6);
    assert.equal(
      claimedByOther.length,
      4,
      "the other worker got the 4 rows not held, without waiting",
    );
    const holderIds = new Set(claimedByHolder.map((row) => row.id));
    assert.ok(claimedByOther.every((row) => !holderIds.has(row.id)), "and none of the held ones");
  } finally {
    await Promise.all([holder.end(), other.end()]);
  }
});

Deno.test("a delivery whose lease expired is claimed again with the same idempotency key, and the late worker cannot complete it", async () => {
  await using db = await createTestDatabase();
  const alert = await createAlert(db.sql, "Lease expiry");
  await insertDeliveries(db.sql, alert, { count: 1, label: "lease" });

  const [first] = await claim(db.sql, "worker-1", 10, 60);
  assert.equal(first.attempts, 1);
  assert.equal(
    (await claim(db.sql, "worker-2")).length,
    0,
    "a live lease keeps the row from others",
  );

  // worker-1 stalls past its lease (moved behind the API's back, as superuser).
  await db.sql`
    update public.deliveries set lease_expires_at = now() - interval '1 second' where id = ${first.id}`;
  await assert.rejects(
    withClaims(
      db.sql,
      SERVICE,
      (tx) => tx`select public.complete_delivery(${first.id}, 'test', 'late-1')`,
    ),
    isSqlState("SW004"),
    "completing after the lease was lost is SW004",
  );

  const [again] = await claim(db.sql, "worker-2", 10, 60);
  assert.equal(again.id, first.id, "the same delivery is claimed again");
  assert.equal(again.idempotency_key, first.idempotency_key, "with the same idempotency key");
  assert.equal(again.attempts, 2, "as attempt 2");
  assert.equal(again.claimed_by, "worker-2");

  const [done] = await withClaims(
    db.sql,
    SERVICE,
    (tx) =>
      tx<{ status: string; provider_message_id: string }[]>`
      select status, provider_message_id from public.complete_delivery(${again.id}, 'test', 'msg-2')`,
  );
  assert.deepEqual(done, { status: "sent", provider_message_id: "msg-2" });
  await assert.rejects(
    withClaims(
      db.sql,
      SERVICE,
      (tx) => tx`select public.fail_delivery(${first.id}, true, 'timeout', 'worker-1 woke up')`,
    ),
    isSqlState("SW004"),
    "nor can anyone fail it once it is sent",
  );
});

Deno.test("claim_deliveries() serves critical deliveries before an older backlog of low ones", async () => {
  await using db = await createTestDatabase();
  const alert = await createAlert(db.sql, "Priority");
  await insertDeliveries(db.sql, alert, {
    count: 200,
    priority: 30,
    label: "low",
    dueAgo: "1 hour",
  });
  await insertDeliveries(db.sql, alert, { count: 10, priority: 90, label: "critical" });

  const first = await claim(db.sql, "worker", 10);
  assert.deepEqual(
    first.map((row) => row.priority),
    Array(10).fill(90),
    "the first batch is all critical",
  );
  const second = await claim(db.sql, "worker", 10);
  assert.deepEqual(second.map((row) => row.priority), Array(10).fill(30), "then the backlog");
  const [oldest] = await db.sql<{ id: string }[]>`
    select id from public.deliveries where alert_id = ${alert.alertId} and priority = 30
    order by due_at, id limit 1`;
  assert.equal(second[0].id, oldest.id, "oldest due first within a priority");
});

Deno.test("claim_deliveries() is refused to members", async () => {
  await using db = await createTestDatabase();
  await assert.rejects(
    withClaims(
      db.sql,
      { role: "authenticated", sub: crypto.randomUUID() },
      (tx) => tx`select * from public.claim_deliveries('sneaky')`,
    ),
    isSqlState("42501"),
  );
});
