-- pgTAP tests for the alert lifecycle (20261122080400): acknowledge_alert, resolve_alert,
-- snooze_alert, unsnooze_alert and private.unsnooze_expired. The role matrix (owner, manager,
-- staff, viewer, another tenant, an inactive member, a token without a tenant, anon, service_role,
-- no claims), every SQLSTATE they raise, the history and Realtime rows each transition leaves,
-- and the response/resolution times measured on a moved clock. One transaction, rolled back.
--
-- The main story follows one alert, `story`: raised 10:00, acknowledged by staff 10:07:30,
-- snoozed by a manager 10:30 until 12:00, unsnoozed by the manager 10:45, acknowledged again by
-- the owner 10:50, resolved by the manager 11:00.
begin;
set local search_path = extensions, public;
set local timezone = 'UTC';

select plan(119);

-- ---------------------------------------------------------------- fixtures
select set_config('shelfwatch.now', '2026-01-01 10:00+00', true);

create temp table ids (
  tenant_a uuid, tenant_b uuid,
  owner_a uuid, manager_a uuid, staff_a uuid, viewer_a uuid, inactive_a uuid, manager_b uuid,
  story uuid, ack_owner uuid, ack_manager uuid, ack_service uuid, ack_noclaims uuid, ack_long uuid,
  snooze_owner uuid, snooze_service uuid, snooze_noclaims uuid, resolved uuid,
  resolve_active uuid, resolve_direct uuid, resolve_service uuid, resolve_noclaims uuid,
  unsnooze_noclaims uuid, due_early uuid, due uuid, due_later uuid, alert_b uuid
) on commit drop;
insert into ids (tenant_a, tenant_b) values (tests.create_tenant('Lifecycle A'), tests.create_tenant('Lifecycle B'));
update ids set owner_a = tests.create_member(tenant_a, 'owner'),
               manager_a = tests.create_member(tenant_a, 'manager'),
               staff_a = tests.create_member(tenant_a, 'staff'),
               viewer_a = tests.create_member(tenant_a, 'viewer'),
               inactive_a = tests.create_member(tenant_a, 'manager'),
               manager_b = tests.create_member(tenant_b, 'manager');
update public.tenant_members set active = false where user_id = (select inactive_a from ids);
-- Every alert is raised by the system at 10:00, each under its own dedup key.
update ids set story = public.raise_alert(tenant_a, 'low_stock', 'high', 'Milk is running low', dedup_key => 'story'),
               ack_owner = public.raise_alert(tenant_a, 'low_stock', 'high', 'ack_owner', dedup_key => 'ack_owner'),
               ack_manager = public.raise_alert(tenant_a, 'low_stock', 'high', 'ack_manager', dedup_key => 'ack_manager'),
               ack_service = public.raise_alert(tenant_a, 'low_stock', 'high', 'ack_service', dedup_key => 'ack_service'),
               ack_noclaims = public.raise_alert(tenant_a, 'low_stock', 'high', 'ack_noclaims', dedup_key => 'ack_noclaims'),
               ack_long = public.raise_alert(tenant_a, 'low_stock', 'high', 'ack_long', dedup_key => 'ack_long'),
               snooze_owner = public.raise_alert(tenant_a, 'low_stock', 'high', 'snooze_owner', dedup_key => 'snooze_owner'),
               snooze_service = public.raise_alert(tenant_a, 'low_stock', 'high', 'snooze_service', dedup_key => 'snooze_service'),
               snooze_noclaims = public.raise_alert(tenant_a, 'low_stock', 'high', 'snooze_noclaims', dedup_key => 'snooze_noclaims'),
               resolved = public.raise_alert(tenant_a, 'low_stock', 'high', 'resolved', dedup_key => 'resolved'),
               resolve_active = public.raise_alert(tenant_a, 'low_stock', 'high', 'resolve_active', dedup_key => 'resolve_active'),
               resolve_direct = public.raise_alert(tenant_a, 'low_stock', 'high', 'resolve_direct', dedup_key => 'resolve_direct'),
               resolve_service = public.raise_alert(tenant_a, 'low_stock', 'high', 'resolve_service', dedup_key => 'resolve_service'),
               resolve_noclaims = public.raise_alert(tenant_a, 'low_stock', 'high', 'resolve_noclaims', dedup_key => 'resolve_noclaims'),
               unsnooze_noclaims = public.raise_alert(tenant_a, 'low_stock', 'high', 'unsnooze_noclaims', dedup_key => 'unsnooze_noclaims'),
               due_early = public.raise_alert(tenant_a, 'low_stock', 'high', 'due_early', dedup_key => 'due_early'),
               due = public.raise_alert(tenant_a, 'low_stock', 'high', 'due', dedup_key => 'due'),
               due_later = public.raise_alert(tenant_a, 'low_stock', 'high', 'due_later', dedup_key => 'due_later'),
               alert_b = public.raise_alert(tenant_b, 'low_stock', 'high', 'alert_b', dedup_key => 'alert_b');
