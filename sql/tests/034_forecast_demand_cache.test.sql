-- pgTAP tests for the cached forecast demand of full scoring passes (migration 20261122160700):
-- a full pass fills private.forecast_demand with each item's average over its window; positions
-- read from the cache equal those averaged from the forecasts; a forecast write forgets its item
-- and the next pass uses the new forecast; a new local day moves every window. One transaction,
-- rolled back.
begin;
set local search_path = extensions, public;

select plan(7);

select set_config('shelfwatch.now', '2026-03-02 10:00+00', true);
create temp table ids on commit drop as select tests.create_tenant('Cache bakery') as tenant;
insert into public.stores (tenant_id, id, name, timezone) select tenant, 'S1', 'Harbour', 'Pacific/Auckland' from ids;

insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand, reorder_point, lead_time_days)
select tenant, s, p, 25, 0, 1 from ids, unnest(array['S1', 'S2']) as s, unnest(array['bread', 'milk', 'eggs']) as p;
-- bread: 10 a day; milk: 20 a day; eggs: no forecast. Dates around both stores' local today.
insert into public.demand_forecasts (tenant_id, store_id, product_id, forecast_date, forecasted_demand)
select tenant, s, p, date '2026-03-01' + d, case p when 'bread' then 10 else 20 end
from ids, unnest(array['S1', 'S2']) as s, unnest(array['bread', 'milk']) as p, generate_series(0, 10) as d;

select lives_ok($$ select * from public.score_stockouts((select tenant from ids)) $$, 'a full pass runs');
select is((select string_agg(store_id || '/' || product_id || '=' || coalesce(demand::text, 'none') || '@' || from_date, ', '
                             order by store_id, product_id) from private.forecast_demand),
  'S1/bread=10.0000000000000000@2026-03-02, S1/eggs=none@2026-03-02, S1/milk=20.0000000000000000@2026-03-02, S2/bread=10.0000000000000000@2026-03-02, S2/eggs=none@2026-03-02, S2/milk=20.0000000000000000@2026-03-02',
  'it cached every item''s average over its window, from the store''s local day (23:00 in Auckland is still 2 March)');

-- Positions from the cache equal positions averaged from the forecasts.
create temp table direct on commit drop as select * from private.stock_positions((select tenant from ids), null);
select set_config('shelfwatch.demand_cache', 'fresh', true);
select is_empty($$ (select store_id, product_id, daily_demand, demand_source, days_of_cover from private.stock_positions((select tenant from ids), null)
                   except select store_id, product_id, daily_demand, demand_source, days_of_cover from direct) $$,
  'positions read from the cache are the positions averaged from the forecasts');
select set_config('shelfwatch.demand_cache', '', true);

update public.demand_forecasts set forecasted_demand = 50 where store_id = 'S2' and product_id = 'bread';
select is((select count(*)::int from private.forecast_demand where store_id = 'S2' and product_id = 'bread'), 0,
  'a forecast write forgets its item''s cached demand');
select * from public.score_stockouts((select tenant from ids));
select is((select demand from private.forecast_demand where store_id = 'S2' and product_id = 'bread'), 50::numeric,
  'the next full pass averages the new forecast');
select is((select severity from public.alerts where store_id = 'S2' and product_id = 'bread' and status <> 'resolved'), 'critical',
  'and scores with it (25 on hand at 50 a day is half a day of cover)');

select set_config('shelfwatch.now', '2026-03-03 10:00+00', true);
select * from public.score_stockouts((select tenant from ids));
select is((select string_agg(distinct from_date::text, ',') from private.forecast_demand), '2026-03-03',
  'a new local day moves every item''s window');

select * from finish();
rollback;
