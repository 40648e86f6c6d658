-- Stockout scoring: each item's forecast demand kept ready instead of averaged on every pass.
--
-- Profiled on 1,000,000 items with 7 days of forecasts each (EXPLAIN ANALYZE, after 20261122160100):
-- reading and averaging the 7,000,000 forecast rows was ~63 % of a full pass, every minute, though
-- forecasts change a few times a day and the window they are averaged over moves once a day.
-- private.forecast_demand keeps, per item, the average over the window the pass uses (from the
-- store's local today, forecast_horizon_days long). A full pass (private.score_items with no
-- items) first refreshes the rows that are missing or stale - stale when the window moved (a new
-- local day, another horizon or time zone) or the item's forecasts were written since (the
-- statement triggers below forget those items) - and then reads the cache. So a quiet pass reads
-- no forecasts at all, a pass after a feed re-averages just what the feed touched, and the first
-- pass of a day does the full average once. Item-scoped passes from the write triggers, and every
-- other caller of private.stock_positions (e.g. the stock overview), average the forecasts
-- themselves as before: the cache is read only when score_items has just refreshed it (the
-- transaction-local setting shelfwatch.demand_cache = fresh, reset when score_items returns).

create table private.forecast_demand (
  tenant_id uuid not null,
  store_id text not null,
  product_id text not null,
  from_date date not null,
  horizon_days int not null,
  demand numeric,
  primary key (tenant_id, store_id, product_id)
);
comment on table private.forecast_demand is
  'Per store x product, the average forecast demand over [from_date, from_date + horizon_days) (null: no forecast in that window), as of the last full scoring pass; refreshed by private.refresh_forecast_demand, forgotten when the item''s forecasts are written.';
comment on column private.forecast_demand.from_date is 'The store''s local "today" the window starts at; a pass on a later local day recomputes the row.';
alter table private.forecast_demand enable row level security;
-- No policies: only the engine's own code (as the table owner, or as service_role running a
-- scoring pass) reads or writes it; members get no rows. SELECT is granted because callers of
-- private.stock_positions need the privilege on every table the statement names, even the branch
-- that is not run for them.
revoke all on private.forecast_demand from public;
grant select on private.forecast_demand to authenticated;
grant select, insert, update, delete on private.forecast_demand to service_role;

-- Forgets the cached demand of the items a forecast write touched (insert, update, delete).
-- security definer: feeds and members who write forecasts may not touch the cache directly.
create or replace function private.tg_demand_forecasts__forget_demand()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from private.forecast_demand as c
  using (select distinct k.tenant_id, k.store_id, k.product_id from changed_rows as k) as k
  where c.tenant_id = k.tenant_id and c.store_id = k.store_id and c.product_id = k.product_id;
  return null;
end;
$$;
comment on function private.tg_demand_forecasts__forget_demand() is
  'After a forecast write (per statement): forgets the cached demand of the touched items, so the next full scoring pass averages them again.';
revoke all on function private.tg_demand_forecasts__forget_demand() from public;

create trigger _600_forget_demand_inserted after insert on public.demand_forecasts
  referencing new table as changed_rows for each statement execute function private.tg_demand_forecasts__forget_demand();
create trigger _600_forget_demand_updated after update on public.demand_forecasts
  referencing new table as changed_rows for each statement execute function private.tg_demand_forecasts__forget_demand();
-- An update may move a forecast to another item: the old item is forgotten too.
create trigger _600_forget_demand_updated_from after update on public.demand_forecasts
  referencing old table as changed_rows for each statement execute function private.tg_demand_forecasts__forget_demand();
create trigger _600_forget_demand_deleted after delete on public.demand_forecasts
  referencing old table as changed_rows for each statement execute function private.tg_demand_forecasts__forget_demand();

create or replace function private.tg_demand_forecasts__forget_all_demand()
returns trigger
language plpgsql
security definer -- as above
set search_path = ''
as $$
begin
  delete from private.forecast_demand;
  return null;
end;
$$;
comment on function private.tg_demand_forecasts__forget_all_demand() is 'After demand_forecasts is truncated: forgets every cached demand.';
revoke all on function private.tg_demand_forecasts__forget_all_demand() from public;
create trigger _600_forget_demand_truncated after truncate on public.demand_forecasts
  for each statement execute function private.tg_demand_forecasts__forget_all_demand();

-- A deleted tenant's cached demand goes with it (the cache has no foreign key: a full refresh
-- writes a million rows, and a per-row check would double its cost).
create or replace function private.tg_tenants__forget_demand()
returns trigger
language plpgsql
security definer -- as above
set search_path = ''
as $$
begin
  delete from private.forecast_demand as c using old_tenants as t where c.tenant_id = t.id;
  return null;