update public.alerts set status = 'resolved', resolved_at = private.now() where id = (select resolved from ids);
update public.alerts set status = 'snoozed', snoozed_until = '2026-01-02 10:00+00' where id = (select unsnooze_noclaims from ids);
grant select on ids to authenticated, service_role;

-- How many UPDATE broadcasts carried this alert from one status to another.
create function pg_temp.broadcasts(alert uuid, from_status text, to_status text)
returns int
language sql
as $$
  select pg_catalog.count(*)::int from realtime.messages as m
  where m.event = 'UPDATE' and m.topic = 'tenant:' || (select tenant_a from ids) || ':alerts'
    and m.payload -> 'record' ->> 'id' = alert::text
    and m.payload -> 'old_record' ->> 'status' = from_status
    and m.payload -> 'record' ->> 'status' = to_status
$$;
-- The newest history row of an alert.
create function pg_temp.last_history(alert uuid)
returns table (action text, from_status text, to_status text, actor_id uuid, note text)
language sql
as $$
  select h.action, h.from_status, h.to_status, h.actor_id, h.note
  from public.alert_history as h where h.alert_id = alert order by h.id desc limit 1
$$;

-- -------------------------------------------------- definitions and grants (6)
select ok(
  (select pg_catalog.bool_and(p.prosecdef and p.proconfig @> array['search_path=""'])
   from pg_catalog.pg_proc as p
   where p.oid in ('public.acknowledge_alert(uuid, text)'::regprocedure, 'public.resolve_alert(uuid, text)'::regprocedure,
                   'public.snooze_alert(uuid, timestamptz, text)'::regprocedure, 'public.unsnooze_alert(uuid)'::regprocedure)),
  'the four lifecycle functions are security definer with an empty search_path');
select ok(
  (select pg_catalog.bool_and(pg_catalog.has_function_privilege('authenticated', f, 'execute')
                              and pg_catalog.has_function_privilege('service_role', f, 'execute')
                              and not pg_catalog.has_function_privilege('anon', f, 'execute'))
   from pg_catalog.unnest(array['public.acknowledge_alert(uuid, text)'::regprocedure, 'public.resolve_alert(uuid, text)'::regprocedure,
                                'public.snooze_alert(uuid, timestamptz, text)'::regprocedure,
                                'public.unsnooze_alert(uuid)'::regprocedure]) as f),
  'authenticated and service_role may execute the lifecycle functions, anon may not');
select ok(
  (select pg_catalog.bool_and(p.proacl is not null
                              and not exists (select 1 from pg_catalog.aclexplode(p.proacl) as acl where acl.grantee = 0))
   from pg_catalog.pg_proc as p
   where p.proname in ('acknowledge_alert', 'resolve_alert', 'snooze_alert', 'unsnooze_alert', 'unsnooze_expired',
                       'lock_alert_for_action', 'check_transition_note')),
  'no lifecycle function is executable by public (default privileges revoked)');
select ok(
  pg_catalog.has_function_privilege('service_role', 'private.unsnooze_expired()', 'execute')
  and not pg_catalog.has_function_privilege('authenticated', 'private.unsnooze_expired()', 'execute')
  and not pg_catalog.has_function_privilege('authenticated', 'private.lock_alert_for_action(uuid, text, text)', 'execute')
  and not pg_catalog.has_function_privilege('service_role', 'private.lock_alert_for_action(uuid, text, text)', 'execute'),
  'only service_role may run unsnooze_expired; nobody may call the internal lock helper');
select ok(
  (select pg_catalog.bool_and(pg_catalog.obj_description(f, 'pg_proc') is not null)
   from pg_catalog.unnest(array['public.acknowledge_alert(uuid, text)'::regprocedure, 'public.resolve_alert(uuid, text)'::regprocedure,
                                'public.snooze_alert(uuid, timestamptz, text)'::regprocedure, 'public.unsnooze_alert(uuid)'::regprocedure,
                                'private.unsnooze_expired()'::regprocedure,
                                'private.lock_alert_for_action(uuid, text, text)'::regprocedure,
                                'private.check_transition_note(uuid, text, text)'::regprocedure]) as f),
  'every lifecycle function has a comment');
select function_returns('public', 'acknowledge_alert', array['uuid', 'text'], 'alerts',
  'acknowledge_alert returns the alert row');

-- ---------------------------------------------------- acknowledge: refused (11)
select tests.authenticate_as(viewer_a, tenant_a) from ids;
select throws_ok(
  $$ select public.acknowledge_alert((select story from ids)) $$,
  'SW003', format('Cannot acknowledge alert %s: needs the staff role or above (the caller is viewer)', (select story from ids)),
  'a viewer may not acknowledge (SW003)');
select tests.authenticate_as(manager_b, tenant_b) from ids;
select throws_ok(
  $$ select public.acknowledge_alert((select story from ids)) $$,
  'SW002', format('Cannot acknowledge alert %s: no such alert', (select story from ids)),
  'another tenant''s manager gets not found for A''s alert (SW002)');
