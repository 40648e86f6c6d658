-- pgTAP tests for the alerts core (migrations 20261122080000..080300): raise_alert() defaults and
-- dedup, re-fire after resolve, private.raise_alerts() folding and count_repeats, input
-- validation, who may raise, RLS on alerts and alert_history, and Realtime authorization on
-- realtime.messages. Everything runs in one transaction that is rolled back.
begin;
set local search_path = extensions, public;

select plan(63);

-- ---------------------------------------------------------------- fixtures
select set_config('shelfwatch.now', '2026-01-01 10:00+00', true);

create temp table ids (
  tenant_a uuid, tenant_b uuid,
  owner_a uuid, staff_a uuid, viewer_a uuid, staff_b uuid,
  first_alert uuid, refired_alert uuid, batch_alert uuid, other_alert uuid, alert_b uuid
) on commit drop;
insert into ids (tenant_a, tenant_b) values (tests.create_tenant('Alerts A'), tests.create_tenant('Alerts B'));
update ids set owner_a = tests.create_member(tenant_a, 'owner'),
               staff_a = tests.create_member(tenant_a, 'staff'),
               viewer_a = tests.create_member(tenant_a, 'viewer'),
               staff_b = tests.create_member(tenant_b, 'staff');
grant select on ids to authenticated, service_role;

-- ----------------------------------------------- raise_alert: a new alert (10)
select lives_ok(
  $$ update ids set first_alert = public.raise_alert(tenant_a, 'low_stock', 'high', 'Milk is running low',
       store_id => 'S1', product_id => 'P1') $$,
  'raise_alert opens an alert (as a system caller without claims)');
select isnt((select first_alert from ids), null, 'raise_alert returns the new alert''s id');
select results_eq(
  $$ select a.tenant_id, a.alert_type, a.severity, a.priority, a.status, a.dedup_key, a.occurrence_count, a.title
     from public.alerts as a where a.id = (select first_alert from ids) $$,
  $$ select (select tenant_a from ids), 'low_stock'::text, 'high'::text, 70, 'active'::text, 'low_stock:S1:P1'::text, 1,
            'Milk is running low'::text $$,
  'a new alert: priority from severity (high = 70), dedup key alert_type:store:product, active, counted once');
select results_eq(
  $$ select a.first_seen_at, a.last_seen_at, a.created_at from public.alerts as a where a.id = (select first_alert from ids) $$,
  $$ values ('2026-01-01 10:00+00'::timestamptz, '2026-01-01 10:00+00'::timestamptz, '2026-01-01 10:00+00'::timestamptz) $$,
  'first_seen_at, last_seen_at and created_at come from private.now()');
select results_eq(
  $$ select h.action, h.from_status, h.to_status, h.to_severity, h.actor_id
     from public.alert_history as h where h.alert_id = (select first_alert from ids) $$,
  $$ values ('created'::text, null::text, 'active'::text, 'high'::text, null::uuid) $$,
  'one created history row, actor null (the system)');
select results_eq(
  $$ select m.topic, m.event, m.private, m.extension, m.payload ->> 'operation', m.payload -> 'record' ->> 'status'
     from realtime.messages as m where m.payload -> 'record' ->> 'id' = (select first_alert from ids)::text $$,
  $$ select 'tenant:' || (select tenant_a from ids) || ':alerts', 'INSERT'::text, true, 'broadcast'::text, 'INSERT'::text,
            'active'::text $$,
  'one private broadcast INSERT on tenant:<id>:alerts whose payload.record is the new alert');
update ids set other_alert = public.raise_alert(tenant_a, 'supplier_late', 'low', 'Flour delivery is late');
select results_eq(
  $$ select a.dedup_key, a.priority from public.alerts as a where a.id = (select other_alert from ids) $$,
  $$ values ('supplier_late:*:*'::text, 30) $$,
  'without store and product the dedup key is alert_type:*:*; a low alert gets priority 30');
update ids set other_alert = public.raise_alert(tenant_a, 'low_stock', 'medium', 'Bread', dedup_key => 'my-own-key');
select results_eq(
  $$ select a.dedup_key, a.priority from public.alerts as a where a.id = (select other_alert from ids) $$,
  $$ values ('my-own-key'::text, 50) $$,
  'a given dedup key is kept; a medium alert gets priority 50');
