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
  inventory_updated_at timestamptz,
  currency text                 -- the tenant's currency code for money figures, if set
);
comment on type private.stock_position is 'The computed stock situation of one store x product (see private.stock_positions).';

-- No `set search_path`, unlike our other functions: a SET clause stops Postgres from inlining a
-- set-returning SQL function into its caller, and scoring a million items through a materialized
-- function result costs seconds. Every name below is schema-qualified, so search_path cannot
-- change what it reads.
create or replace function private.stock_positions(tenant uuid default null, items private.item_key[] default null)
returns setof private.stock_position
language sql
stable
as $$
  -- Thresholds, the clock and "today" are worked out once per tenant and per store, not per item;
  -- forecasts, sales and inbound orders are aggregated per item first and then hash-joined, so a
  -- full pass over a million items never sorts or probes them one by one. Each input is read in
  -- one of two ways, chosen when the caller's plan is made: all of it (items is null), or just the
  -- given items by primary key (the `union all` branch that does not apply is never run).
  with tenant_rules as materialized (
    select t.id as tenant_id, t.timezone, private.stock_thresholds(t.settings) as th, private.now() as now,
           t.settings ->> 'currency' as currency,
           (private.now() at time zone t.timezone)::date as today
    from public.tenants as t
    where tenant is null or t.id = tenant
  ),
  store_days as materialized (
    select st.tenant_id, st.id as store_id, st.name, (r.now at time zone coalesce(st.timezone, r.timezone))::date as today
    from public.stores as st
    join tenant_rules as r on r.tenant_id = st.tenant_id
  ),
  forecast as (
    select f.tenant_id, f.store_id, f.product_id, pg_catalog.avg(f.forecasted_demand) as demand
    from (
      select f.* from public.demand_forecasts as f where items is null
      union all
      select f.* from pg_catalog.unnest(items) as k
      join public.demand_forecasts as f on f.tenant_id = k.tenant_id and f.store_id = k.store_id and f.product_id = k.product_id
    ) as f
    join tenant_rules as r on r.tenant_id = f.tenant_id
    left join store_days as sd on sd.tenant_id = f.tenant_id and sd.store_id = f.store_id
    where f.forecast_date >= coalesce(sd.today, r.today)
      and f.forecast_date < coalesce(sd.today, r.today) + (r.th).forecast_horizon_days
    group by f.tenant_id, f.store_id, f.product_id
  ),
  velocity as (
    select sa.tenant_id, sa.store_id, sa.product_id,
           pg_catalog.sum(sa.quantity) / pg_catalog.max((r.th).velocity_window_days) as demand
    from (
      select sa.* from public.sales as sa where items is null
      union all
      select sa.* from pg_catalog.unnest(items) as k
      join public.sales as sa on sa.tenant_id = k.tenant_id and sa.store_id = k.store_id and sa.product_id = k.product_id
    ) as sa
    join tenant_rules as r on r.tenant_id = sa.tenant_id
    left join store_days as sd on sd.tenant_id = sa.tenant_id and sd.store_id = sa.store_id
    where sa.sales_date >= coalesce(sd.today, r.today) - (r.th).velocity_window_days
      and sa.sales_date < coalesce(sd.today, r.today)
    group by sa.tenant_id, sa.store_id, sa.product_id
  ),
  inbound as (
    select o.tenant_id, o.store_id, o.product_id, pg_catalog.sum(o.quantity) as total,
           pg_catalog.min(o.expected_at) filter (where o.expected_at >= r.now) as next_at,
           pg_catalog.array_agg(o.expected_at order by o.expected_at) as arrivals,
           pg_catalog.array_agg(o.quantity order by o.expected_at) as quantities
    from (
      select o.* from public.inbound_orders as o where items is null
      union all
      select o.* from pg_catalog.unnest(items) as k
      join public.inbound_orders as o on o.tenant_id = k.tenant_id and o.store_id = k.store_id and o.product_id = k.product_id
    ) as o
    join tenant_rules as r on r.tenant_id = o.tenant_id
    where o.status = 'open'
    group by o.tenant_id, o.store_id, o.product_id, r.now
  ),
  demand as (
    select i.tenant_id, i.store_id, i.product_id, sd.name as store_name, p.name as product_name,
           i.on_hand, i.reorder_point, i.lead_time_days, coalesce(i.safety_stock_days, (r.th).safety_days) as safety,
           i.on_order, i.unit_price, i.updated_at, r.th, r.now, r.currency,
           coalesce(f.demand, v.demand, 0) as daily_demand,
           case when f.demand is not null then 'forecast' when v.demand is not null then 'sales' else 'none' end as demand_source,
           greatest(i.on_hand, 0) / greatest(coalesce(f.demand, v.demand, 0), (r.th).min_daily_demand) as cover,
           n.total as inbound_total, n.next_at, n.arrivals, n.quantities
    from (
      select i.* from public.inventory_levels as i where items is null
      union all
      select i.* from pg_catalog.unnest(items) as k
      join public.inventory_levels as i on i.tenant_id = k.tenant_id and i.store_id = k.store_id and i.product_id = k.product_id
    ) as i
    join tenant_rules as r on r.tenant_id = i.tenant_id
    left join store_days as sd on sd.tenant_id = i.tenant_id and sd.store_id = i.store_id
    left join public.products as p on p.tenant_id = i.tenant_id and p.id = i.product_id
    left join forecast as f on f.tenant_id = i.tenant_id and f.store_id = i.store_id and f.product_id = i.product_id
    left join velocity as v on v.tenant_id = i.tenant_id and v.store_id = i.store_id and v.product_id = i.product_id
    left join inbound as n on n.tenant_id = i.tenant_id and n.store_id = i.store_id and n.product_id = i.product_id
  ),
  -- Only the few items with open inbound orders look at their arrivals.
  arrivals as (
    select d.*,
           case when d.arrivals is null then 0 else (
             select coalesce(pg_catalog.sum(a.quantity), 0)
             from unnest(d.arrivals, d.quantities) as a (arrives_at, quantity) -- multi-array unnest is syntax, not a function
             where a.arrives_at <= d.now + d.cover * interval '1 day') end as inbound_before_stockout,
           case when d.arrivals is null then 0 else (
             select coalesce(pg_catalog.sum(a.quantity), 0)
             from unnest(d.arrivals, d.quantities) as a (arrives_at, quantity)
             where a.arrives_at <= d.now + d.lead_time_days * interval '1 day') end as inbound_within_lead
    from demand as d
  )
  select d.tenant_id, d.store_id, d.product_id, d.store_name, d.product_name,
         d.on_hand, d.reorder_point, d.lead_time_days, d.safety, d.on_order, d.unit_price,
         pg_catalog.round(d.daily_demand, 3), d.demand_source, pg_catalog.round(d.cover, 2),
         d.now + d.cover * interval '1 day',
         d.inbound_before_stockout, d.inbound_within_lead, coalesce(d.inbound_total, 0), d.next_at,
         pg_catalog.ceil(greatest(0,
           d.daily_demand * (d.lead_time_days + (d.th).order_cycle_days + d.safety)
           - greatest(d.on_hand, 0) - d.on_order - coalesce(d.inbound_total, 0))),
         pg_catalog.ceil(greatest(0,
           d.daily_demand * greatest(d.lead_time_days, 1) - greatest(d.on_hand, 0) - d.inbound_within_lead)),
         d.th,
         d.updated_at,
         d.currency
  from arrivals as d
$$;
comment on function private.stock_positions(uuid, private.item_key[]) is 'Computes stock positions (demand, days of cover, projected stockout, inbound, reorder quantity, units short) for a tenant (or all) or for the given items only.';

revoke all on function private.stock_positions(uuid, private.item_key[]) from public;
grant execute on function private.stock_positions(uuid, private.item_key[]) to authenticated, service_role;
