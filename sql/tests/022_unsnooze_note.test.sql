-- pgTAP tests for unsnooze with a note (20261122170100): public.unsnooze_alert(alert_id, note)
-- records the note in alert_history like the other lifecycle functions, checks it as they do,
-- and the one-argument form keeps working (no note) for existing callers. One transaction, rolled
-- back.
begin;
set local search_path = extensions, public;
set local timezone = 'UTC';

select plan(11);

-- ---------------------------------------------------------------- fixtures
select set_config('shelfwatch.now', '2026-01-01 10:00+00', true);
create temp table ids (
  tenant_a uuid, manager_a uuid, staff_a uuid, noted uuid, plain uuid, long_note uuid, active uuid
) on commit drop;
insert into ids (tenant_a) values (tests.create_tenant('Unsnooze notes'));
update ids set manager_a = tests.create_member(tenant_a, 'manager'),
               staff_a = tests.create_member(tenant_a, 'staff');
update ids set noted = public.raise_alert(tenant_a, 'low_stock', 'high', 'noted', dedup_key => 'noted'),
               plain = public.raise_alert(tenant_a, 'low_stock', 'high', 'plain', dedup_key => 'plain'),
               long_note = public.raise_alert(tenant_a, 'low_stock', 'high', 'long_note', dedup_key => 'long_note'),
               active = public.raise_alert(tenant_a, 'low_stock', 'high', 'active', dedup_key => 'active');
update public.alerts set status = 'snoozed', snoozed_until = '2026-01-02 10:00+00'
where id in (select noted from ids union all select plain from ids union all select long_note from ids);
grant select on ids to authenticated, service_role;

create function pg_temp.last_history(alert uuid)
returns table (action text, from_status text, to_status text, actor_id uuid, note text)
language sql
as $$
  select h.action, h.from_status, h.to_status, h.actor_id, h.note
  from public.alert_history as h where h.alert_id = alert order by h.id desc limit 1
$$;

-- -------------------------------------------------- definitions and grants (3)
select ok(
  (select p.prosecdef and p.proconfig @> array['search_path=""']
   from pg_catalog.pg_proc as p where p.oid = 'public.unsnooze_alert(uuid, text)'::regprocedure),
  'unsnooze_alert(uuid, text) is security definer with an empty search_path');
select ok(
  pg_catalog.has_function_privilege('authenticated', 'public.unsnooze_alert(uuid, text)', 'execute')
  and pg_catalog.has_function_privilege('service_role', 'public.unsnooze_alert(uuid, text)', 'execute')
  and not pg_catalog.has_function_privilege('anon', 'public.unsnooze_alert(uuid, text)', 'execute'),
  'authenticated and service_role may unsnooze with a note, anon may not');
select ok(
  pg_catalog.obj_description('public.unsnooze_alert(uuid, text)'::regprocedure, 'pg_proc') is not null,
  'unsnooze_alert(uuid, text) has a comment');

-- ------------------------------------------------------ with a note (3)
select set_config('shelfwatch.now', '2026-01-01 10:45+00', true);
select tests.authenticate_as(manager_a, tenant_a) from ids;
select results_eq(
  $$ select a.status, a.snoozed_until from public.unsnooze_alert((select noted from ids), 'Delivery came early') as a $$,
  $$ values ('active'::text, null::timestamptz) $$,
  'a manager unsnoozes with a note: the alert is active, its snooze cleared');
select tests.clear_authentication();
select results_eq(
  $$ select * from pg_temp.last_history((select noted from ids)) $$,
  $$ select 'unsnoozed'::text, 'snoozed'::text, 'active'::text, manager_a, 'Delivery came early'::text from ids $$,
  'the history row records the unsnooze, the manager and the note');
select is(pg_catalog.current_setting('shelfwatch.transition_note', true), '',
  'the note does not outlive the call (a later change in the transaction carries none)');

-- ------------------------------------------------------ without a note (2)
select tests.authenticate_as(manager_a, tenant_a) from ids;
select is((select a.status from public.unsnooze_alert((select plain from ids)) as a), 'active',
  'the one-argument form still unsnoozes');
select tests.clear_authentication();
select is((select note from pg_temp.last_history((select plain from ids))), null,
  'an unsnooze without a note records none');

-- ------------------------------------------------------ refused (3)
select tests.authenticate_as(manager_a, tenant_a) from ids;
select throws_ok(
  format('select public.unsnooze_alert(%L, %L)', (select long_note from ids), repeat('x', 5001)),
  'SW001', format('Cannot unsnooze alert %s: note must be at most 5000 characters (got 5001)', (select long_note from ids)),
  'a note over 5000 characters is SW001');
select throws_ok(
  format('select public.unsnooze_alert(%L, %L)', (select active from ids), 'why'),
  'SW004', format('Cannot unsnooze alert %s: it is not snoozed (it is active)', (select active from ids)),
  'unsnoozing an active alert with a note is SW004');
select tests.authenticate_as(staff_a, tenant_a) from ids;
select throws_ok(
  format('select public.unsnooze_alert(%L, %L)', (select long_note from ids), 'why'),
  'SW003', null, 'staff may not unsnooze, with a note or without (SW003)');
select tests.clear_authentication();

select * from finish();
rollback;