update ids set other_alert = public.raise_alert(tenant_a, 'low_stock', 'critical', 'Eggs', store_id => 'S1', product_id => 'P9',
                                                priority => 12);
select is((select a.priority from public.alerts as a where a.id = (select other_alert from ids)), 12,
  'a given priority overrides the severity default');
select is((select pg_catalog.count(*)::int from public.alerts as a where a.id = (select other_alert from ids) and a.severity = 'critical'),
  1, 'the critical alert keeps its severity');

-- -------------------------------------------------- raise_alert: a repeat (8)
select set_config('shelfwatch.now', '2026-01-01 10:05+00', true);
select is(
  (select public.raise_alert(tenant_a, 'low_stock', 'critical', 'Milk is almost out', store_id => 'S1', product_id => 'P1') from ids),
  (select first_alert from ids), 'a repeat with the same dedup key returns the same alert');
select results_eq(
  $$ select a.occurrence_count, a.first_seen_at, a.last_seen_at, a.severity, a.priority, a.title
     from public.alerts as a where a.id = (select first_alert from ids) $$,
  $$ values (2, '2026-01-01 10:00+00'::timestamptz, '2026-01-01 10:05+00'::timestamptz, 'critical'::text, 90,
             'Milk is almost out'::text) $$,
  'the repeat bumps occurrence_count, moves last_seen_at, and severity, priority and title follow the latest');
select is((select pg_catalog.count(*)::int from public.alerts as a where a.dedup_key = 'low_stock:S1:P1'), 1,
  'the repeat opened no second alert');
select results_eq(
  $$ select h.action, h.from_severity, h.to_severity, h.from_status, h.to_status
     from public.alert_history as h where h.alert_id = (select first_alert from ids) order by h.id desc limit 1 $$,
  $$ values ('severity_raised'::text, 'high'::text, 'critical'::text, 'active'::text, 'active'::text) $$,
  'a repeat that raises the severity writes severity_raised');
select results_eq(
  $$ select m.topic, m.payload -> 'record' ->> 'occurrence_count', m.payload -> 'old_record' ->> 'occurrence_count',
            m.payload -> 'old_record' ->> 'severity'
     from realtime.messages as m
     where m.event = 'UPDATE' and m.payload -> 'record' ->> 'id' = (select first_alert from ids)::text $$,
  $$ select 'tenant:' || (select tenant_a from ids) || ':alerts', '2'::text, '1'::text, 'high'::text $$,
  'the repeat is broadcast as one UPDATE carrying the new record and the old counters');
select public.raise_alert(tenant_a, 'low_stock', 'critical', 'Milk is almost out', store_id => 'S1', product_id => 'P1') from ids;
select is((select a.occurrence_count from public.alerts as a where a.id = (select first_alert from ids)), 3,
  'another identical repeat counts again');
select is((select pg_catalog.count(*)::int from public.alert_history as h where h.alert_id = (select first_alert from ids)), 2,
  'a plain repeat (not a 10th) writes no history row');
select is(
  (select pg_catalog.count(*)::int from realtime.messages as m
    where m.event = 'UPDATE' and m.payload -> 'record' ->> 'id' = (select first_alert from ids)::text),
  2, 'but every repeat is broadcast');

-- ------------------------------------------------- re-fire after resolve (4)
update public.alerts set status = 'resolved', resolved_at = private.now() where id = (select first_alert from ids);
select lives_ok(
  $$ update ids set refired_alert = public.raise_alert(tenant_a, 'low_stock', 'high', 'Milk is low again',
       store_id => 'S1', product_id => 'P1') $$,
  'raising a resolved problem again lives');
select isnt((select refired_alert from ids), (select first_alert from ids), 'a re-fire after resolve opens a new alert');
select results_eq(
  $$ select a.status, a.occurrence_count from public.alerts as a where a.id = (select refired_alert from ids) $$,
  $$ values ('active'::text, 1) $$, 'the new alert is active and counted once');
select results_eq(
  $$ select a.status from public.alerts as a where a.dedup_key = 'low_stock:S1:P1' order by a.status $$,
  $$ values ('active'::text), ('resolved'::text) $$,
  'the resolved alert is kept beside the new one');