select tests.authenticate_as(staff_a, tenant_a) from ids;
select throws_ok(
  $$ select public.acknowledge_alert('00000000-0000-4000-8000-00000000beef') $$,
  'SW002', 'Cannot acknowledge alert 00000000-0000-4000-8000-00000000beef: no such alert',
  'a missing alert gets the very same answer (SW002)');
select throws_ok(
  $$ select public.acknowledge_alert((select alert_b from ids)) $$,
  'SW002', format('Cannot acknowledge alert %s: no such alert', (select alert_b from ids)),
  'staff of A get not found for B''s alert (SW002)');
select tests.authenticate_as(manager_b, tenant_a) from ids;
select throws_ok(
  $$ select public.acknowledge_alert((select story from ids)) $$,
  'SW005', format('Cannot acknowledge alert %s: the caller is not an active member of the tenant named in their token',
                  (select story from ids)),
  'a token naming A does not make B''s manager a member of A (SW005)');
select tests.authenticate_as(staff_a, tenant_b) from ids;
select throws_ok(
  $$ select public.acknowledge_alert((select story from ids)) $$,
  'SW005', null, 'A''s staff with a token naming B are no member of B (SW005)');
select tests.authenticate_as(inactive_a, tenant_a) from ids;
select throws_ok(
  $$ select public.acknowledge_alert((select story from ids)) $$,
  'SW005', null, 'an inactive member may not acknowledge (SW005)');
select set_config('role', 'authenticated', true),
       set_config('request.jwt.claims', json_build_object('sub', staff_a, 'role', 'authenticated')::text, true)
from ids;
select throws_ok(
  $$ select public.acknowledge_alert((select story from ids)) $$,
  'SW005', null, 'a user token without a tenant may not acknowledge (SW005)');
select tests.clear_authentication();
set local role anon;
select throws_ok(
  $$ select public.acknowledge_alert('00000000-0000-4000-8000-00000000beef') $$,
  '42501', null, 'anon may not call acknowledge_alert at all');
reset role;
select results_eq(
  $$ select a.status, a.acknowledged_at, a.acknowledged_by from public.alerts as a where a.id = (select story from ids) $$,
  $$ values ('active'::text, null::timestamptz, null::uuid) $$,
  'the refused acknowledgements left the alert active and unacknowledged');
select is((select pg_catalog.count(*)::int from public.alert_history as h where h.alert_id = (select story from ids)), 1,
  'and wrote no history');

-- --------------------------------------------------- acknowledge: allowed (17)
select set_config('shelfwatch.now', '2026-01-01 10:07:30+00', true);
select tests.authenticate_as(staff_a, tenant_a) from ids;
select results_eq(
  $$ select a.id, a.status, a.acknowledged_at, a.acknowledged_by from public.acknowledge_alert((select story from ids), 'On my way') as a $$,
  $$ select (select story from ids), 'acknowledged'::text, '2026-01-01 10:07:30+00'::timestamptz, (select staff_a from ids) $$,
  'staff acknowledge: status, acknowledged_at = private.now(), acknowledged_by = the caller; the row is returned');
select is(current_setting('shelfwatch.transition_note', true), '', 'the note setting is cleared afterwards');
select throws_ok(
  $$ select public.acknowledge_alert((select story from ids), 'again') $$,
  'SW004', format('Cannot acknowledge alert %s: it is already acknowledged', (select story from ids)),
  'acknowledging an acknowledged alert is SW004');
select throws_ok(
  $$ select public.acknowledge_alert((select resolved from ids)) $$,
  'SW004', format('Cannot acknowledge alert %s: it is already resolved', (select resolved from ids)),
  'acknowledging a resolved alert is SW004');
select throws_ok(
  $$ select public.acknowledge_alert((select ack_long from ids), repeat('x', 5001)) $$,
  'SW001', format('Cannot acknowledge alert %s: note must be at most 5000 characters (got 5001)', (select ack_long from ids)),
  'a note over 5000 characters is SW001');
select is((select a.status from public.acknowledge_alert((select ack_long from ids), repeat('x', 5000)) as a), 'acknowledged',
  'a note of exactly 5000 characters is accepted');
select tests.authenticate_as(owner_a, tenant_a) from ids;
select results_eq(
  $$ select a.status, a.acknowledged_by from public.acknowledge_alert((select ack_owner from ids)) as a $$,
  $$ select 'acknowledged'::text, (select owner_a from ids) $$,
  'an owner may acknowledge');
select tests.authenticate_as(manager_a, tenant_a) from ids;
select results_eq(
  $$ select a.status, a.acknowledged_by from public.acknowledge_alert((select ack_manager from ids)) as a $$,
  $$ select 'acknowledged'::text, (select manager_a from ids) $$,
  'a manager may acknowledge');
