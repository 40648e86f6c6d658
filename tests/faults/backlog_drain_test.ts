/**
 * @module
 * A backlog draining in priority order: deliveries of every priority (0-100, interleaved) are
 * inserted set-based as if the dispatcher had been down, then one dispatcher drains them to a fast
 * local sink in batches of 1,000 with 64 requests in flight. Each batch is claimed highest priority
 * first, so batch by batch the priorities never go up; every delivery arrives exactly once and
 * ends `sent`. The full size is 100,000 (`SHELFWATCH_LOAD_FULL=1`, a few minutes on
 * two cores); the default, 10,000, keeps the suite quick. Throughput is printed.
 */

import assert from "node:assert/strict";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createDispatcher } from "../../functions/notify/dispatcher.ts";
import { createTestDatabase } from "../_support/database.ts";
import { createTenant, notifyConfig, raiseAlert } from "../notify/_fixture.ts";

const BACKLOG = Deno.env.get("SHELFWATCH_LOAD_FULL") === "1" ? 100_000 : 10_000;
const BATCH = 1_000;

Deno.test(`a backlog of ${BACKLOG} deliveries drains in priority order, each sent exactly once`, async () => {
  await using db = await createTestDatabase();
  const arrived: string[] = [];
  await using sink = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (req) => {
    arrived.push(req.headers.get("idempotency-key") ?? "");
    return new Response(null, { status: 204 });
  });
  const url = `http://127.0.0.1:${sink.addr.port}/sink`;
  const tenantId = await createTenant(db.sql);
  const alertId = await raiseAlert(db.sql, tenantId);
  await db.sql`
    insert into public.deliveries
      (tenant_id, alert_id, destination, channel, reason, priority, idempotency_key)
    select ${tenantId}, ${alertId}, ${url}, 'webhook', 'created', (n * 37) % 101, 'backlog/' || n
    from generate_series(1, ${BACKLOG}) as n`;
  await db.sql`analyze public.deliveries`;

  const dispatcher = createDispatcher({
    sql: db.sql,
    config: notifyConfig({ batchSize: BATCH, concurrency: 64 }),
    logger: createLogger("faults", () => {}),
  });
  const started = performance.now();
  for (;;) {
    const summary = await dispatcher.dispatch();
    if (summary.claimed === 0) break;
    assert.equal(summary.sent, summary.claimed, JSON.stringify(summary));
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `  ${BACKLOG} deliveries drained in ${seconds.toFixed(1)} s (${
      Math.round(BACKLOG / seconds)
    }/s)`,
  );

  assert.equal(arrived.length, BACKLOG, "each arrived once");
  assert.equal(new Set(arrived).size, BACKLOG, "none twice");
  const priority = (key: string) => (Number(key.slice("backlog/".length)) * 37) % 101;
  let previousLowest = 100;
  for (let i = 0; i < arrived.length; i += BATCH) {
    const batch = arrived.slice(i, i + BATCH).map(priority);
    assert.ok(
      Math.max(...batch) <= previousLowest,
      `batch ${i / BATCH} holds priority ${
        Math.max(...batch)
      } after a batch down to ${previousLowest}`,
    );
    previousLowest = Math.min(...batch);
  }
  assert.equal(priority(arrived[0]), 100, "the highest priority first");
  assert.equal(priority(arrived.at(-1)!), 0, "the lowest last");
  const [left] = await db.sql<{ unsent: number }[]>`
    select count(*) filter (where status <> 'sent')::int as unsent from public.deliveries
    where tenant_id = ${tenantId}`;
  assert.equal(left.unsent, 0);
});