-- ------------------------------------------------ private.raise_alerts (9)
select results_eq(
  $$ select r.created, pg_catalog.count(*) over ()
     from private.raise_alerts(array[
       row((select tenant_a from ids), 'batch_test', null, 'low', null, 'Batch', null, null, null, null, 'S2', 'P2', null, null, null),
       row((select tenant_a from ids), 'batch_test', null, 'high', null, 'Batch', null, null, null, null, 'S2', 'P2', null, null, null)
     ]::private.alert_candidate[]) as r $$,
  $$ values (true, 1::bigint) $$,
  'two candidates for one key in one call open one alert');
update ids set batch_alert = (select a.id from public.alerts as a where a.dedup_key = 'batch_test:S2:P2');
select results_eq(
  $$ select a.occurrence_count, a.severity, a.priority, a.category, a.source, a.description, a.metadata
     from public.alerts as a where a.id = (select batch_alert from ids) $$,
  $$ values (2, 'high'::text, 70, 'inventory'::text, 'shelfwatch'::text, ''::text, '{}'::jsonb) $$,
  'the folded alert counts both, takes the more severe severity, and fills the defaults');

create temp table before_quiet on commit drop as
  select (select pg_catalog.count(*)::int from public.alert_history as h where h.alert_id = (select batch_alert from ids)) as history,
         (select pg_catalog.count(*)::int from realtime.messages as m
           where m.payload -> 'record' ->> 'id' = (select batch_alert from ids)::text) as messages,
         (select a.updated_at from public.alerts as a where a.id = (select batch_alert from ids)) as updated_at;
select set_config('shelfwatch.now', '2026-01-01 10:10+00', true);
select is(
  (select pg_catalog.count(*)::int from private.raise_alerts(array[
     row((select tenant_a from ids), 'batch_test', null, 'high', null, 'Batch', null, null, null, null, 'S2', 'P2', null, null, null)
   ]::private.alert_candidate[], false)),
  0, 'with count_repeats = false an identical candidate touches nothing');
select results_eq(
  $$ select a.occurrence_count, a.last_seen_at from public.alerts as a where a.id = (select batch_alert from ids) $$,
  $$ values (2, '2026-01-01 10:05+00'::timestamptz) $$,
  'neither occurrence_count nor last_seen_at moves');
select is(
  (select pg_catalog.count(*)::int from public.alert_history as h where h.alert_id = (select batch_alert from ids)),
  (select history from before_quiet), 'and no history row is written');
select is(
  (select pg_catalog.count(*)::int from realtime.messages as m where m.payload -> 'record' ->> 'id' = (select batch_alert from ids)::text),
  (select messages from before_quiet), 'and no realtime message is sent');
select is(
  (select pg_catalog.count(*)::int from private.raise_alerts(array[
     row((select tenant_a from ids), 'batch_test', null, 'high', null, 'Batch', null, null, null, null, 'S2', 'P2', null, null,
         '{"on_hand": 3}'::jsonb)
   ]::private.alert_candidate[], false)),
  1, 'with count_repeats = false a changed metadata updates the alert');
select results_eq(
  $$ select a.metadata, a.occurrence_count, a.last_seen_at from public.alerts as a where a.id = (select batch_alert from ids) $$,
  $$ values ('{"on_hand": 3}'::jsonb, 2, '2026-01-01 10:10+00'::timestamptz) $$,
  'the metadata follows the candidate, last_seen_at moves, occurrence_count does not');
select is(
  (select pg_catalog.count(*)::int from realtime.messages as m
    where m.event = 'UPDATE' and m.payload -> 'record' ->> 'id' = (select batch_alert from ids)::text),
  1, 'and it is broadcast as an UPDATE');

-- ------------------------------------------------- raise_alert validation (6)
select throws_ok(
  $$ select public.raise_alert((select tenant_a from ids), 'low_stock', 'urgent', 'x') $$,
  'SW001', 'Cannot raise an alert: severity must be low, medium, high or critical (got urgent)',
  'a bad severity is SW001 naming severity');
select throws_ok(
  $$ select public.raise_alert((select tenant_a from ids), 'Low Stock', 'low', 'x') $$,
  'SW001', 'Cannot raise an alert: alert_type must be lowercase letters, digits, _ and . (got Low Stock)',
  'a bad alert_type is SW001 naming alert_type');
