/**
 * @module
 * `GET /alerts/stock`: every watched store × product of the caller's tenant with what is on hand,
 * the expected daily demand, days of cover, the sales trend (last 7 days against the 7 before)
 * and its most severe open alert — the dashboard's stock view. The positions come from
 * `public.stock_overview()` (the figures scoring judges, for the caller's own tenant only).
 */

import { createRoute, z } from "@hono/zod-openapi";
import type { Tx } from "../_shared/db.ts";
import { errorResponses, jsonResponse, SEVERITIES, STATUSES } from "./alert_schemas.ts";
import { type AlertsRouter, namedTenant, type RouteDeps } from "./route_deps.ts";
import { text } from "./route_deps_schemas.ts";

/** Most rows one request answers. */
export const MAX_STOCK_ROWS = 5000;

/** `?store_id=&q=&at_risk=&limit=` of the stock view. */
export const StockQuery = z.strictObject({
  store_id: text(1, 200).optional(),
  q: text(1, 200).optional().openapi({
    description: "Case-insensitive text in the product's id or name, or the store's",
  }),
  at_risk: z.enum(["true", "false"]).optional().openapi({
    description: "true: only items with an open alert",
  }),
  limit: z.coerce.number().int().min(1).max(MAX_STOCK_ROWS).default(1000),
  tenant_id: z.uuid().optional().openapi({ description: "Service-role callers only" }),
});
/** Parsed {@link StockQuery}. */
export type StockQuery = z.infer<typeof StockQuery>;

const quantity = z.number().nullable();

/** One store × product. */
export const StockItem = z.object({
  store_id: z.string(),
  store_name: z.string().nullable(),
  product_id: z.string(),
  product_name: z.string().nullable(),
  on_hand: z.number(),
  reorder_point: quantity,
  on_order: quantity,
  daily_demand: quantity,
  demand_source: z.enum(["forecast", "sales", "none"]),
  days_of_cover: quantity.openapi({ description: "null when no demand is expected" }),
  projected_stockout_at: z.string().nullable(),
  next_inbound_at: z.string().nullable(),
  reorder_quantity: quantity,
  sales_last_7_days: quantity,
  sales_previous_7_days: quantity,
  trend: z.enum(["rising", "falling", "steady"]).nullable().openapi({
    description: "Sales of the last 7 days against the 7 before (±10% is steady); null: no sales",
  }),
  trend_percent: quantity,
  alert: z.object({
    id: z.uuid(),
    severity: z.enum(SEVERITIES),
    status: z.enum(STATUSES),
    title: z.string(),
  }).nullable().openapi({ description: "The most severe open alert on this item" }),
}).openapi("StockItem");

/** `GET /alerts/stock`. */
export const stockRoute = createRoute({
  method: "get",
  path: "/stock",
  tags: ["stock"],
  security: [{ bearer: [] }],
  summary: "Stock positions of every store × product, with trend and open alert (every member)",
  request: { query: StockQuery },
  responses: {
    200: jsonResponse(z.object({ data: z.array(StockItem) }), "The items, lowest cover first"),
    ...errorResponses(400, 401, 403),
  },
});

/**
 * Reads the stock positions of the tenant (the caller's, or the one a service names).
 *
 * @example
 * ```ts
 * const { data } = await withClaims(sql, claims, (tx) => listStock(tx, { limit: 100 }, null));
 * ```
 */
export async function listStock(tx: Tx, query: StockQuery, tenant: string | null) {
  const pattern = query.q === undefined ? null : `%${query.q.replace(/[\\%_]/g, "\\$&")}%`;
  const data = await tx<z.infer<typeof StockItem>[]>`
    with p as (
      select * from public.stock_overview(${tenant}::uuid)
      where ${query.store_id ?? null}::text is null or store_id = ${query.store_id ?? null}::text
    ),
    today as (
      select (private.now() at time zone t.timezone)::date as day
      from public.tenants as t where t.id = coalesce(${tenant}::uuid, private.jwt_tenant_id())
    ),
    sold as (
      select s.store_id, s.product_id,
             sum(s.quantity) filter (where s.sales_date > today.day - 7) as last_7,
             sum(s.quantity) filter (where s.sales_date <= today.day - 7) as previous_7
      from public.sales as s cross join today
      where s.tenant_id = coalesce(${tenant}::uuid, private.jwt_tenant_id())
        and s.sales_date > today.day - 14 and s.sales_date <= today.day
      group by s.store_id, s.product_id
    ),
    open_alert as (
      select distinct on (a.store_id, a.product_id) a.store_id, a.product_id,
             pg_catalog.jsonb_build_object('id', a.id, 'severity', a.severity, 'status', a.status,
               'title', a.title) as alert
      from public.alerts as a
      where a.tenant_id = coalesce(${tenant}::uuid, private.jwt_tenant_id())
        and a.status <> 'resolved' and a.store_id is not null and a.product_id is not null
      order by a.store_id, a.product_id, private.severity_rank(a.severity) desc, a.created_at desc
    )
    select p.store_id, p.store_name, p.product_id, p.product_name,
           p.on_hand::float8, p.reorder_point::float8, p.on_order::float8,
           p.daily_demand::float8, p.demand_source,
           case when p.demand_source = 'none' then null else p.days_of_cover::float8 end as days_of_cover,
           case when p.demand_source = 'none' then null else p.projected_stockout_at end
             as projected_stockout_at,
           p.next_inbound_at, p.reorder_quantity::float8,
           sold.last_7::float8 as sales_last_7_days, sold.previous_7::float8 as sales_previous_7_days,
           case when sold.previous_7 > 0 then
             case when sold.last_7 > sold.previous_7 * 1.1 then 'rising'
                  when sold.last_7 < sold.previous_7 * 0.9 then 'falling'
                  else 'steady' end
           end as trend,
           round((sold.last_7 - sold.previous_7) * 100 / nullif(sold.previous_7, 0), 1)::float8
             as trend_percent,
           oa.alert
    from p
    left join sold on sold.store_id = p.store_id and sold.product_id = p.product_id
    left join open_alert as oa on oa.store_id = p.store_id and oa.product_id = p.product_id
    where (${pattern}::text is null
           or p.product_id ilike ${pattern} or p.product_name ilike ${pattern}
           or p.store_id ilike ${pattern} or p.store_name ilike ${pattern})
      and (${query.at_risk ?? null}::text is distinct from 'true' or oa.alert is not null)
    order by p.days_of_cover nulls last, p.store_id, p.product_id
    limit ${query.limit}`;
  return { data };
}

/**
 * Registers `GET /stock`. Register before `GET /{id}` (alert detail).
 *
 * @example
 * ```ts
 * registerStockRoutes(app, { asCaller });
 * ```
 */
export function registerStockRoutes(app: AlertsRouter, { asCaller }: RouteDeps): void {
  app.openapi(stockRoute, async (c) => {
    const query = c.req.valid("query");
    const tenant = namedTenant(c, query.tenant_id);
    return c.json(await asCaller(c, (tx) => listStock(tx, query, tenant)), 200);
  });
}