select tests.authenticate_as_service();
select results_eq(
  $$ select a.status, a.acknowledged_at, a.acknowledged_by from public.acknowledge_alert((select ack_service from ids), 'by the system') as a $$,
  $$ values ('acknowledged'::text, '2026-01-01 10:07:30+00'::timestamptz, null::uuid) $$,
  'service_role may acknowledge any tenant''s alert; acknowledged_by stays null (the system)');
select tests.clear_authentication();
select results_eq(
  $$ select a.status, a.acknowledged_by from public.acknowledge_alert((select ack_noclaims from ids)) as a $$,
  $$ values ('acknowledged'::text, null::uuid) $$,
  'a direct SQL session without claims acts as the system');

select is((select a.response_time_seconds from public.alerts as a where a.id = (select story from ids)), 450::numeric,
  'response_time_seconds: 7.5 minutes from creation to acknowledgement');
select results_eq(
  $$ select * from pg_temp.last_history((select story from ids)) $$,
  $$ select 'acknowledged'::text, 'active'::text, 'acknowledged'::text, (select staff_a from ids), 'On my way'::text $$,
  'history: acknowledged, active -> acknowledged, by the staff member, with their note');
select is((select h.created_at from public.alert_history as h where h.alert_id = (select story from ids) and h.action = 'acknowledged'),
  '2026-01-01 10:07:30+00'::timestamptz, 'the history row is stamped with private.now()');
select results_eq(
  $$ select * from pg_temp.last_history((select ack_service from ids)) $$,
  $$ values ('acknowledged'::text, 'active'::text, 'acknowledged'::text, null::uuid, 'by the system'::text) $$,
  'history of a service acknowledgement has a null actor');
select is((select pg_catalog.length(h.note) from pg_temp.last_history((select ack_long from ids)) as h), 5000,
  'a 5000-character note is recorded whole');
select is(pg_temp.broadcasts((select story from ids), 'active', 'acknowledged'), 1,
  'the acknowledgement is broadcast as one UPDATE active -> acknowledged');
select is((select pg_catalog.count(*)::int from public.alert_history as h
           where h.alert_id = (select story from ids) and h.action = 'acknowledged'), 1,
  'the refused second acknowledgement wrote no history');

-- ------------------------------------------------------- snooze: refused (12)
select set_config('shelfwatch.now', '2026-01-01 10:30+00', true);
select tests.authenticate_as(viewer_a, tenant_a) from ids;
select throws_ok(
  $$ select public.snooze_alert((select story from ids), '2026-01-01 12:00+00') $$,
  'SW003', format('Cannot snooze alert %s: needs the manager role or above (the caller is viewer)', (select story from ids)),
  'a viewer may not snooze (SW003)');
select tests.authenticate_as(staff_a, tenant_a) from ids;
select throws_ok(
  $$ select public.snooze_alert((select story from ids), '2026-01-01 12:00+00') $$,
  'SW003', format('Cannot snooze alert %s: needs the manager role or above (the caller is staff)', (select story from ids)),
  'staff may not snooze (SW003)');
select tests.authenticate_as(manager_b, tenant_b) from ids;
select throws_ok(
  $$ select public.snooze_alert((select story from ids), '2026-01-01 12:00+00') $$,
  'SW002', null, 'another tenant''s manager may not snooze A''s alert (SW002)');
select tests.authenticate_as(inactive_a, tenant_a) from ids;
select throws_ok(
  $$ select public.snooze_alert((select story from ids), '2026-01-01 12:00+00') $$,
  'SW005', null, 'an inactive manager may not snooze (SW005)');
select tests.authenticate_as(manager_a, tenant_a) from ids;
select throws_ok(
  $$ select public.snooze_alert((select story from ids), '2026-01-01 10:30+00') $$,
  'SW001', format('Cannot snooze alert %s: until must be in the future and at most 30 days ahead (got 2026-01-01 10:30:00+00)',
                  (select story from ids)),
  'snoozing until now is SW001');
select throws_ok(
  $$ select public.snooze_alert((select story from ids), '2026-01-01 09:00+00') $$,
  'SW001', null, 'snoozing into the past is SW001');
select throws_ok(
  $$ select public.snooze_alert((select story from ids), '2026-01-31 10:30:01+00') $$,
  'SW001', null, 'snoozing more than 30 days ahead is SW001');
select throws_ok(
  $$ select public.snooze_alert((select story from ids), null) $$,
  'SW001', null, 'snoozing without a time is SW001');
select throws_ok(
  $$ select public.snooze_alert((select story from ids), '2026-01-01 12:00+00', repeat('x', 5001)) $$,
  'SW001', null, 'a snooze note over 5000 characters is SW001');
select throws_ok(
  $$ select public.snooze_alert((select resolved from ids), '2026-01-01 12:00+00') $$,
  'SW004', format('Cannot snooze alert %s: it is resolved', (select resolved from ids)),
  'snoozing a resolved alert is SW004');