end;
$$;
comment on function private.tg_tenants__forget_demand() is 'After tenants are deleted (per statement): removes their cached forecast demand.';
revoke all on function private.tg_tenants__forget_demand() from public;
create trigger _600_forget_demand after delete on public.tenants
  referencing old table as old_tenants for each statement execute function private.tg_tenants__forget_demand();

-- The window of each item is the one private.stock_positions uses (keep the two in step): from
-- the store's local today (else the tenant's), forecast_horizon_days long.
-- force_custom_plan: the statement is planned for each call with the settings of that moment:
-- with many stale items (the first pass of a day) hash joins over everything, with a few (after a
-- feed touched some items) index lookups of just those.
create or replace function private.refresh_forecast_demand(tenant uuid default null)
returns int
language plpgsql
volatile
set search_path = ''
set plan_cache_mode = force_custom_plan
set enable_nestloop = on
as $$
declare
  stale int;
  refreshed int;
begin
  create temp table if not exists pg_temp.stale_demand (
    tenant_id uuid, store_id text, product_id text, from_date date, horizon_days int
  ) on commit drop;
  truncate pg_temp.stale_demand;
  with tenant_rules as materialized (
    select t.id as tenant_id, t.timezone, (private.stock_thresholds(t.settings)).forecast_horizon_days as horizon,
           (private.now() at time zone t.timezone)::date as today, private.now() as now
    from public.tenants as t
    where tenant is null or t.id = tenant
  ),
  store_days as materialized (
    select st.tenant_id, st.id as store_id, (r.now at time zone coalesce(st.timezone, r.timezone))::date as today
    from public.stores as st
    join tenant_rules as r on r.tenant_id = st.tenant_id
  )
  insert into pg_temp.stale_demand
  select i.tenant_id, i.store_id, i.product_id, coalesce(sd.today, r.today), r.horizon
  from public.inventory_levels as i
  join tenant_rules as r on r.tenant_id = i.tenant_id
  left join store_days as sd on sd.tenant_id = i.tenant_id and sd.store_id = i.store_id
  left join private.forecast_demand as c
    on c.tenant_id = i.tenant_id and c.store_id = i.store_id and c.product_id = i.product_id
  where c.tenant_id is null or c.from_date <> coalesce(sd.today, r.today) or c.horizon_days <> r.horizon;
  get diagnostics stale = row_count;
  if stale = 0 then
    return 0;
  end if;
  analyze pg_temp.stale_demand;
  if stale > 1000 then
    perform pg_catalog.set_config('enable_nestloop', 'off', true);
  end if;
  insert into private.forecast_demand as c (tenant_id, store_id, product_id, from_date, horizon_days, demand)
  select s.tenant_id, s.store_id, s.product_id, s.from_date, s.horizon_days, a.demand
  from pg_temp.stale_demand as s
  left join (
    select f.tenant_id, f.store_id, f.product_id, pg_catalog.avg(f.forecasted_demand) as demand
    from pg_temp.stale_demand as s
    join public.demand_forecasts as f
      on f.tenant_id = s.tenant_id and f.store_id = s.store_id and f.product_id = s.product_id
     and f.forecast_date >= s.from_date and f.forecast_date < s.from_date + s.horizon_days
    group by f.tenant_id, f.store_id, f.product_id
  ) as a on a.tenant_id = s.tenant_id and a.store_id = s.store_id and a.product_id = s.product_id
  on conflict (tenant_id, store_id, product_id) do update
    set from_date = excluded.from_date, horizon_days = excluded.horizon_days, demand = excluded.demand;
  get diagnostics refreshed = row_count;
  return refreshed;
end;
$$;
comment on function private.refresh_forecast_demand(uuid) is
  'Recomputes the cached forecast demand (private.forecast_demand) of every item of a tenant (or all) whose row is missing or whose window moved; returns how many it wrote.';