select throws_ok(
  $$ select public.raise_alert((select tenant_a from ids), 'low_stock', 'low', '   ') $$,
  'SW001', 'Cannot raise an alert: title must be 1 to 300 characters',
  'an empty title is SW001 naming title');
select throws_ok(
  $$ select public.raise_alert((select tenant_a from ids), 'low_stock', 'low', 'x', metadata => '[1]') $$,
  'SW001', 'Cannot raise an alert: metadata must be a JSON object',
  'metadata that is not an object is SW001 naming metadata');
select throws_ok(
  $$ select public.raise_alert((select tenant_a from ids), 'low_stock', 'low', 'x', priority => 101) $$,
  'SW001', 'Cannot raise an alert: priority must be between 0 and 100 (got 101)',
  'priority 101 is SW001 naming priority');
select throws_ok(
  $$ select public.raise_alert('00000000-0000-4000-8000-00000000dead', 'low_stock', 'low', 'x') $$,
  'SW001', 'Cannot raise an alert: tenant_id 00000000-0000-4000-8000-00000000dead does not exist',
  'an unknown tenant is SW001 naming tenant_id');

-- ------------------------------------------------ who may raise alerts (7)
select tests.authenticate_as(viewer_a, tenant_a) from ids;
select throws_ok(
  $$ select public.raise_alert((select tenant_a from ids), 'low_stock', 'low', 'From a viewer') $$,
  'SW003', format('Cannot raise an alert for tenant %s: only its staff, managers, owners or a service may', (select tenant_a from ids)),
  'a viewer may not raise an alert (SW003)');
select tests.authenticate_as(staff_a, tenant_a) from ids;
select ok(
  (select public.raise_alert(tenant_a, 'low_stock', 'low', 'From staff', store_id => 'S3') from ids) is not null,
  'staff may raise an alert in their tenant');
select tests.authenticate_as(staff_b, tenant_b) from ids;
select throws_ok(
  $$ select public.raise_alert((select tenant_a from ids), 'low_stock', 'low', 'From B') $$,
  'SW003', null, 'another tenant''s staff may not raise an alert in tenant A (SW003)');
select tests.authenticate_as(staff_b, tenant_a) from ids;
select throws_ok(
  $$ select public.raise_alert((select tenant_a from ids), 'low_stock', 'low', 'From B, claiming A') $$,
  'SW003', null, 'a token naming tenant A does not make a non-member staff of A (SW003)');
select tests.authenticate_as_service();
select ok(
  (select public.raise_alert(tenant_b, 'low_stock', 'medium', 'Tenant B is low', store_id => 'SB') from ids) is not null,
  'service_role may raise an alert in any tenant');
select tests.clear_authentication();
update ids set alert_b = (select a.id from public.alerts as a where a.tenant_id = ids.tenant_b);
set local role anon;
select throws_ok(
  $$ select public.raise_alert('00000000-0000-4000-8000-00000000dead', 'low_stock', 'low', 'x') $$,
  '42501', null, 'anon may not even call raise_alert');
reset role;
select is(
  (select pg_catalog.count(*)::int from public.alerts as a where a.title in ('From a viewer', 'From B', 'From B, claiming A')),
  0, 'the refused calls raised nothing');

-- ------------------------------------------------------- RLS on alerts (11)
create temp table visible_a on commit drop as
  select a.id from public.alerts as a where a.tenant_id = (select tenant_a from ids);
grant select on visible_a to authenticated;

select tests.authenticate_as(viewer_a, tenant_a) from ids;
select set_eq('select id from public.alerts', 'select id from visible_a',
  'a member of A sees exactly A''s alerts');
select is((select pg_catalog.count(*)::int from public.alert_history as h where h.tenant_id <> (select tenant_a from ids)), 0,
  'and only A''s history');
select ok((select pg_catalog.count(*)::int from public.alert_history) > 0, 'A''s history is readable by its viewer');

select tests.authenticate_as(viewer_a, tenant_b) from ids;
select is((select pg_catalog.count(*)::int from public.alerts), 0,
  'a member of A whose token names B sees no alerts at all');

