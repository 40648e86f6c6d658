-- Stockout scoring against hand-computed expectations: the default rule's boundaries (exactly 1,
-- 2 and 3 days of cover), out of stock, lead time, low stock, reorder, inbound deliveries, sales
-- velocity, per-tenant thresholds, idempotency, hysteresis, severity changes and permissions.
begin;
set local search_path = extensions, public;
select plan(27);

select set_config('shelfwatch.now', '2026-06-01 12:00+00', true);

create temp table ids as
select tests.create_tenant('Scoring A', 'UTC') as tenant_a, tests.create_tenant('Scoring B', 'UTC') as tenant_b;
grant select on ids to authenticated, service_role;
update tenants set settings = '{"stock": {"safety_days": 0}, "currency": "EUR"}' where id = (select tenant_a from ids);
update tenants set settings = '{"stock": {"safety_days": 0, "critical_days": 0.5, "high_days": 1, "medium_days": 1.5}}'
where id = (select tenant_b from ids);

-- Every product in store s1 sells 10 a day for the coming week, except p_velocity (no forecast).
insert into demand_forecasts (tenant_id, store_id, product_id, forecast_date, forecasted_demand)
select t.id, 's1', p, date '2026-06-01' + day, 10
from tenants as t
cross join unnest(array['p_1day', 'p_2days', 'p_3days', 'p_3_1days', 'p_half', 'p_zero', 'p_lead', 'p_low_medium', 'p_low_high',
  'p_reorder_high', 'p_reorder_medium', 'p_inbound_in_time', 'p_inbound_late', 'p_edge', 'p_b_1_2', 'p_b_2']) as p
cross join generate_series(0, 6) as day
where t.id in ((select tenant_a from ids), (select tenant_b from ids));
insert into sales (tenant_id, store_id, product_id, sales_date, quantity)
select (select tenant_a from ids), 's1', 'p_velocity', date '2026-06-01' - day, 7 from generate_series(1, 14) as day;
insert into inbound_orders (tenant_id, store_id, product_id, quantity, expected_at) values
  ((select tenant_a from ids), 's1', 'p_inbound_in_time', 50, '2026-06-02 00:00+00'),
  ((select tenant_a from ids), 's1', 'p_inbound_late', 50, '2026-06-03 12:00+00');

insert into inventory_levels (tenant_id, store_id, product_id, on_hand, reorder_point, lead_time_days, safety_stock_days, unit_price)
values
  ((select tenant_a from ids), 's1', 'p_1day', 10, 0, 0, null, null),
  ((select tenant_a from ids), 's1', 'p_2days', 20, 0, 0, null, null),
  ((select tenant_a from ids), 's1', 'p_3days', 30, 0, 0, null, null),
  ((select tenant_a from ids), 's1', 'p_3_1days', 31, 0, 0, null, null),
  ((select tenant_a from ids), 's1', 'p_half', 5, 0, 0, null, 2),
  ((select tenant_a from ids), 's1', 'p_zero', 0, 0, 0, null, null),
  ((select tenant_a from ids), 's1', 'p_lead', 25, 0, 3, null, null),
  ((select tenant_a from ids), 's1', 'p_low_medium', 100, 120, 0, null, null),
  ((select tenant_a from ids), 's1', 'p_low_high', 50, 120, 0, null, null),
  ((select tenant_a from ids), 's1', 'p_reorder_high', 45, 0, 5, null, null),
  ((select tenant_a from ids), 's1', 'p_reorder_medium', 50, 0, 4, 2, null),
  ((select tenant_a from ids), 's1', 'p_inbound_in_time', 10, 0, 0, null, null),
  ((select tenant_a from ids), 's1', 'p_inbound_late', 10, 0, 0, null, null),
  ((select tenant_a from ids), 's1', 'p_velocity', 14, 0, 0, null, null),
  ((select tenant_b from ids), 's1', 'p_b_1_2', 12, 0, 0, null, null),
  ((select tenant_b from ids), 's1', 'p_b_2', 20, 0, 0, null, null);

