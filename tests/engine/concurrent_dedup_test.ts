/**
 * @module
 * Concurrency proofs for the alert engine against a real Postgres: dedup keeps at most one open
 * alert per (tenant_id, dedup_key) when many sessions raise the same problems at once, and two
 * members acknowledging one alert at the same moment cannot both succeed.
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { withClaims } from "../../functions/_shared/db.ts";
import { userClaims } from "../../local/tokens.ts";
import { createTestDatabase } from "../_support/database.ts";

const CONNECTIONS = 8;
const CALLS_PER_CONNECTION = 25;
const KEYS = ["race:a", "race:b", "race:c", "race:d", "race:e"];

/** Polls (as a superuser) until some other session of `database` is waiting for a lock. */
async function waitForLockWaiter(sql: postgres.Sql, database: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [{ waiting }] = await sql<{ waiting: number }[]>`
      select count(*)::int as waiting from pg_stat_activity
      where datname = ${database} and wait_event_type = 'Lock'`;
    if (waiting > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`No session of ${database} waited for a lock within ${timeoutMs} ms`);
}

Deno.test("raise_alert() keeps one open alert per dedup key when 8 connections raise the same 5 keys at once", async () => {
  await using db = await createTestDatabase();
  const [{ id: tenantId }] = await db.sql`
    insert into public.tenants (name) values ('Concurrent dedup') returning id`;

  const pools = Array.from(
    { length: CONNECTIONS },
    () => postgres(db.url, { max: 1, onnotice: () => {} }),
  );
  try {
    const outcomes = await Promise.allSettled(pools.map(async (pool, worker) => {
      for (let call = 0; call < CALLS_PER_CONNECTION; call++) {
        // Each connection walks the keys from a different starting point, so at any moment the
        // connections are hitting different keys as well as the same ones.
        const key = KEYS[(worker + call) % KEYS.length];
        await pool`
          select public.raise_alert(
            tenant_id => ${tenantId}::uuid, alert_type => 'race_test', severity => 'medium',
            title => ${`Raced ${key}`}, dedup_key => ${key})`;
      }
    }));
    const errors = outcomes.flatMap((outcome) =>
      outcome.status === "rejected" ? [outcome.reason] : []
    );
    assert.deepEqual(errors, [], "no raise_alert() call may fail under concurrency");
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }

  const open = await db.sql<{ dedup_key: string; occurrence_count: number }[]>`
    select dedup_key, occurrence_count from public.alerts
    where tenant_id = ${tenantId} and status <> 'resolved' order by dedup_key`;
  assert.equal(open.length, KEYS.length, "exactly one open alert per dedup key");
  assert.deepEqual(
    open.map((alert) => alert.dedup_key),
    KEYS,
  );
  const total = open.reduce((sum, alert) => sum + alert.occurrence_count, 0);
  assert.equal(total, CONNECTIONS * CALLS_PER_CONNECTION, "every call is counted exactly once");
  for (const alert of open) {
    assert.equal(
      alert.occurrence_count,
      (CONNECTIONS * CALLS_PER_CONNECTION) / KEYS.length,
      `occurrence_count of ${alert.dedup_key}`,
    );
  }
  const [{ alerts, created }] = await db.sql`
    select (select count(*)::int from public.alerts where tenant_id = ${tenantId}) as alerts,
           (select count(*)::int from public.alert_history
             where tenant_id = ${tenantId} and action = 'created') as created`;
  assert.deepEqual({ alerts, created }, { alerts: KEYS.length, created: KEYS.length });
});

Deno.test("acknowledge_alert() lets exactly one of two staff racing on one alert win; the other gets SW004", async () => {
  await using db = await createTestDatabase();
  const [{ id: tenantId }] = await db.sql`
    insert into public.tenants (name) values ('Acknowledge race') returning id`;
  const staff = [crypto.randomUUID(), crypto.randomUUID()];
  for (const userId of staff) {
    await db.sql`insert into public.tenant_members (tenant_id, user_id, role)
                 values (${tenantId}, ${userId}, 'staff')`;
  }
  const [{ id: alertId }] = await db.sql`
    select public.raise_alert(${tenantId}::uuid, 'race_test', 'high', 'Raced acknowledgement') as id`;

  const pools = staff.map(() => postgres(db.url, { max: 1, onnotice: () => {} }));
  try {
    let go!: () => void;
    const starting = new Promise<void>((resolve) => go = resolve);
    const attempts = pools.map((pool, i) =>
      withClaims(pool, userClaims({ tenantId, userId: staff[i] }), async (tx) => {
        await starting; // both transactions are open, as their member, before either acts
        const [row] = await tx`
          select status, acknowledged_by from public.acknowledge_alert(${alertId}, ${`staff ${i}`})`;
        // The winner keeps its row lock until the other attempt is queued behind it, so the two
        // calls really overlap rather than merely running one after the other.
        await waitForLockWaiter(db.sql, db.name);
        return row;
      })
    );
    go();
    const outcomes = await Promise.allSettled(attempts);

    const won = outcomes.flatMap((outcome, i) => outcome.status === "fulfilled" ? [i] : []);
    assert.equal(won.length, 1, "exactly one acknowledgement succeeds");
    const winner = won[0];
    const winning = outcomes[winner] as PromiseFulfilledResult<Record<string, unknown>>;
    assert.deepEqual(winning.value, { status: "acknowledged", acknowledged_by: staff[winner] });
    const losing = outcomes[1 - winner] as PromiseRejectedResult;
    assert.equal(losing.reason?.code, "SW004", `the loser gets SW004, got ${losing.reason}`);
    assert.match(String(losing.reason?.message), /already acknowledged/);

    const history = await db.sql`
      select actor_id, note from public.alert_history
      where alert_id = ${alertId} and action = 'acknowledged'`;
    assert.deepEqual(
      history.map((row) => ({ ...row })),
      [{ actor_id: staff[winner], note: `staff ${winner}` }],
      "only the winner's acknowledgement is recorded",
    );
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
});