select tests.clear_authentication();
select results_eq(
  $$ select a.status, a.snoozed_until from public.alerts as a where a.id = (select story from ids) $$,
  $$ values ('acknowledged'::text, null::timestamptz) $$,
  'the refused snoozes left the alert as it was');
select is((select pg_catalog.count(*)::int from public.alert_history as h where h.alert_id = (select story from ids)), 2,
  'and wrote no history');

-- ------------------------------------------------------- snooze: allowed (11)
select tests.authenticate_as(manager_a, tenant_a) from ids;
select results_eq(
  $$ select a.status, a.snoozed_until, a.acknowledged_at
     from public.snooze_alert((select story from ids), '2026-01-01 12:00+00', 'After the delivery') as a $$,
  $$ values ('snoozed'::text, '2026-01-01 12:00+00'::timestamptz, '2026-01-01 10:07:30+00'::timestamptz) $$,
  'a manager snoozes an acknowledged alert until a time');
select is(current_setting('shelfwatch.transition_note', true), '', 'the note setting is cleared afterwards');
select throws_ok(
  $$ select public.snooze_alert((select story from ids), '2026-01-01 13:00+00') $$,
  'SW004', format('Cannot snooze alert %s: it is already snoozed (unsnooze it first)', (select story from ids)),
  'snoozing a snoozed alert is SW004');
select tests.authenticate_as(owner_a, tenant_a) from ids;
select results_eq(
  $$ select a.status, a.snoozed_until from public.snooze_alert((select snooze_owner from ids), '2026-01-31 10:30+00') as a $$,
  $$ values ('snoozed'::text, '2026-01-31 10:30+00'::timestamptz) $$,
  'an owner may snooze an active alert, exactly 30 days ahead');
select tests.authenticate_as_service();
select is((select a.status from public.snooze_alert((select snooze_service from ids), '2026-01-02 10:00+00') as a), 'snoozed',
  'service_role may snooze');
select tests.clear_authentication();
select is((select a.status from public.snooze_alert((select snooze_noclaims from ids), '2026-01-02 10:00+00') as a), 'snoozed',
  'a session without claims may snooze');
select results_eq(
  $$ select * from pg_temp.last_history((select story from ids)) $$,
  $$ select 'snoozed'::text, 'acknowledged'::text, 'snoozed'::text, (select manager_a from ids), 'After the delivery'::text $$,
  'history: snoozed, acknowledged -> snoozed, by the manager, with the note');
select is((select h.details ->> 'snoozed_until' from public.alert_history as h
           where h.alert_id = (select story from ids) and h.action = 'snoozed')::timestamptz,
  '2026-01-01 12:00+00'::timestamptz, 'the history details carry the snooze time');
select results_eq(
  $$ select * from pg_temp.last_history((select snooze_service from ids)) $$,
  $$ values ('snoozed'::text, 'active'::text, 'snoozed'::text, null::uuid, null::text) $$,
  'a service snooze without a note is recorded with null actor and note');
select is(pg_temp.broadcasts((select story from ids), 'acknowledged', 'snoozed'), 1,
  'the snooze is broadcast as one UPDATE acknowledged -> snoozed');
select is((select pg_catalog.count(*)::int from public.alert_history as h where h.alert_id = (select story from ids)), 3,
  'the refused re-snooze wrote no history');

-- ------------------------------------------------------ unsnooze: refused (8)
select set_config('shelfwatch.now', '2026-01-01 10:45+00', true);
select tests.authenticate_as(viewer_a, tenant_a) from ids;
select throws_ok(
  $$ select public.unsnooze_alert((select story from ids)) $$,
  'SW003', format('Cannot unsnooze alert %s: needs the manager role or above (the caller is viewer)', (select story from ids)),
  'a viewer may not unsnooze (SW003)');
select tests.authenticate_as(staff_a, tenant_a) from ids;
select throws_ok(
  $$ select public.unsnooze_alert((select story from ids)) $$,
  'SW003', null, 'staff may not unsnooze (SW003)');
select tests.authenticate_as(manager_b, tenant_b) from ids;
select throws_ok(
  $$ select public.unsnooze_alert((select story from ids)) $$,
  'SW002', format('Cannot unsnooze alert %s: no such alert', (select story from ids)),
  'another tenant''s manager may not unsnooze A''s alert (SW002)');
select tests.authenticate_as(inactive_a, tenant_a) from ids;
select throws_ok(
  $$ select public.unsnooze_alert((select story from ids)) $$,
  'SW005', null, 'an inactive manager may not unsnooze (SW005)');
select tests.authenticate_as(manager_a, tenant_a) from ids;
select throws_ok(
  $$ select public.unsnooze_alert((select resolve_active from ids)) $$,
  'SW004', format('Cannot unsnooze alert %s: it is not snoozed (it is active)', (select resolve_active from ids)),
  'unsnoozing an active alert is SW004');
select throws_ok(
  $$ select public.unsnooze_alert((select ack_owner from ids)) $$,
  'SW004', null, 'unsnoozing an acknowledged alert is SW004');
