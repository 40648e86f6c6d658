/**
 * @module
 * Postgres restarted mid-load, on a throwaway cluster of this test's own (another port, under
 * /tmp; never the shared one on 54322): a writer raises critical alerts one after another (a
 * failed write is retried with the same dedup key, as an integration should) while the stack's
 * dispatch worker sends them to all seven channels; halfway the cluster is stopped and started
 * again. Afterwards every alert exists once, every delivery is sent, and each reached its provider
 * exactly once: a delivery claimed but not sent when the connection broke is sent after its lease,
 * and one sent but not yet recorded is recorded once Postgres is back (the completion is retried
 * rather than given up, which would have it sent again after its lease).
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { createLogger } from "../../functions/_shared/logging.ts";
import { applyMigrations, applyPlatform } from "../../local/migrations.ts";
import { startStack } from "../../local/stack.ts";
import { startThrowawayCluster } from "../_support/throwaway_cluster.ts";
import {
  CHANNELS,
  routeToFakes,
  startAllChannels,
  tenantOnEveryChannel,
  until,
} from "../load/_channels.ts";

const ALERTS = 30;

Deno.test("Postgres restarted mid-load: no alert lost, no delivery lost, none sent twice", async () => {
  await using cluster = await startThrowawayCluster({
    prefix: "shelfwatch_faults_pg_",
    firstPort: 56000,
  });
  await using channels = startAllChannels({ leaseSeconds: 15, timeoutMs: 2_000 });
  const sql = postgres(cluster.url, { max: 2, onnotice: () => {} });
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  const logs: string[] = [];
  try {
    await applyPlatform(sql);
    await applyMigrations(sql);
    await routeToFakes(sql, channels);
    const { tenantId } = await tenantOnEveryChannel(sql);
    stack = await startStack({
      databaseUrl: cluster.url,
      jwtSecret: crypto.randomUUID() + crypto.randomUUID(),
      port: 0,
      notify: channels.config,
      dispatchWorker: true,
      logger: createLogger("faults", (line) => logs.push(line)),
    });

    let failedWrites = 0;
    const raise = async (n: number) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        try {
          await sql`select public.raise_alert(${tenantId}, 'inventory.low_stock', 'critical',
                      ${`Restart loaf ${n}`}, null, ${`restart-${n}`})`;
          return;
        } catch {
          failedWrites++;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      throw new Error(`alert ${n} could not be written`);
    };
    for (let n = 0; n < ALERTS / 2; n++) await raise(n);
    await until(() => channels.sends().length > 0, "the worker is sending");
    await cluster.stop();
    const writing = (async () => {
      for (let n = ALERTS / 2; n < ALERTS; n++) await raise(n);
    })();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await cluster.start();
    await writing;

    const expected = ALERTS * CHANNELS.length;
    await until(
      async () => {
        const [{ sent }] = await sql<{ sent: number }[]>`
        select count(*) filter (where status = 'sent')::int as sent from public.deliveries`;
        return sent === expected;
      },
      `all ${expected} deliveries sent`,
      60_000,
    );

    const [{ alerts }] = await sql<{ alerts: number }[]>`
      select count(*)::int as alerts from public.alerts where tenant_id = ${tenantId}`;
    assert.equal(alerts, ALERTS, "no alert lost or doubled");
    const rows = await sql<{ channel: string; key: string; attempts: number; status: string }[]>`
      select channel, idempotency_key as key, attempts, status from public.deliveries`;
    assert.equal(rows.length, expected, "every alert routed to all seven channels");
    const counts = new Map<string, number>();
    for (const s of channels.sends()) {
      counts.set(`${s.channel}|${s.key}`, (counts.get(`${s.channel}|${s.key}`) ?? 0) + 1);
    }
    for (const channel of CHANNELS) {
      const keys = [...counts].filter(([k]) => k.startsWith(`${channel}|`));
      assert.equal(keys.length, ALERTS, `${channel}: every alert arrived`);
    }
    const retried = rows.filter((r) => r.attempts > 1).length;
    const twice = [...counts].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`);
    assert.deepEqual(
      twice,
      [],
      `no delivery sent twice; the stack logged: ${
        logs.filter((l) => /failed|lost|error/.test(l)).join("\n")
      }`,
    );
    console.log(
      `  restart mid-load: ${failedWrites} failed writes retried, ${retried} deliveries claimed again after their lease`,
    );
  } finally {
    await stack?.stop();
    await sql.end({ timeout: 1 }).catch(() => {});
  }
});