-- 1-2: the write itself scored every item (statement-level trigger), table-driven against hand-computed answers.
select results_eq(
  $$ select product_id, alert_type, severity from alerts where tenant_id = (select tenant_a from ids) and status = 'active' order by product_id $$,
  $$ values
    ('p_1day', 'stockout_risk', 'critical'),        -- exactly 1 day of cover
    ('p_2days', 'stockout_risk', 'high'),           -- exactly 2 days
    ('p_3days', 'stockout_risk', 'medium'),         -- exactly 3 days
    ('p_half', 'stockout_risk', 'critical'),        -- half a day
    ('p_inbound_late', 'stockout_risk', 'critical'),-- the delivery comes after the shelf is empty
    ('p_lead', 'stockout_risk', 'high'),            -- 2.5 days is medium, but shorter than the 3-day lead time
    ('p_low_high', 'low_stock', 'high'),            -- 50 is under half the reorder point of 120
    ('p_low_medium', 'low_stock', 'medium'),        -- 100 is under the reorder point of 120
    ('p_reorder_high', 'reorder_recommended', 'high'),    -- 4.5 days < 5-day lead time
    ('p_reorder_medium', 'reorder_recommended', 'medium'),-- 5 days < 4 lead + 2 safety, but not < lead
    ('p_velocity', 'stockout_risk', 'high'),        -- no forecast: 7/day from two weeks of sales, 2 days
    ('p_zero', 'out_of_stock', 'critical')
  $$,
  'inventory writes are scored at once with the default rule''s thresholds, lead time, reorder point and sales velocity');
select is_empty(
  $$ select 1 from alerts where product_id in ('p_3_1days', 'p_inbound_in_time') $$,
  'no alert above 3 days of cover, nor when an inbound delivery arrives before the stockout');

-- 3: per-tenant thresholds.
select results_eq(
  $$ select product_id, alert_type, severity from alerts where tenant_id = (select tenant_b from ids) order by product_id $$,
  $$ values ('p_b_1_2', 'stockout_risk', 'medium') $$,
  'a tenant''s own thresholds (0.5/1/1.5 days) apply: 1.2 days is medium there, 2 days is fine');

-- 4-8: actionable text and facts.
select is((select metadata from alerts where product_id = 'p_half'),
  '{"on_hand": 5, "daily_demand": 10.000, "demand_source": "forecast", "days_until_stockout": 0.50, "reorder_point": 0,
    "lead_time_days": 0, "safety_days": 0, "reorder_quantity": 65, "units_short": 5, "unit_price": 2, "currency": "EUR",
    "on_order": 0, "open_inbound": 0}'::jsonb,
  'metadata carries stock, demand, cover, reorder quantity (10 x 7 days - 5) and units short (10 x 1 day - 5)');
select is((select impact_value from alerts where product_id = 'p_half'), 10.00::numeric,
  'impact_value is the money at risk: 5 units short x 2.00');
select is((select business_impact from alerts where product_id = 'p_half'),
  'About 10.00 EUR of sales at risk (5 units short before a delivery can arrive).', 'business_impact says it in a sentence');
select is((select recommended_action from alerts where product_id = 'p_half'), 'Reorder 65 of p_half for s1 now.',
  'recommended_action says what to reorder');
select is((select title from alerts where product_id = 'p_1day'), 'p_1day at s1 runs out in 1 days',
  'the title names product, store and cover');
select is((select metadata ->> 'demand_source' from alerts where product_id = 'p_velocity'), 'sales',
  'metadata says where the demand figure came from');

-- 10-12: running it again creates nothing new and touches nothing.
create temp table before_counts as
select (select count(*) from alerts) as alerts, (select count(*) from alert_history) as history,
       (select count(*) from realtime.messages) as messages;
select results_eq($$ select * from score_stockouts() $$, $$ values (0, 0, 0) $$, 'scoring again opens, updates and resolves nothing');
select results_eq($$ select * from score_stockouts((select tenant_a from ids)) $$, $$ values (0, 0, 0) $$,
  'scoring one tenant again changes nothing either');
select is(
  (select row((select count(*) from alerts), (select count(*) from alert_history), (select count(*) from realtime.messages))::text),
  (select row(alerts, history, messages)::text from before_counts),
  'an unchanged situation writes no alert, history or realtime message');

-- 13-20: hysteresis, severity changes and re-fire.
insert into inventory_levels (tenant_id, store_id, product_id, on_hand) values ((select tenant_a from ids), 's1', 'p_edge', 30);
select is((select severity from alerts where product_id = 'p_edge' and status = 'active'), 'medium', '3 days of cover: medium');
update inventory_levels set on_hand = 15 where product_id = 'p_edge' and tenant_id = (select tenant_a from ids);
select is((select action || ':' || from_severity || '->' || to_severity from alert_history
           where alert_id = (select id from alerts where product_id = 'p_edge') order by id desc limit 1),
  'severity_raised:medium->high', 'a rise in severity is recorded');
