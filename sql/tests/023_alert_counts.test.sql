-- pgTAP tests for the alert counts (20261122170200): public.alert_counts follows every insert,
-- transition, delete and truncate of alerts, in single statements and sets; folding moves
-- changes without changing totals and drops those of deleted tenants; recounting repairs writes
-- made with triggers off; members see only their tenant's counts and nobody writes them directly.
-- One transaction, rolled back.
begin;
set local search_path = extensions, public;
set local timezone = 'UTC';

select plan(18);

create temp table ids (tenant_a uuid, tenant_b uuid, manager_a uuid, viewer_b uuid, one uuid, two uuid)
  on commit drop;
insert into ids (tenant_a, tenant_b) values (tests.create_tenant('Counts A'), tests.create_tenant('Counts B'));
update ids set manager_a = tests.create_member(tenant_a, 'manager'), viewer_b = tests.create_member(tenant_b, 'viewer');
grant select on ids to authenticated, service_role;

-- The counts of one tenant that are not zero, as (severity, status, alerts) rows in a fixed order.
create function pg_temp.counts(tenant uuid)
returns table (severity text, status text, alerts bigint)
language sql
as $$
  select c.severity, c.status, c.alerts from public.alert_counts as c
  where c.tenant_id = tenant and c.alerts <> 0 order by c.severity, c.status
$$;
-- Whether the counts of every tenant equal a count of the alerts themselves.
create function pg_temp.exact()
returns boolean
language sql
as $$
  select not exists (
    (select tenant_id, severity, status, count(*)::bigint from public.alerts group by 1, 2, 3)
    except all
    (select tenant_id, severity, status, alerts from public.alert_counts where alerts <> 0)
  ) and not exists (
    (select tenant_id, severity, status, alerts from public.alert_counts where alerts <> 0)
    except all
    (select tenant_id, severity, status, count(*)::bigint from public.alerts group by 1, 2, 3)
  )
$$;

-- ------------------------------------------------------------- definitions (3)
select ok(
  (select pg_catalog.bool_and(c.relrowsecurity) from pg_catalog.pg_class as c
   where c.oid in ('private.alert_counts'::regclass, 'private.alert_count_changes'::regclass)),
  'both count tables have RLS on');
select ok(
  not pg_catalog.has_table_privilege('authenticated', 'private.alert_counts', 'insert, update, delete')
  and not pg_catalog.has_table_privilege('authenticated', 'private.alert_count_changes', 'insert, update, delete')
  and not pg_catalog.has_table_privilege('anon', 'public.alert_counts', 'select'),
  'members cannot write the counts, anon cannot read them');
select ok(
  pg_catalog.has_function_privilege('service_role', 'private.fold_alert_counts()', 'execute')
  and not pg_catalog.has_function_privilege('authenticated', 'private.fold_alert_counts()', 'execute')
  and not pg_catalog.has_function_privilege('authenticated', 'private.recount_alerts(uuid)', 'execute'),
  'only the service role may fold or recount');

-- ------------------------------------------------------------- following writes (7)
update ids set one = public.raise_alert(tenant_a, 'low_stock', 'high', 'one', dedup_key => 'one'),
               two = public.raise_alert(tenant_a, 'low_stock', 'low', 'two', dedup_key => 'two');
select public.raise_alert(tenant_b, 'low_stock', 'critical', 'b' || g, dedup_key => 'b' || g) from ids, generate_series(1, 3) as g;
select results_eq($$ select * from pg_temp.counts((select tenant_a from ids)) $$,
  $$ values ('high'::text, 'active'::text, 1::bigint), ('low', 'active', 1) $$,
  'raised alerts are counted by severity and status');
select public.raise_alert((select tenant_a from ids), 'low_stock', 'high', 'one again', dedup_key => 'one');
select results_eq($$ select * from pg_temp.counts((select tenant_a from ids)) $$,
  $$ values ('high'::text, 'active'::text, 1::bigint), ('low', 'active', 1) $$,
  'a repeat (deduplicated into the open alert) counts nothing new');
select tests.authenticate_as(manager_a, tenant_a) from ids;
select public.acknowledge_alert((select one from ids), null);
select public.snooze_alert((select two from ids), private.now() + interval '1 day', null);
select tests.clear_authentication();
select results_eq($$ select * from pg_temp.counts((select tenant_a from ids)) $$,
  $$ values ('high'::text, 'acknowledged'::text, 1::bigint), ('low', 'snoozed', 1) $$,
  'acknowledging and snoozing move alerts between statuses');
update public.alerts set severity = 'critical' where id = (select one from ids);
update public.alerts set status = 'resolved', resolved_at = now() where tenant_id = (select tenant_b from ids);
select results_eq($$ select * from pg_temp.counts((select tenant_b from ids)) $$,
  $$ values ('critical'::text, 'resolved'::text, 3::bigint) $$,
  'a set-based update moves every alert it changes');
select ok(pg_temp.exact(), 'the counts equal a count of the alerts');
delete from public.alerts where id = (select two from ids);
select results_eq($$ select * from pg_temp.counts((select tenant_a from ids)) $$,
  $$ values ('critical'::text, 'acknowledged'::text, 1::bigint) $$,
  'deleted alerts are taken off (retention)');
select ok(pg_temp.exact(), 'the counts still equal a count of the alerts');

-- ------------------------------------------------------------- folding and recounting (5)
select cmp_ok(private.fold_alert_counts(), '>', 0, 'a fold touches the counts of pending changes');
select is_empty('select 1 from private.alert_count_changes', 'after a fold nothing is pending');
select ok(pg_temp.exact(), 'folding changes no total');
set local session_replication_role = replica;
insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key)
select (select tenant_b from ids), 'bulk', 'medium', 'bulk ' || g, 'bulk' || g from generate_series(1, 5) as g;
set local session_replication_role = origin;
select is(private.recount_alerts((select tenant_b from ids)), 16,
  'recounting a tenant writes all 16 severity x status counts');
select ok(pg_temp.exact(), 'recounting picks up alerts written with triggers off');

-- ------------------------------------------------------------- who sees what (3)
select tests.authenticate_as(viewer_b, tenant_b) from ids;
select results_eq($$ select distinct tenant_id from public.alert_counts where alerts <> 0 $$,
  $$ select tenant_b from ids $$,
  'a member sees only their own tenant''s counts');
select throws_ok($$ insert into private.alert_count_changes values ((select tenant_b from ids), 'low', 'active', 100) $$,
  '42501', null, 'a member cannot forge a count change');
select tests.clear_authentication();
delete from public.tenants where id = (select tenant_b from ids);
select private.fold_alert_counts();
select ok(not exists (select 1 from public.alert_counts where tenant_id = (select tenant_b from ids)),
  'a deleted tenant''s counts and changes are gone after the next fold');

select * from finish();
rollback;