select tests.authenticate_as(staff_b, tenant_b) from ids;
select is((select pg_catalog.count(*)::int from public.alerts as a where a.tenant_id = (select tenant_a from ids)), 0,
  'a member of B sees none of A''s alerts');
select is((select pg_catalog.array_agg(a.id) from public.alerts as a), (select array[alert_b] from ids),
  'a member of B sees B''s alert');

select tests.authenticate_as(owner_a, tenant_a) from ids;
select throws_ok(
  $$ insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key)
     values ((select tenant_a from ids), 'low_stock', 'low', 'Direct', 'direct') $$,
  '42501', null, 'even an owner cannot insert alerts directly');
select throws_ok(
  $$ update public.alerts set status = 'resolved', resolved_at = now() where id = (select refired_alert from ids) $$,
  '42501', null, 'even an owner cannot update alerts directly');
select throws_ok(
  $$ delete from public.alerts where id = (select refired_alert from ids) $$,
  '42501', null, 'even an owner cannot delete alerts');
select throws_ok(
  $$ insert into public.alert_history (alert_id, tenant_id, action) values ((select refired_alert from ids), (select tenant_a from ids), 'resolved') $$,
  '42501', null, 'even an owner cannot write alert_history');
select tests.clear_authentication();
select is((select a.status from public.alerts as a where a.id = (select refired_alert from ids)), 'active',
  'the refused writes changed nothing');

-- ------------------------------------------- Realtime authorization (8)
create temp table messages_a on commit drop as
  select m.id from realtime.messages as m where m.topic = 'tenant:' || (select tenant_a from ids) || ':alerts';
grant select on messages_a to authenticated;

select tests.authenticate_as(viewer_a, tenant_a) from ids;
select set_config('realtime.topic', 'tenant:' || tenant_a || ':alerts', true) from ids;
select set_eq(
  'select m.id from realtime.messages as m',
  'select id from messages_a',
  'a member of A on A''s topic reads exactly A''s alert broadcasts');
select is(
  (select pg_catalog.count(*)::int from realtime.messages as m where m.topic = 'tenant:' || (select tenant_b from ids) || ':alerts'),
  0, 'with A''s topic set, B''s broadcast rows stay invisible (the row''s own topic must match)');
select set_config('realtime.topic', 'tenant:' || tenant_b || ':alerts', true) from ids;
select is((select pg_catalog.count(*)::int from realtime.messages), 0,
  'a member of A asking for B''s topic reads nothing');

select set_config('realtime.topic', 'tenant:' || tenant_a || ':alerts', true) from ids;
select lives_ok(
  $$ insert into realtime.messages (topic, extension, event, payload)
     values ('tenant:' || (select tenant_a from ids) || ':alerts', 'presence', 'presence', '{"viewing": "alert"}') $$,
  'a viewer may announce presence on their tenant''s alerts topic');
select throws_ok(
  $$ insert into realtime.messages (topic, extension, event, payload)
     values ('tenant:' || (select tenant_a from ids) || ':alerts', 'broadcast', 'UPDATE', '{}') $$,
  '42501', null, 'a viewer may not broadcast on their tenant''s alerts topic');
select throws_ok(
  $$ insert into realtime.messages (topic, extension, event, payload)
     values ('tenant:' || (select tenant_b from ids) || ':alerts', 'presence', 'presence', '{}') $$,
  '42501', null, 'authorized for A''s topic, a viewer still may not write presence rows into B''s topic');
select set_config('realtime.topic', 'tenant:' || tenant_b || ':alerts', true) from ids;
select throws_ok(
  $$ insert into realtime.messages (topic, extension, event, payload)
     values ('tenant:' || (select tenant_b from ids) || ':alerts', 'presence', 'presence', '{}') $$,
  '42501', null, 'a viewer may not announce presence on another tenant''s topic');
select tests.authenticate_as(viewer_a, tenant_b) from ids;
select throws_ok(
  $$ insert into realtime.messages (topic, extension, event, payload)
     values ('tenant:' || (select tenant_b from ids) || ':alerts', 'presence', 'presence', '{}') $$,
  '42501', null, 'nor with a token naming the other tenant');
select tests.clear_authentication();

select * from finish();
rollback;