revoke all on function private.refresh_forecast_demand(uuid) from public;

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
  -- Demand from forecasts: full passes of private.score_items read each item's average from
  -- private.forecast_demand, which that function refreshes first and then says so with the setting
  -- shelfwatch.demand_cache = fresh (20261122160700); every other caller averages the forecasts
  -- here. The setting has no column in it, so the branch not taken is never run.
  forecast as (
    select c.tenant_id, c.store_id, c.product_id, c.demand
    from private.forecast_demand as c
    join tenant_rules as r on r.tenant_id = c.tenant_id
    left join store_days as sd on sd.tenant_id = c.tenant_id and sd.store_id = c.store_id
    where items is null and pg_catalog.current_setting('shelfwatch.demand_cache', true) = 'fresh'
      and c.demand is not null
      and c.from_date = coalesce(sd.today, r.today) and c.horizon_days = (r.th).forecast_horizon_days
    union all
    select f.tenant_id, f.store_id, f.product_id, pg_catalog.avg(f.forecasted_demand) as demand
    from (
      select f.* from public.demand_forecasts as f where items is null
      union all
      select f.* from pg_catalog.unnest(items) as k
      join public.demand_forecasts as f on f.tenant_id = k.tenant_id and f.store_id = k.store_id and f.product_id = k.product_id
    ) as f
    join tenant_rules as r on r.tenant_id = f.tenant_id
    left join store_days as sd on sd.tenant_id = f.tenant_id and sd.store_id = f.store_id
    where not (items is null and coalesce(pg_catalog.current_setting('shelfwatch.demand_cache', true), '') = 'fresh')
      and f.forecast_date >= coalesce(sd.today, r.today)
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

create or replace function private.score_items(tenant uuid default null, items private.item_key[] default null)
returns table (opened int, updated int, resolved int)
language plpgsql
volatile
set search_path = ''
set jit = off -- compiling this large plan costs seconds; the work itself is hash joins and arithmetic
set work_mem = '64MB' -- a full pass joins a million items; keep its hashes and sorts in memory
-- The planner cannot estimate the inlined positions and would sort a million of them for a merge
-- join; hashing the (far fewer) open alerts and streaming the positions past them is the right plan.
set enable_mergejoin = off
-- Triggers call this for a handful of items, cron for a million: plan each call for its actual
-- arguments, so `items is null or ...` folds away and a few items are found by index.
set plan_cache_mode = force_custom_plan
-- Listed so that Postgres restores them when the function returns: a full pass turns them off
-- below with set_config(..., true), which without these clauses would last to the end of the
-- caller's transaction.
set enable_nestloop = on
set enable_sort = on
set shelfwatch.demand_cache = 'off'
as $$
begin
  if items is null then
    -- A full pass: see the header. Each of these is in the function's SET clauses, so the change
    -- ends when the function returns.
    perform pg_catalog.set_config('enable_nestloop', 'off', true);
    perform pg_catalog.set_config('enable_sort', 'off', true);
    perform pg_catalog.set_config('work_mem', '256MB', true);
    -- Bring each item's forecast average up to date (only what changed since the last pass, or
    -- everything once a day), then let private.stock_positions read it.
    perform private.refresh_forecast_demand(tenant);
    perform pg_catalog.set_config('shelfwatch.demand_cache', 'fresh', true);
  end if;
  return query
  -- One pass over the positions, hash-joined to the open stock alerts: only items that call for
  -- an alert or already have one are kept, so a quiet million-item pass keeps almost nothing.
  with judged as materialized (
    select j.*
    from (
      select p as position, private.judge_stock(p) as verdict, o.id as alert_id, o.alert_type, o.severity, o.metadata,
             p.thresholds
      from private.stock_positions(tenant, items) as p
      left join public.alerts as o
        on o.tenant_id = p.tenant_id and o.dedup_key = 'stock:' || p.store_id || ':' || p.product_id
       and o.status <> 'resolved'
    ) as j
    where (j.verdict).alert_type is not null or j.alert_id is not null
  ),
  -- Only items whose alert would change are rendered and raised: an open alert with the same
  -- type, severity and facts already says everything (its text is built from those facts).
  changed as (
    select j.position, j.verdict
    from judged as j
    where (j.verdict).alert_type is not null
      and (j.alert_id is null or j.alert_type <> (j.verdict).alert_type or j.severity <> (j.verdict).severity
           or j.metadata <> private.stock_alert_facts(j.position))
  ),
  raised as materialized (
    select r.created
    from private.raise_alerts(
      array(select private.stock_alert_candidate(c.position, c.verdict) from changed as c),
      false) as r
  ),
  -- Disjoint from what raise_alerts touches: these items call for no alert even with every
  -- threshold widened by the clear margin (hysteresis).
  cleared as (
    update public.alerts as a
    set status = 'resolved', resolved_at = private.now(), snoozed_until = null,
        resolution_notes = 'Resolved automatically: stock is back above every threshold.'
    from judged as j
    where a.id = j.alert_id
      and (j.verdict).alert_type is null
      and (private.judge_stock(j.position, (j.thresholds).clear_margin_days)).alert_type is null
    returning a.id
  )
  select (select pg_catalog.count(*) from raised where raised.created)::int,
         (select pg_catalog.count(*) from raised where not raised.created)::int,
         (select pg_catalog.count(*) from cleared)::int;
end;
$$;
comment on function private.score_items(uuid, private.item_key[]) is 'Scores stock for the given items (or a tenant, or all) and opens, updates or resolves their stock alerts; returns the counts.';

revoke all on function private.stock_positions(uuid, private.item_key[]) from public;
grant execute on function private.stock_positions(uuid, private.item_key[]) to authenticated, service_role;
revoke all on function private.score_items(uuid, private.item_key[]) from public, anon, authenticated;
