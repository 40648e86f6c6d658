-- Data quality: silent feeds (data_stale), sales far from the forecast (anomaly_detected) and a
-- forecast that is off for weeks (forecast_accuracy_low), with moved time instead of sleeping.
begin;
set local search_path = extensions, public;
select plan(21);

select set_config('shelfwatch.now', '2026-06-10 12:00+00', true);
create temp table ids as select tests.create_tenant('Quality', 'UTC') as tenant;
grant select on ids to authenticated, service_role;
insert into stores (tenant_id, id, name) values ((select tenant from ids), 's1', 'Mitte'), ((select tenant from ids), 's2', 'Closed shop');

-- 1-2: every feed write records a heartbeat per store.
select tests.authenticate_as_service();
insert into inventory_levels (tenant_id, store_id, product_id, on_hand) values
  ((select tenant from ids), 's1', 'p1', 500), ((select tenant from ids), 's2', 'p1', 500);
insert into demand_forecasts (tenant_id, store_id, product_id, forecast_date, forecasted_demand)
values ((select tenant from ids), 's1', 'p1', '2026-06-10', 1);
select tests.clear_authentication();
select results_eq(
  $$ select store_id, feed, last_seen_at from private.feed_heartbeats where tenant_id = (select tenant from ids) order by 1, 2 $$,
  $$ values ('s1'::text, 'forecast'::text, '2026-06-10 12:00+00'::timestamptz), ('s1', 'inventory', '2026-06-10 12:00+00'),
            ('s2', 'inventory', '2026-06-10 12:00+00') $$,
  'each feed write records when the store''s feed last wrote');
select results_eq($$ select * from score_data_staleness((select tenant from ids)) $$, $$ values (0, 0, 0) $$,
  'fresh feeds raise nothing');

-- 3-6: an inventory feed silent for more than 24 hours raises data_stale (high); forecasts get 48.
update stores set active = false where id = 's2' and tenant_id = (select tenant from ids);
select set_config('shelfwatch.now', '2026-06-11 12:30+00', true);
select results_eq($$ select * from score_data_staleness((select tenant from ids)) $$, $$ values (1, 0, 0) $$,
  '24.5 hours without inventory raises one alert (the inactive store is ignored)');
select results_eq(
  $$ select alert_type, severity, title, dedup_key, metadata ->> 'feed' from alerts where tenant_id = (select tenant from ids) $$,
  $$ values ('data_stale'::text, 'high'::text, 'No inventory data from Mitte since 2026-06-10 12:00 UTC'::text, 'stale:inventory:s1'::text, 'inventory'::text) $$,
  'the alert says which feed went quiet where, and since when');
select results_eq($$ select * from score_data_staleness((select tenant from ids)) $$, $$ values (0, 0, 0) $$,
  'checking again while still silent changes nothing (no churn)');
select set_config('shelfwatch.now', '2026-06-12 12:30+00', true);
select results_eq($$ select * from score_data_staleness((select tenant from ids)) $$, $$ values (1, 0, 0) $$,
  'after 48.5 hours the forecast feed is stale too');
select is((select severity from alerts where dedup_key = 'stale:forecast:s1'), 'medium', 'a stale forecast feed is medium');

-- 8-9: the feed writes again: resolved by the system on the next check.
insert into inventory_levels (tenant_id, store_id, product_id, on_hand) values ((select tenant from ids), 's1', 'p1', 500)
on conflict (tenant_id, store_id, product_id) do update set on_hand = excluded.on_hand;
select results_eq($$ select * from score_data_staleness((select tenant from ids)) $$, $$ values (0, 0, 1) $$,
  'a feed that writes again has its alert resolved');
select is((select resolution_notes from alerts where dedup_key = 'stale:inventory:s1'),
  'Resolved automatically: the feed is writing again.', 'with the reason');

-- 10: a tenant can turn a check off.
update tenants set settings = '{"data_quality": {"forecast_max_age_hours": 0}}' where id = (select tenant from ids);
select results_eq($$ select * from score_data_staleness((select tenant from ids)) $$, $$ values (0, 0, 1) $$,
  'forecast_max_age_hours = 0 turns the forecast check off (and clears its alert)');

