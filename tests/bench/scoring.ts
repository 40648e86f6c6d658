/**
 * @module
 * Stockout-scoring benchmarks: a full re-score of N store x product items against the same
 * arithmetic done by one plain SQL query, and an inventory write that raises an alert (scored by
 * the statement-level trigger) against the same write to a table without triggers.
 */

import type { TestDatabase } from "../_support/database.ts";
import { measure, type Measurement } from "./measure.ts";

const TENANT = "00000000-0000-4000-8000-0000000000be";

/** Loads `items` items (√items stores, each with a stores row, x products), 2 % of them short of stock. */
export async function loadScoringData(db: TestDatabase, items: number): Promise<void> {
  const stores = Math.max(1, Math.round(Math.sqrt(items)));
  const products = Math.ceil(items / stores);
  await db.sql`insert into public.tenants (id, name) values (${TENANT}, 'Bench bakery')`;
  // Feeds load in bulk here without triggers; the timed passes below score them.
  await db.sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    // Stores as a real tenant has them (their local "today" decides which forecasts count).
    await tx`insert into public.stores (tenant_id, id, name)
             select ${TENANT}, 's' || s, 'Store ' || s from generate_series(1, ${stores}) as s`;
    await tx`insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand, reorder_point, lead_time_days, unit_price)
             select ${TENANT}, 's' || s, 'p' || p, case when (s * 7 + p) % 50 = 0 then 5 else 500 end, 20, 1, 2.5
             from generate_series(1, ${stores}) as s, generate_series(1, ${products}) as p`;
    await tx`insert into public.demand_forecasts (tenant_id, store_id, product_id, forecast_date, forecasted_demand)
             select ${TENANT}, 's' || s, 'p' || p, (private.now() at time zone 'UTC')::date + d, 10
             from generate_series(1, ${stores}) as s, generate_series(1, ${products}) as p, generate_series(0, 6) as d`;
  });
  await db.sql`analyze`;
}

/** Seconds for one full scoring pass (the first opens the alerts; the measured one is steady state). */
export async function fullRescore(
  db: TestDatabase,
): Promise<{ first: number; steady: Measurement; reference: Measurement }> {
  const t0 = performance.now();
  await db.sql`select * from public.score_stockouts(${TENANT})`;
  const first = (performance.now() - t0) / 1000;
  const steady = await measure(() => db.sql`select * from public.score_stockouts(${TENANT})`, {
    count: 3,
    concurrency: 1,
  });
  // The same demand/cover arithmetic with no thresholds, text or dedup: what Postgres itself costs.
  const reference = await measure(
    () =>
      db.sql`select count(*) filter (where i.on_hand / greatest(f.demand, 0.1) <= 3)
           from public.inventory_levels as i
           left join (select store_id, product_id, avg(forecasted_demand) as demand from public.demand_forecasts
                      where tenant_id = ${TENANT} group by 1, 2) as f using (store_id, product_id)
           where i.tenant_id = ${TENANT}`,
    { count: 3, concurrency: 1 },
  );
  return { first, steady, reference };
}

/** Single-row inventory writes that cross into an alert, beside the same writes without triggers. */
export async function writeToAlert(
  db: TestDatabase,
  count: number,
): Promise<{ figure: Measurement; reference: Measurement }> {
  await db
    .sql`create table public.bench_plain_inventory as select * from public.inventory_levels where tenant_id = ${TENANT}`;
  await db
    .sql`alter table public.bench_plain_inventory add primary key (tenant_id, store_id, product_id)`;
  const item = (i: number) => ({
    store: `s${1 + (i % 10)}`,
    product: `p${1 + Math.floor(i / 10) % 10}`,
  });
  const reference = await measure((i) => {
    const { store, product } = item(i);
    return db.sql`update public.bench_plain_inventory set on_hand = ${i % 2 ? 3 : 500}
                  where tenant_id = ${TENANT} and store_id = ${store} and product_id = ${product}`;
  }, { count, concurrency: 1 });
  const figure = await measure((i) => {
    const { store, product } = item(i);
    return db.sql`update public.inventory_levels set on_hand = ${i % 2 ? 3 : 500}
                  where tenant_id = ${TENANT} and store_id = ${store} and product_id = ${product}`;
  }, { count, concurrency: 1 });
  return { figure, reference };
}