select throws_ok(
  $$ select public.unsnooze_alert((select resolved from ids)) $$,
  'SW004', null, 'unsnoozing a resolved alert is SW004');
select tests.clear_authentication();
select results_eq(
  $$ select a.status, a.snoozed_until from public.alerts as a where a.id = (select story from ids) $$,
  $$ values ('snoozed'::text, '2026-01-01 12:00+00'::timestamptz) $$,
  'the refused unsnoozes left the alert snoozed');

-- ------------------------------------------------------ unsnooze: allowed (9)
select set_config('shelfwatch.transition_note', 'left over from earlier', true);
select tests.authenticate_as(manager_a, tenant_a) from ids;
select results_eq(
  $$ select a.status, a.snoozed_until, a.acknowledged_at, a.acknowledged_by from public.unsnooze_alert((select story from ids)) as a $$,
  $$ select 'active'::text, null::timestamptz, '2026-01-01 10:07:30+00'::timestamptz, (select staff_a from ids) $$,
  'a manager unsnoozes: back to active (not acknowledged), the first acknowledgement is kept');
select tests.authenticate_as(owner_a, tenant_a) from ids;
select is((select a.status from public.unsnooze_alert((select snooze_owner from ids)) as a), 'active', 'an owner may unsnooze');
select tests.authenticate_as_service();
select is((select a.status from public.unsnooze_alert((select snooze_service from ids)) as a), 'active', 'service_role may unsnooze');
select tests.clear_authentication();
select is((select a.status from public.unsnooze_alert((select unsnooze_noclaims from ids)) as a), 'active',
  'a session without claims may unsnooze');
select results_eq(
  $$ select * from pg_temp.last_history((select story from ids)) $$,
  $$ select 'unsnoozed'::text, 'snoozed'::text, 'active'::text, (select manager_a from ids), null::text $$,
  'history: unsnoozed, snoozed -> active, by the manager, without a note (not even a left-over one)');
select is(pg_temp.broadcasts((select story from ids), 'snoozed', 'active'), 1,
  'the unsnooze is broadcast as one UPDATE snoozed -> active');
select results_eq(
  $$ select * from pg_temp.last_history((select snooze_service from ids)) $$,
  $$ values ('unsnoozed'::text, 'snoozed'::text, 'active'::text, null::uuid, null::text) $$,
  'a service unsnooze is recorded with a null actor');
select tests.authenticate_as(staff_a, tenant_a) from ids;
select results_eq(
  $$ select a.status, a.snoozed_until from public.acknowledge_alert((select snooze_noclaims from ids), 'Taking it now') as a $$,
  $$ values ('acknowledged'::text, null::timestamptz) $$,
  'acknowledging a snoozed alert ends the snooze');
select tests.clear_authentication();
select results_eq(
  $$ select * from pg_temp.last_history((select snooze_noclaims from ids)) $$,
  $$ select 'acknowledged'::text, 'snoozed'::text, 'acknowledged'::text, (select staff_a from ids), 'Taking it now'::text $$,
  'history: acknowledged, snoozed -> acknowledged');

-- ------------------------------------------ acknowledge again after unsnooze (4)
select set_config('shelfwatch.now', '2026-01-01 10:50+00', true);
select tests.authenticate_as(owner_a, tenant_a) from ids;
select results_eq(
  $$ select a.status, a.acknowledged_at, a.acknowledged_by, a.response_time_seconds
     from public.acknowledge_alert((select story from ids), 'Still on it') as a $$,
  $$ select 'acknowledged'::text, '2026-01-01 10:07:30+00'::timestamptz, (select staff_a from ids), 450::numeric $$,
  'a re-acknowledgement keeps the first acknowledged_at/_by, so response_time_seconds stays 450');
select tests.clear_authentication();
select results_eq(
  $$ select * from pg_temp.last_history((select story from ids)) $$,
  $$ select 'acknowledged'::text, 'active'::text, 'acknowledged'::text, (select owner_a from ids), 'Still on it'::text $$,
  'but history records who acknowledged this time');
select is((select pg_catalog.count(*)::int from public.alert_history as h
           where h.alert_id = (select story from ids) and h.action = 'acknowledged'), 2,
  'both acknowledgements are in the history');
select is(pg_temp.broadcasts((select story from ids), 'active', 'acknowledged'), 2,
  'and both were broadcast');

-- ------------------------------------------------------- resolve: refused (7)
select set_config('shelfwatch.now', '2026-01-01 11:00+00', true);
select tests.authenticate_as(viewer_a, tenant_a) from ids;
select throws_ok(
  $$ select public.resolve_alert((select story from ids)) $$,
  'SW003', format('Cannot resolve alert %s: needs the manager role or above (the caller is viewer)', (select story from ids)),
  'a viewer may not resolve (SW003)');