-- 11-15: anomalies, on the day's sales against that day's forecast (today is 2026-06-12).
insert into demand_forecasts (tenant_id, store_id, product_id, forecast_date, forecasted_demand)
select (select tenant from ids), 's1', p, d::date, f
from (values ('p_high', 40), ('p_very_high', 40), ('p_low', 40), ('p_tiny', 3), ('p_old', 40), ('p_normal', 40)) as v (p, f)
cross join generate_series(date '2026-06-05', date '2026-06-11', interval '1 day') as d;
insert into sales (tenant_id, store_id, product_id, sales_date, quantity) values
  ((select tenant from ids), 's1', 'p_high', '2026-06-11', 100),
  ((select tenant from ids), 's1', 'p_very_high', '2026-06-11', 200),
  ((select tenant from ids), 's1', 'p_low', '2026-06-11', 15),
  ((select tenant from ids), 's1', 'p_tiny', '2026-06-11', 30),
  ((select tenant from ids), 's1', 'p_old', '2026-06-06', 200),
  ((select tenant from ids), 's1', 'p_normal', '2026-06-11', 45);
select results_eq(
  $$ select product_id, severity from alerts where alert_type = 'anomaly_detected' order by product_id $$,
  $$ values ('p_high'::text, 'medium'::text), ('p_low', 'medium'), ('p_very_high', 'high') $$,
  'sales >= 2x or <= 1/2 of the forecast raise anomalies at once (high at 4x); small forecasts, old days and normal days do not');
select is((select title from alerts where product_id = 'p_high' and alert_type = 'anomaly_detected'),
  'p_high at Mitte: sold 100, forecast 40 on 2026-06-11', 'the anomaly says what sold against what was expected');
select is((select dedup_key from alerts where product_id = 'p_high' and alert_type = 'anomaly_detected'),
  'anomaly:s1:p_high:2026-06-11', 'one anomaly alert per store, product and day');
select results_eq($$ select * from score_forecast_quality((select tenant from ids)) $$, $$ values (0, 0, 0) $$,
  're-scoring forecast quality changes nothing');
select is((select count(*)::int from alerts where alert_type = 'forecast_accuracy_low'), 0,
  'one or two days of error are not enough to judge accuracy');

-- 16-19: accuracy over two weeks.
insert into demand_forecasts (tenant_id, store_id, product_id, forecast_date, forecasted_demand)
select (select tenant from ids), 's1', 'p_acc', d::date, 10 from generate_series(date '2026-05-29', date '2026-06-11', interval '1 day') as d;
insert into sales (tenant_id, store_id, product_id, sales_date, quantity)
select (select tenant from ids), 's1', 'p_acc', d::date, 20 from generate_series(date '2026-05-29', date '2026-06-11', interval '1 day') as d;
select results_eq(
  $$ select severity, metadata -> 'mape', metadata -> 'days' from alerts where alert_type = 'forecast_accuracy_low' $$,
  $$ values ('low'::text, '0.50'::jsonb, '14'::jsonb) $$,
  'a forecast off by 50 % for 14 days raises forecast_accuracy_low (low)');
update sales set quantity = 13 where product_id = 'p_acc' and sales_date >= '2026-06-04';
select is((select status from alerts where alert_type = 'forecast_accuracy_low'), 'active',
  'at a MAPE of 0.35 (below 0.4 but above 0.3) the alert stays open: no flapping');
update sales set quantity = 10.5 where product_id = 'p_acc';
select is((select status from alerts where alert_type = 'forecast_accuracy_low'), 'resolved',
  'once the error is small again the system resolves it');
select is((select count(*)::int from alerts where alert_type = 'forecast_accuracy_low'), 1, 'and opened no other');

-- 20-21: settings validation and permissions.
select throws_ok($$ update tenants set settings = '{"data_quality": {"anomaly_ratio": 0.5}}' where id = (select tenant from ids) $$,
  'SW001', null, 'an anomaly ratio of 1 or less is refused with SW001');
create temp table people as select tests.create_member((select tenant from ids), 'owner') as owner;
grant select on people to authenticated;
select tests.authenticate_as((select owner from people), (select tenant from ids));
select throws_ok($$ select * from score_data_staleness() $$, '42501', null, 'members cannot run the checks themselves');
select tests.clear_authentication();

select * from finish();
rollback;
