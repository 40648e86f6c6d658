-- pgTAP tests for housekeeping (migrations 20261122200000-200100): phone verification codes are
-- purged after a day and not before; only the system may purge; scheduling every job needs pg_cron
-- and says so (test databases have none). One transaction, rolled back.
begin;
set local search_path = extensions, public;

select plan(6);

create temp table ids as
select t.tenant_a, tests.create_member(t.tenant_a, 'staff') as a_staff
from (select tests.create_tenant('Alpha Bakery') as tenant_a) as t;
grant select on ids to anon, authenticated, service_role;

insert into public.phone_verifications (tenant_id, user_id, channel, number, code_hash, expires_at, created_at)
select tenant_a, a_staff, 'sms', '+15550000001', '\x00'::bytea, now() - interval '2 days' + interval '10 minutes', now() - interval '2 days' from ids
union all
select tenant_a, a_staff, 'sms', '+15550000001', '\x01'::bytea, now() - interval '20 hours' + interval '10 minutes', now() - interval '20 hours' from ids
union all
select tenant_a, a_staff, 'sms', '+15550000001', '\x02'::bytea, now() + interval '10 minutes', now() from ids;

select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
select throws_ok($$ select private.purge_phone_verifications() $$, '42501', null, 'members cannot purge codes');
select tests.authenticate_as_service();
select is(private.purge_phone_verifications(), 1, 'codes older than a day are purged');
select results_eq($$ select code_hash from public.phone_verifications order by created_at $$,
  $$ values ('\x01'::bytea), ('\x02'::bytea) $$, 'codes of the last day stay (they count towards the hourly request limit)');
select is(private.purge_phone_verifications(batch_size => 1), 0, 'a second run finds nothing');

select tests.clear_authentication();
select throws_ok($$ select * from private.schedule_shelfwatch_jobs() $$, 'SW001',
  'Cannot schedule Shelfwatch jobs: pg_cron is not installed in this database',
  'scheduling every job without pg_cron fails with a clear reason');
select is(has_function_privilege('authenticated', 'private.schedule_shelfwatch_jobs()', 'execute'), false,
  'members cannot reschedule jobs');

select * from finish();
rollback;