select tests.authenticate_as(staff_a, tenant_a) from ids;
select throws_ok(
  $$ select public.resolve_alert((select story from ids)) $$,
  'SW003', format('Cannot resolve alert %s: needs the manager role or above (the caller is staff)', (select story from ids)),
  'staff may not resolve (SW003)');
select tests.authenticate_as(manager_b, tenant_b) from ids;
select throws_ok(
  $$ select public.resolve_alert((select story from ids)) $$,
  'SW002', format('Cannot resolve alert %s: no such alert', (select story from ids)),
  'another tenant''s manager may not resolve A''s alert (SW002)');
select tests.authenticate_as(inactive_a, tenant_a) from ids;
select throws_ok(
  $$ select public.resolve_alert((select story from ids)) $$,
  'SW005', null, 'an inactive manager may not resolve (SW005)');
select tests.authenticate_as(manager_a, tenant_a) from ids;
select throws_ok(
  $$ select public.resolve_alert((select story from ids), repeat('x', 5001)) $$,
  'SW001', format('Cannot resolve alert %s: note must be at most 5000 characters (got 5001)', (select story from ids)),
  'a resolution note over 5000 characters is SW001');
select throws_ok(
  $$ select public.resolve_alert((select resolved from ids)) $$,
  'SW004', format('Cannot resolve alert %s: it is already resolved', (select resolved from ids)),
  'resolving a resolved alert is SW004');
select tests.clear_authentication();
select results_eq(
  $$ select a.status, a.resolved_at from public.alerts as a where a.id = (select story from ids) $$,
  $$ values ('acknowledged'::text, null::timestamptz) $$,
  'the refused resolutions left the alert open');

-- ------------------------------------------------------- resolve: allowed (16)
select tests.authenticate_as(manager_a, tenant_a) from ids;
select results_eq(
  $$ select a.status, a.resolved_at, a.resolved_by, a.resolution_notes, a.snoozed_until
     from public.resolve_alert((select story from ids), 'Restocked 24 units') as a $$,
  $$ select 'resolved'::text, '2026-01-01 11:00+00'::timestamptz, (select manager_a from ids), 'Restocked 24 units'::text,
            null::timestamptz $$,
  'a manager resolves: status, resolved_at = private.now(), resolved_by, resolution_notes = the note');
select is(current_setting('shelfwatch.transition_note', true), '', 'the note setting is cleared afterwards');
select throws_ok(
  $$ select public.resolve_alert((select story from ids)) $$,
  'SW004', null, 'resolving it again is SW004');
select throws_ok(
  $$ select public.acknowledge_alert((select story from ids)) $$,
  'SW004', null, 'acknowledging it now is SW004');
select throws_ok(
  $$ select public.snooze_alert((select story from ids), '2026-01-01 12:00+00') $$,
  'SW004', null, 'snoozing it now is SW004');
select results_eq(
  $$ select a.status, a.snoozed_until, a.acknowledged_at, a.response_time_seconds, a.resolution_time_seconds
     from public.resolve_alert((select resolve_direct from ids)) as a $$,
  $$ values ('resolved'::text, null::timestamptz, null::timestamptz, null::numeric, 3600::numeric) $$,
  'a manager may resolve an active alert directly: no acknowledged_at, resolution_time_seconds 3600');
select tests.authenticate_as(owner_a, tenant_a) from ids;
select results_eq(
  $$ select a.status, a.resolved_by, a.resolution_notes from public.resolve_alert((select resolve_active from ids)) as a $$,
  $$ select 'resolved'::text, (select owner_a from ids), null::text $$,
  'an owner may resolve; without a note resolution_notes stays null');
select tests.authenticate_as_service();
select is((select a.status from public.snooze_alert((select due_early from ids), '2026-01-01 11:30+00') as a), 'snoozed',
  'the service snoozes due_early until 11:30');
select is((select a.status from public.snooze_alert((select due from ids), '2026-01-01 12:00+00') as a), 'snoozed',
  'the service snoozes due until 12:00');
select is((select a.status from public.snooze_alert((select due_later from ids), '2026-01-01 13:00+00') as a), 'snoozed',
  'the service snoozes due_later until 13:00');
select results_eq(
  $$ select a.status, a.resolved_by from public.resolve_alert((select resolve_service from ids), 'Closed by the feed') as a $$,
  $$ values ('resolved'::text, null::uuid) $$,
  'service_role may resolve; resolved_by stays null');
select tests.clear_authentication();
select is((select a.status from public.resolve_alert((select resolve_noclaims from ids)) as a), 'resolved',
  'a session without claims may resolve');
select results_eq(
  $$ select a.response_time_seconds, a.resolution_time_seconds from public.alerts as a where a.id = (select story from ids) $$,
  $$ values (450::numeric, 3600::numeric) $$,
  'the story: 450 s to respond, 3600 s to resolve');
select results_eq(
  $$ select * from pg_temp.last_history((select story from ids)) $$,
  $$ select 'resolved'::text, 'acknowledged'::text, 'resolved'::text, (select manager_a from ids), 'Restocked 24 units'::text $$,
  'history: resolved, acknowledged -> resolved, by the manager, with the note');
