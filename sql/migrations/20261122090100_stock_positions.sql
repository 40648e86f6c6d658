-- Stock positions: for each store x product, what is on hand, what demand to expect (forecast,
-- else recent sales velocity), how many days that covers, when it runs out, what is inbound
-- before then, and what to reorder. Set-based over a whole tenant or just a few changed items;
-- scoring judges these rows, and the dashboard's stock view shows them.
create type private.item_key as (tenant_id uuid, store_id text, product_id text);
comment on type private.item_key is 'One store x product of one tenant.';

create type private.stock_position as (
  tenant_id uuid,
  store_id text,
  product_id text,
  store_name text,
  product_name text,
  on_hand numeric,
  reorder_point numeric,
  lead_time_days numeric,
  safety_days numeric,
  on_order numeric,
  unit_price numeric,
  daily_demand numeric,
  demand_source text,           -- forecast | sales | none
  days_of_cover numeric,        -- max(on_hand, 0) / max(daily_demand, min_daily_demand)
  projected_stockout_at timestamptz,
  inbound_before_stockout numeric,
  inbound_within_lead_time numeric,
  open_inbound numeric,
  next_inbound_at timestamptz,
  reorder_quantity numeric,     -- order-up-to (lead + cycle + safety days of demand) minus everything on hand or coming
  units_short numeric,          -- demand before a reorder could arrive that stock (and inbound) cannot meet
  thresholds private.stock_thresholds,
  inventory_updated_at timestamptz
);
comment on type private.stock_position is 'The computed stock situation of one store x product (see private.stock_positions).';

create or replace function private.stock_positions(tenant uuid default null, items private.item_key[] default null)
returns setof private.stock_position
language sql
stable
set search_path = ''
as $$
  with scope as (
    select i.*, st.name as store_name, p.name as product_name,
           private.stock_thresholds(t.settings) as th,
           (private.now() at time zone coalesce(st.timezone, t.timezone))::date as today
    from public.inventory_levels as i
    join public.tenants as t on t.id = i.tenant_id
    left join public.stores as st on st.tenant_id = i.tenant_id and st.id = i.store_id
    left join public.products as p on p.tenant_id = i.tenant_id and p.id = i.product_id
    where (tenant is null or i.tenant_id = tenant)
      and (items is null or (i.tenant_id, i.store_id, i.product_id) in (
        select k.tenant_id, k.store_id, k.product_id from pg_catalog.unnest(items) as k))
  ),
  forecast as (
    select s.tenant_id, s.store_id, s.product_id, pg_catalog.avg(f.forecasted_demand) as demand
    from scope as s
    join public.demand_forecasts as f
      on f.tenant_id = s.tenant_id and f.store_id = s.store_id and f.product_id = s.product_id
     and f.forecast_date >= s.today and f.forecast_date < s.today + (s.th).forecast_horizon_days
    group by s.tenant_id, s.store_id, s.product_id
  ),
  velocity as (
    select s.tenant_id, s.store_id, s.product_id,
           pg_catalog.sum(sa.quantity) / pg_catalog.max((s.th).velocity_window_days) as demand
    from scope as s
    join public.sales as sa
      on sa.tenant_id = s.tenant_id and sa.store_id = s.store_id and sa.product_id = s.product_id
     and sa.sales_date >= s.today - (s.th).velocity_window_days and sa.sales_date < s.today
    group by s.tenant_id, s.store_id, s.product_id
  ),
  demand as (
    select s.*,
           coalesce(f.demand, v.demand, 0) as daily_demand,
           case when f.demand is not null then 'forecast' when v.demand is not null then 'sales' else 'none' end as demand_source,
           coalesce(s.safety_stock_days, (s.th).safety_days) as safety,
           greatest(s.on_hand, 0) / greatest(coalesce(f.demand, v.demand, 0), (s.th).min_daily_demand) as cover
    from scope as s
    left join forecast as f using (tenant_id, store_id, product_id)
    left join velocity as v using (tenant_id, store_id, product_id)
  ),
  inbound as (
    select d.tenant_id, d.store_id, d.product_id,
           pg_catalog.sum(o.quantity) filter (where o.expected_at <= private.now() + d.cover * interval '1 day') as before_stockout,
           pg_catalog.sum(o.quantity) filter (where o.expected_at <= private.now() + d.lead_time_days * interval '1 day') as within_lead,
           pg_catalog.sum(o.quantity) as total,
           pg_catalog.min(o.expected_at) filter (where o.expected_at >= private.now()) as next_at
    from demand as d
    join public.inbound_orders as o
      on o.tenant_id = d.tenant_id and o.store_id = d.store_id and o.product_id = d.product_id and o.status = 'open'
    group by d.tenant_id, d.store_id, d.product_id
  )
  select d.tenant_id, d.store_id, d.product_id, d.store_name, d.product_name,
         d.on_hand, d.reorder_point, d.lead_time_days, d.safety, d.on_order, d.unit_price,
         pg_catalog.round(d.daily_demand, 3), d.demand_source, pg_catalog.round(d.cover, 2),
         private.now() + d.cover * interval '1 day',
         coalesce(n.before_stockout, 0), coalesce(n.within_lead, 0), coalesce(n.total, 0), n.next_at,
         pg_catalog.ceil(greatest(0,
           d.daily_demand * (d.lead_time_days + (d.th).order_cycle_days + d.safety)
           - greatest(d.on_hand, 0) - d.on_order - coalesce(n.total, 0))),
         pg_catalog.ceil(greatest(0,
           d.daily_demand * greatest(d.lead_time_days, 1) - greatest(d.on_hand, 0) - coalesce(n.within_lead, 0))),
         d.th,
         d.updated_at
  from demand as d
  left join inbound as n using (tenant_id, store_id, product_id)
$$;
comment on function private.stock_positions(uuid, private.item_key[]) is 'Computes stock positions (demand, days of cover, projected stockout, inbound, reorder quantity, units short) for a tenant (or all) or for the given items only.';

revoke all on function private.stock_positions(uuid, private.item_key[]) from public;
grant execute on function private.stock_positions(uuid, private.item_key[]) to authenticated, service_role;
