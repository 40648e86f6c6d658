-- Stockout scoring: judges stock positions and keeps exactly one stock alert per store x product
-- (dedup key stock:<store>:<product>) whose type and severity follow the situation:
--   out_of_stock         on hand <= 0                                        critical
--   stockout_risk        days of cover <= 3 / 2 / 1 (tenant thresholds)      medium / high / critical
--                        (cover shorter than the lead time is at least high; not raised when an
--                        inbound delivery arrives before the stockout and restores the cover)
--   low_stock            on hand <= reorder point (after inbound and on order)  high below half, else medium
--   reorder_recommended  cover < lead time + safety days (counting what is coming)  high below lead time, else medium
-- An alert clears (resolved by the system) only when the situation is fine even with every
-- threshold widened by clear_margin_days, so a level hovering at a boundary does not flap.
create type private.stock_verdict as (alert_type text, severity text);
comment on type private.stock_verdict is 'What a stock position calls for: an alert type and severity, or nulls.';

-- No `set search_path` here, unlike our other functions: a SET clause stops Postgres from inlining
-- a SQL function, and this one runs for every store x product on every scoring pass. It is a single
-- expression over its argument's fields and pg_catalog operators, so search_path cannot change it.
create or replace function private.judge_stock(p private.stock_position, margin_days numeric default 0)
returns private.stock_verdict
language sql
immutable
as $$
  select case
    when p.on_hand <= 0 then row('out_of_stock', 'critical')::private.stock_verdict
    when p.days_of_cover <= (p.thresholds).medium_days + margin_days
         -- not when a delivery arriving before the stockout restores the cover
         and not (p.inbound_before_stockout > 0 and p.daily_demand > 0
                  and (greatest(p.on_hand, 0) + p.inbound_before_stockout) / p.daily_demand
                      > (p.thresholds).medium_days + margin_days)
         then row('stockout_risk',
           case
             when p.days_of_cover <= (p.thresholds).critical_days + margin_days then 'critical'
             when p.days_of_cover <= (p.thresholds).high_days + margin_days or p.days_of_cover < p.lead_time_days then 'high'
             else 'medium'
           end)::private.stock_verdict
    when p.reorder_point > 0
         and p.on_hand + p.on_order + p.open_inbound <= p.reorder_point + p.daily_demand * margin_days then row('low_stock',
           case when p.on_hand < p.reorder_point / 2 then 'high' else 'medium' end)::private.stock_verdict
    when p.daily_demand > 0
         and (p.on_hand + p.on_order + p.open_inbound) / p.daily_demand < p.lead_time_days + p.safety_days + margin_days
         then row('reorder_recommended',
           case when p.days_of_cover < p.lead_time_days then 'high' else 'medium' end)::private.stock_verdict
    else row(null, null)::private.stock_verdict
  end
$$;
comment on function private.judge_stock(private.stock_position, numeric) is 'The stock alert a position calls for (type, severity); with margin_days > 0 every threshold is widened, for hysteresis.';

create or replace function private.format_quantity(value numeric)
returns text
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.trim_scale(pg_catalog.round(value, 1))::text
$$;
comment on function private.format_quantity(numeric) is 'A quantity for people: at most one decimal, no trailing zeros.';

-- No `set search_path`, so it can be inlined (see judge_stock): it runs for every alerting item.
create or replace function private.stock_alert_facts(p private.stock_position)
returns jsonb
language sql
immutable
as $$
  select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
    'on_hand', p.on_hand, 'daily_demand', p.daily_demand, 'demand_source', p.demand_source,
    'days_until_stockout', p.days_of_cover,
    'reorder_point', p.reorder_point, 'lead_time_days', p.lead_time_days, 'safety_days', p.safety_days,
    'reorder_quantity', p.reorder_quantity, 'units_short', p.units_short, 'unit_price', p.unit_price,
    'currency', p.currency, 'on_order', p.on_order, 'open_inbound', p.open_inbound, 'next_inbound_at', p.next_inbound_at,
    'store_name', p.store_name, 'product_name', p.product_name))