select is(pg_temp.broadcasts((select story from ids), 'acknowledged', 'resolved'), 1,
  'the resolution is broadcast as one UPDATE acknowledged -> resolved');
select results_eq(
  $$ select h.action, h.actor_id from public.alert_history as h where h.alert_id = (select story from ids) order by h.id $$,
  $$ select * from (values ('created'::text, null::uuid), ('acknowledged', (select staff_a from ids)),
                           ('snoozed', (select manager_a from ids)), ('unsnoozed', (select manager_a from ids)),
                           ('acknowledged', (select owner_a from ids)), ('resolved', (select manager_a from ids))) as v $$,
  'the story''s whole audit trail, in order, each step with its actor');

-- ----------------------------------------------------- resolving a snoozed alert (2)
select tests.authenticate_as(manager_a, tenant_a) from ids;
select is((select a.status from public.snooze_alert((select ack_manager from ids), '2026-01-01 12:00+00') as a), 'snoozed',
  'a manager snoozes an acknowledged alert');
select results_eq(
  $$ select a.status, a.snoozed_until from public.resolve_alert((select ack_manager from ids), 'Gone') as a $$,
  $$ values ('resolved'::text, null::timestamptz) $$,
  'resolving a snoozed alert is allowed and clears snoozed_until');
select tests.clear_authentication();

-- --------------------------------------------------------- snooze expiry (14)
select set_config('shelfwatch.now', '2026-01-01 11:29:59+00', true);
select is(private.unsnooze_expired(), 0, 'before any snooze has ended nothing is woken');
select set_config('shelfwatch.now', '2026-01-01 11:59+00', true);
select tests.authenticate_as_service();
select set_config('request.jwt.claims', json_build_object('role', 'service_role', 'sub', owner_a)::text, true) from ids;
select is(private.unsnooze_expired(), 1, 'at 11:59 only the snooze that ended at 11:30 is over');
select is(auth.uid(), (select owner_a from ids), 'the caller''s claims are back after unsnooze_expired');
select tests.clear_authentication();
select results_eq(
  $$ select a.status, a.snoozed_until from public.alerts as a where a.id = (select due_early from ids) $$,
  $$ values ('active'::text, null::timestamptz) $$,
  'the expired alert is active again without a snooze time');
select results_eq(
  $$ select * from pg_temp.last_history((select due_early from ids)) $$,
  $$ values ('unsnoozed'::text, 'snoozed'::text, 'active'::text, null::uuid, null::text) $$,
  'history: unsnoozed by the system (null actor, even though the caller''s token had a sub)');
select is((select h.created_at from public.alert_history as h
           where h.alert_id = (select due_early from ids) and h.action = 'unsnoozed'),
  '2026-01-01 11:59+00'::timestamptz, 'stamped with the moved clock');
select is(pg_temp.broadcasts((select due_early from ids), 'snoozed', 'active'), 1,
  'the expiry is broadcast as an UPDATE snoozed -> active');
select set_config('shelfwatch.now', '2026-01-01 12:00+00', true);
select is(private.unsnooze_expired(), 1, 'at exactly 12:00 the snooze until 12:00 is over');
select results_eq(
  $$ select a.status from public.alerts as a where a.id in ((select due from ids), (select due_later from ids)) order by a.title $$,
  $$ values ('active'::text), ('snoozed'::text) $$,
  'due is active again; due_later is still snoozed');
select is(private.unsnooze_expired(), 0, 'running it again changes nothing');
select is((select pg_catalog.count(*)::int from public.alert_history as h
           where h.alert_id = (select due from ids) and h.action = 'unsnoozed'), 1,
  'and writes no second history row');
select tests.authenticate_as(owner_a, tenant_a) from ids;
select throws_ok(
  $$ select private.unsnooze_expired() $$,
  '42501', null, 'members may not run unsnooze_expired');
select tests.clear_authentication();
select set_config('shelfwatch.now', '2026-01-01 13:00+00', true);
select is(private.unsnooze_expired(), 1, 'at 13:00 the last snooze ends');
select is((select pg_catalog.count(*)::int from public.alerts as a where a.status = 'snoozed'), 0, 'no alert is snoozed any more');

-- ------------------------------------------------------------ all in all (2)
select is(
  (select pg_catalog.count(*)::int from public.alerts as a where a.tenant_id = (select tenant_b from ids) and a.status <> 'active'),
  0, 'nothing any member of A did touched tenant B''s alert');
select is(
  (select pg_catalog.count(*)::int from public.alert_history as h
   where h.action in ('acknowledged', 'snoozed', 'unsnoozed', 'resolved')
     and h.actor_id in ((select viewer_a from ids), (select inactive_a from ids), (select manager_b from ids))),
  0, 'viewers, inactive members and other tenants'' members left no transition in the history');

select * from finish();
rollback;
