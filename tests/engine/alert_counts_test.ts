/**
 * @module
 * The alert counts (`public.alert_counts`) stay exact under concurrency: sessions raising,
 * acknowledging and resolving alerts of one tenant at once never wait on a shared counter, and
 * folds and recounts running meanwhile neither lose nor double a change.
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { createTestDatabase } from "../_support/database.ts";

const WRITERS = 6;
const ROUNDS = 40;
const MAINTAINERS = 2;

Deno.test("alert counts stay exact while 6 sessions write alerts and 2 fold and recount meanwhile", async () => {
  await using db = await createTestDatabase();
  const [{ id: tenantId }] = await db.sql`
    insert into public.tenants (name) values ('Concurrent counts') returning id`;
  const pools = Array.from(
    { length: WRITERS + MAINTAINERS },
    () => postgres(db.url, { max: 1, onnotice: () => {} }),
  );
  let writing = true;
  try {
    const writers = pools.slice(0, WRITERS).map(async (pool, worker) => {
      for (let round = 0; round < ROUNDS; round++) {
        const severity = ["low", "medium", "high", "critical"][(worker + round) % 4];
        const [{ id }] = await pool<{ id: string }[]>`
          select public.raise_alert(
            tenant_id => ${tenantId}::uuid, alert_type => 'count_test', severity => ${severity},
            title => 'Counted', dedup_key => ${`w${worker}:${round}`}) as id`;
        if (round % 3 === 1) await pool`select public.acknowledge_alert(${id}::uuid, null)`;
        if (round % 3 === 2) await pool`select public.resolve_alert(${id}::uuid, null)`;
      }
    });
    const maintainers = pools.slice(WRITERS).map(async (pool, n) => {
      while (writing) {
        await (n === 0
          ? pool`select private.fold_alert_counts()`
          : pool`select private.recount_alerts(${tenantId}::uuid)`);
      }
    });
    await Promise.all(writers);
    writing = false;
    await Promise.all(maintainers);
  } finally {
    writing = false;
    await Promise.all(pools.map((pool) => pool.end()));
  }

  const compare = async () =>
    await db.sql<{ counted: string; exact: string }[]>`
      select
        (select coalesce(jsonb_object_agg(severity || '/' || status, alerts), '{}')::text
         from (select severity, status, alerts from public.alert_counts
               where tenant_id = ${tenantId} and alerts <> 0 order by 1, 2) as c) as counted,
        (select coalesce(jsonb_object_agg(severity || '/' || status, n), '{}')::text
         from (select severity, status, count(*) as n from public.alerts
               where tenant_id = ${tenantId} group by 1, 2 order by 1, 2) as e) as exact`;
  const [before] = await compare();
  assert.equal(before.counted, before.exact, "counts with changes still pending");
  const total = Object.values(JSON.parse(before.counted) as Record<string, number>)
    .reduce((sum, n) => sum + n, 0);
  assert.equal(total, WRITERS * ROUNDS);
  await db.sql`select private.fold_alert_counts()`;
  const [after] = await compare();
  assert.equal(after.counted, after.exact, "counts after a final fold");
});