$$;
comment on function private.stock_alert_facts(private.stock_position) is 'The facts a stock alert carries as metadata; everything its text says comes from these, so equal facts mean an unchanged alert.';

create or replace function private.stock_alert_candidate(p private.stock_position, v private.stock_verdict)
returns private.alert_candidate
language sql
immutable
set search_path = ''
as $$
  select row(
    p.tenant_id, v.alert_type, 'inventory', v.severity, null,
    case v.alert_type
      when 'out_of_stock' then 'Out of stock: ' || item.product || ' at ' || item.store
      when 'stockout_risk' then item.product || ' at ' || item.store || ' runs out in ' || private.format_quantity(p.days_of_cover) || ' days'
      when 'low_stock' then 'Low stock: ' || item.product || ' at ' || item.store || ' (' || private.format_quantity(p.on_hand) || ' left)'
      else 'Reorder ' || item.product || ' for ' || item.store
    end,
    private.format_quantity(greatest(p.on_hand, 0)) || ' on hand, about ' || private.format_quantity(p.daily_demand)
      || ' a day (' || case p.demand_source when 'forecast' then 'forecast' when 'sales' then 'recent sales' else 'no demand data' end
      || '): ' || private.format_quantity(p.days_of_cover) || ' days of cover against a lead time of '
      || private.format_quantity(p.lead_time_days) || ' days.'
      || case when p.open_inbound > 0 then ' ' || private.format_quantity(p.open_inbound) || ' inbound, next due '
           || coalesce(pg_catalog.to_char(p.next_inbound_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), 'overdue') || '.' else '' end,
    case when p.reorder_quantity > 0
      then 'Reorder ' || private.format_quantity(p.reorder_quantity) || ' of ' || item.product || ' for ' || item.store
           || case when p.days_of_cover < p.lead_time_days or p.on_hand <= 0 then ' now, and move stock from another store or limit sales until it arrives.' else ' now.' end
      else 'Check the shelf count for ' || item.product || ' at ' || item.store
           || case when p.open_inbound > 0 then ' and confirm the inbound delivery.' else '.' end
    end,
    case when p.units_short > 0 and p.unit_price is not null
      then 'About ' || pg_catalog.to_char(p.units_short * p.unit_price, 'FM999G999G999G990D00') || coalesce(' ' || p.currency, '')
           || ' of sales at risk (' || private.format_quantity(p.units_short) || ' units short before a delivery can arrive).'
      when p.units_short > 0 then private.format_quantity(p.units_short) || ' units short before a delivery can arrive.'
      else null
    end,
    case when p.unit_price is not null then pg_catalog.round(p.units_short * p.unit_price, 2) end,
    p.store_id, p.product_id, 'stock_scoring', 'stock:' || p.store_id || ':' || p.product_id,
    private.stock_alert_facts(p)
  )::private.alert_candidate
  from (select coalesce(p.product_name, p.product_id) as product, coalesce(p.store_name, p.store_id) as store) as item
$$;
comment on function private.stock_alert_candidate(private.stock_position, private.stock_verdict) is 'Builds the alert for a judged stock position: title, description, recommended action, business impact, impact value and metadata.';

-- Scores the given items (or a whole tenant, or everything) and opens, updates or clears their
-- stock alerts in one set-based statement (no temp tables: this runs on every stock write).
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
as $$
begin
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

create or replace function public.score_stockouts(tenant_id uuid default null)
returns table (opened int, updated int, resolved int)
language sql
volatile
set search_path = ''
as $$
  select * from private.score_items(score_stockouts.tenant_id, null)
$$;
comment on function public.score_stockouts(uuid) is 'Scores every store x product (of one tenant, or all) for stockout risk and keeps their stock alerts current. Run by pg_cron every minute; running it twice creates nothing new.';

revoke all on function private.judge_stock(private.stock_position, numeric), private.format_quantity(numeric),
  private.stock_alert_facts(private.stock_position),
  private.stock_alert_candidate(private.stock_position, private.stock_verdict),
  private.score_items(uuid, private.item_key[]), public.score_stockouts(uuid) from public, anon, authenticated;
grant execute on function public.score_stockouts(uuid) to service_role;
