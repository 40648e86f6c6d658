/**
 * @module
 * Inventory update → dashboard: one `inventory_levels` write that drops an item below its cover,
 * scored by the statement trigger in the same transaction, its new alert broadcast on the
 * tenant's private topic and received by a supabase-js client in a process of its own (as the
 * dashboard subscribes), measured from the write's start to the callback; beside the same UPDATE on a table without
 * triggers. One write at a time, each on an item of its own, on the whole local stack.
 */

import { startTestStack } from "../_support/stack.ts";
import { measure, percentile } from "./measure.ts";
import { LIMITS, prepareTenant, spawnSubscribers, TENANT } from "./realtime.ts";
import type { BenchRow } from "./report.ts";

const now = () => performance.timeOrigin + performance.now();

/**
 * The inventory-to-dashboard row: `count` writes, each raising one alert.
 *
 * @example
 * ```ts
 * rows.push(await inventoryToDashboard({ count: 100, progress: console.error }));
 * ```
 */
export async function inventoryToDashboard(
  { count, progress }: { count: number; progress: (text: string) => void },
): Promise<BenchRow> {
  await using stack = await startTestStack({ realtimeLimits: LIMITS });
  await prepareTenant(stack);
  const sql = stack.db.sql;
  const stores = 25;
  const products = Math.ceil(count / stores);
  progress(`inventory → dashboard: ${stores * products} items`);
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`insert into public.stores (tenant_id, id, name)
             select ${TENANT}, 's' || s, 'Store ' || s from generate_series(1, ${stores}) as s`;
    await tx`insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand, reorder_point, lead_time_days, unit_price)
             select ${TENANT}, 's' || s, 'p' || p, 500, 20, 1, 2.5
             from generate_series(1, ${stores}) as s, generate_series(1, ${products}) as p`;
    await tx`insert into public.demand_forecasts (tenant_id, store_id, product_id, forecast_date, forecasted_demand)
             select ${TENANT}, 's' || s, 'p' || p, (private.now() at time zone 'UTC')::date + d, 10
             from generate_series(1, ${stores}) as s, generate_series(1, ${products}) as p, generate_series(0, 6) as d`;
  });
  await sql`create table public.bench_plain_inventory as
            select * from public.inventory_levels where tenant_id = ${TENANT}`;
  await sql`alter table public.bench_plain_inventory add primary key (tenant_id, store_id, product_id)`;
  await sql`analyze`;
  await sql`select * from public.score_stockouts(${TENANT})`;
  const item = (i: number) => ({
    store: `s${1 + (i % stores)}`,
    product: `p${1 + Math.floor(i / stores)}`,
  });

  // the dashboard's client in a process of its own, as a browser would be
  const dashboard = await spawnSubscribers(stack, {
    count: 1,
    mode: "supabase",
    prefix: "item",
    byItem: true,
  });
  try {
    progress(`inventory → dashboard: reference, ${count} plain updates`);
    const reference = await measure((i) => {
      const { store, product } = item(i);
      return sql`update public.bench_plain_inventory set on_hand = 3
                 where tenant_id = ${TENANT} and store_id = ${store} and product_id = ${product}`;
    }, { count, concurrency: 1 });

    progress(`inventory → dashboard: ${count} writes, one at a time`);
    const latencies: number[] = [];
    const started = new Map<string, number>();
    let lost = 0;
    for (let i = 0; i < count; i++) {
      const { store, product } = item(i);
      const key = `${store}/${product}`;
      started.set(key, now());
      await sql`update public.inventory_levels set on_hand = 3
                where tenant_id = ${TENANT} and store_id = ${store} and product_id = ${product}`;
      await dashboard.done(key, 5_000).catch(() => {});
    }
    const arrivals = await dashboard.report();
    for (const [key, at] of started) {
      const [arrived] = arrivals[key] ?? [];
      if (arrived === undefined) lost++;
      else latencies.push(arrived - at);
    }
    latencies.sort((a, b) => a - b);
    const p = (f: number) => percentile(latencies, f);
    return {
      name:
        `inventory write that drops an item below cover → its alert in a supabase-js client (trigger scores it in the write's transaction; Realtime; ${count} writes one at a time, ${lost} lost)`,
      figure: `p50 ${p(0.5).toFixed(1)} ms p95 ${p(0.95).toFixed(1)} ms p99 ${
        p(0.99).toFixed(1)
      } ms`,
      reference: `the same UPDATE on a table without triggers: p50 ${
        reference.p50Ms.toFixed(2)
      } ms p99 ${reference.p99Ms.toFixed(2)} ms`,
      ratio: reference.p99Ms / p(0.99),
      goal: "inventory update re-scored and on the dashboard <= 50 ms p99",
      check: { value: lost > 0 ? Infinity : p(0.99), op: "<=", target: 50 },
      raw: { count, lost, p50: p(0.5), p95: p(0.95), p99: p(0.99), reference },
    };
  } finally {
    await dashboard.report().catch(() => {});
  }
}