update inventory_levels set on_hand = 25 where product_id = 'p_edge' and tenant_id = (select tenant_a from ids);
select is((select action from alert_history where alert_id = (select id from alerts where product_id = 'p_edge') order by id desc limit 1),
  'severity_lowered', 'a fall in severity is recorded too (and notifies no one)');
update inventory_levels set on_hand = 35 where product_id = 'p_edge' and tenant_id = (select tenant_a from ids);
select is((select status || '/' || severity from alerts where product_id = 'p_edge'), 'active/medium',
  'at 3.5 days (inside the 1-day clear margin) the alert stays open and unchanged: no flapping');
update inventory_levels set on_hand = 29 where product_id = 'p_edge' and tenant_id = (select tenant_a from ids);
select is((select count(*)::int from alerts where product_id = 'p_edge'), 1, 'dipping back below 3 days reuses the open alert');
update inventory_levels set on_hand = 45 where product_id = 'p_edge' and tenant_id = (select tenant_a from ids);
select is((select status from alerts where product_id = 'p_edge'), 'resolved', 'above 4 days of cover the system resolves it');
select results_eq(
  $$ select action, actor_id, note from alert_history where alert_id = (select id from alerts where product_id = 'p_edge') order by id desc limit 1 $$,
  $$ values ('resolved'::text, null::uuid, 'Resolved automatically: stock is back above every threshold.'::text) $$,
  'the automatic resolution is recorded with no actor and its reason');
update inventory_levels set on_hand = 8 where product_id = 'p_edge' and tenant_id = (select tenant_a from ids);
select results_eq(
  $$ select status, severity from alerts where product_id = 'p_edge' order by created_at, status $$,
  $$ values ('active'::text, 'critical'::text), ('resolved', 'medium') $$,
  'a re-fire after resolution opens a new alert');

-- 21-22: an inbound delivery that arrives in time clears the risk; one that is cancelled brings it back.
update inbound_orders set status = 'cancelled' where product_id = 'p_inbound_in_time';
select is((select severity from alerts where product_id = 'p_inbound_in_time' and status = 'active'), 'critical',
  'cancelling the delivery that covered the stockout raises the alert at once');
insert into inbound_orders (tenant_id, store_id, product_id, quantity, expected_at)
values ((select tenant_a from ids), 's1', 'p_inbound_in_time', 100, '2026-06-01 18:00+00');
select is((select status from alerts where product_id = 'p_inbound_in_time' order by created_at desc limit 1), 'resolved',
  'a new delivery arriving before the stockout resolves it');

-- 23: a forecast change re-scores too.
update demand_forecasts set forecasted_demand = 1 where product_id = 'p_3days' and tenant_id = (select tenant_a from ids);
select is((select status from alerts where product_id = 'p_3days'), 'resolved', 'a lower forecast re-scores the item at once');

-- 24-25: settings are validated where they are written.
select throws_ok(
  $$ update tenants set settings = '{"stock": {"critical_days": "soon"}}' where id = (select tenant_a from ids) $$,
  'SW001', null, 'a threshold that is not a number is refused with SW001');
select throws_ok(
  $$ update tenants set settings = '{"stock": {"critical_days": 3, "high_days": 2}}' where id = (select tenant_a from ids) $$,
  'SW001', 'Invalid settings.stock: need 0 <= critical_days <= high_days <= medium_days (got 3, 2, 3)',
  'thresholds out of order are refused with SW001');

-- 26-27: members may correct stock (and so trigger scoring), but not run scoring themselves.
create temp table people as select tests.create_member((select tenant_a from ids), 'manager') as manager;
grant select on people to authenticated;
select tests.authenticate_as((select manager from people), (select tenant_a from ids));
update inventory_levels set on_hand = 0 where product_id = 'p_3_1days';
select tests.clear_authentication();
select is((select alert_type from alerts where product_id = 'p_3_1days'), 'out_of_stock',
  'a manager''s hand correction is scored at once, though members cannot write alerts themselves');
select tests.authenticate_as((select manager from people), (select tenant_a from ids));
select throws_ok($$ select * from score_stockouts() $$, '42501', null, 'members cannot run scoring across tenants');
select tests.clear_authentication();

select * from finish();
rollback;
