/**
 * @module
 * Demo activity: while `start` runs with demo data, the demo tenant's stores keep selling, and
 * restock when a shelf is nearly empty, so new and changing alerts arrive live on the dashboard
 * within seconds, as they would in a real bakery. Only ever touches the demo tenant.
 */

import type postgres from "postgres";
import { DEMO_TENANT_ID } from "./demo.ts";

/**
 * One tick: a few random demo items sell some stock (about an hour of their daily demand); items
 * under half a day of cover get a delivery of a day and a half instead. One statement, so scoring
 * sees it as one write.
 *
 * @example
 * ```ts
 * const changed = await simulateDemoTick(sql); // number of inventory rows written
 * ```
 */
export async function simulateDemoTick(sql: postgres.Sql, { items = 3 } = {}): Promise<number> {
  const rows = await sql`
    with picked as (
      select i.store_id, i.product_id, i.on_hand,
             greatest(coalesce((select avg(f.forecasted_demand) from public.demand_forecasts as f
                                where f.tenant_id = i.tenant_id and f.store_id = i.store_id and f.product_id = i.product_id), 10), 1) as daily
      from public.inventory_levels as i
      where i.tenant_id = ${DEMO_TENANT_ID}
      order by random()
      limit ${items}
    )
    update public.inventory_levels as i
    set on_hand = case
      when p.on_hand < p.daily / 2 then p.on_hand + ceil(p.daily * 1.5)
      else greatest(0, p.on_hand - ceil(p.daily * (0.02 + random() * 0.1)))
    end
    from picked as p
    where i.tenant_id = ${DEMO_TENANT_ID} and i.store_id = p.store_id and i.product_id = p.product_id
    returning i.product_id`;
  return rows.length;
}

/** Runs {@link simulateDemoTick} every `intervalMs` until the returned function is called. */
export function startDemoActivity(sql: postgres.Sql, { intervalMs = 5000 } = {}): () => void {
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped) return;
    simulateDemoTick(sql).catch((error) =>
      console.error(`shelfwatch: demo activity paused: ${error.message}`)
    );
  }, intervalMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
