-- pgTAP tests for suppressions and scored alerts (migration 20261122160500): a maintenance window
-- keeps scoring from opening or updating the alerts it covers, other stores still alert, an alert
-- whose situation recovers during the window is still resolved, and once the window ends the next
-- pass raises what is still true. One transaction, rolled back.
begin;
set local search_path = extensions, public;

select plan(6);

select set_config('shelfwatch.now', '2026-03-02 10:00+00', true);
create temp table ids on commit drop as select tests.create_tenant('Stocktake') as tenant;
select tests.create_member(tenant, 'manager') from ids;

-- Store S1 is being counted until noon: no inventory alerts there.
insert into public.alert_suppressions (tenant_id, alert_types, store_ids, ends_at, reason)
select tenant, '{out_of_stock,stockout_risk,low_stock}', '{S1}', '2026-03-02 12:00+00', 'Stocktake at S1' from ids;

insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand, reorder_point, lead_time_days, unit_price)
select tenant, s, 'bread', 0, 10, 1, 2.5 from ids, unnest(array['S1', 'S2']) as s;

select is((select string_agg(store_id || ':' || alert_type, ',' order by store_id) from public.alerts where status <> 'resolved'),
  'S2:out_of_stock', 'the write is scored: S2 alerts, the suppressed S1 does not');
select is((select string_agg(distinct a.store_id, ',') from public.deliveries as d join public.alerts as a on a.id = d.alert_id), 'S2',
  'only S2''s alert is routed to the manager; nobody is told about S1');

select is((select opened from public.score_stockouts((select tenant from ids))), 0, 'a full pass during the window opens nothing for S1 either');

-- S2 recovers during a window that now covers it as well: its alert is still resolved.
insert into public.alert_suppressions (tenant_id, store_ids, ends_at, reason)
select tenant, '{S2}', '2026-03-02 12:00+00', 'Refit at S2' from ids;
update public.inventory_levels set on_hand = 500 where store_id = 'S2';
select is((select status from public.alerts where store_id = 'S2'), 'resolved', 'a recovery during a window still resolves the alert');

-- After the window: the next pass raises what is still true.
select set_config('shelfwatch.now', '2026-03-02 12:01+00', true);
select is((select opened from public.score_stockouts((select tenant from ids))), 1, 'the first pass after the window opens the alert');
select is((select alert_type || ' ' || severity from public.alerts where store_id = 'S1' and status = 'active'), 'out_of_stock critical',
  'for S1, still out of stock');

select * from finish();
rollback;
