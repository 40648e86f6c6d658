-- pgTAP tests for the dispatcher's side of the outbox (migrations 20261122150000-150300): who may
-- read the local inbox (members their own, managers their tenant's, nobody another tenant's, no
-- member writes); webhook signing secrets (owners only, never managers or another tenant);
-- defer_delivery() (back to pending without spending an attempt, service_role only, only under a
-- live lease); prune_inbox() (a week kept); complete_deliveries() (only rows still under a live lease, service_role only);
-- poke_dispatcher() (nothing without its Vault secrets, one pg_net request with
-- them). One transaction, rolled back.
begin;
set local search_path = extensions, public;

select plan(26);

-- ------------------------------------------------------------------ fixtures
create temp table ids as
with t as materialized (
  select tests.create_tenant('Alpha Bakery') as tenant_a, tests.create_tenant('Beta Grocer') as tenant_b
)
select t.tenant_a, t.tenant_b,
       tests.create_member(t.tenant_a, 'owner') as a_owner,
       tests.create_member(t.tenant_a, 'manager') as a_manager,
       tests.create_member(t.tenant_a, 'staff') as a_staff,
       tests.create_member(t.tenant_b, 'owner') as b_owner
from t;
grant select on ids to anon, authenticated, service_role;

insert into public.inbox_messages (tenant_id, user_id, channel, recipient, subject, body_text)
select tenant_a, a_staff, 'email', 'staff@a.test', '[HIGH] for staff', 'x' from ids
union all
select tenant_a, a_owner, 'sms', '+15550001111', null, 'for the owner' from ids
union all
select tenant_a, null, 'slack', 'hooks.slack.com (slack)', null, 'tenant destination' from ids
union all
select tenant_b, b_owner, 'email', 'b@b.test', '[LOW] other tenant', 'y' from ids;

insert into public.webhook_secrets (tenant_id) select tenant_a from ids;
insert into public.webhook_secrets (tenant_id) select tenant_b from ids;

-- ------------------------------------------------------------------ inbox
select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
select results_eq($$ select subject from public.inbox_messages $$, $$ values ('[HIGH] for staff'::text) $$,
  'staff read only the messages addressed to them');
select throws_ok($$ insert into public.inbox_messages (tenant_id, channel, recipient) select tenant_a, 'email', 'x@y.z' from ids $$,
  '42501', null, 'members cannot write the inbox');

select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select is((select count(*)::int from public.inbox_messages), 3, 'managers read every message of their tenant, destinations too');
select is((select count(*)::int from public.inbox_messages where subject like '%other tenant%'), 0,
  'never another tenant''s');

select tests.authenticate_as((select b_owner from ids), (select tenant_b from ids));
select is((select count(*)::int from public.inbox_messages), 1, 'the other tenant''s owner sees only theirs');
select tests.clear_authentication();

insert into public.inbox_messages (tenant_id, channel, recipient, created_at)
select tenant_a, 'email', 'old@a.test', now() - interval '8 days' from ids;
select is(private.prune_inbox(), 1, 'prune_inbox() removes messages older than a week');
select is((select count(*)::int from public.inbox_messages where tenant_id = (select tenant_a from ids)), 3,
  'and keeps the recent ones');

-- ------------------------------------------------------------------ webhook secrets
select is((select length(secret) from public.webhook_secrets where tenant_id = (select tenant_a from ids)), 64,
  'a new secret is 64 hex digits (32 random bytes)');
select isnt((select secret from public.webhook_secrets where tenant_id = (select tenant_a from ids)),
            (select secret from public.webhook_secrets where tenant_id = (select tenant_b from ids)),
  'each tenant has its own');

select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select is((select count(*)::int from public.webhook_secrets), 1, 'owners read their tenant''s secret, only theirs');
update public.webhook_secrets set secret = repeat('r', 40);
select tests.clear_authentication();
select is((select secret from public.webhook_secrets where tenant_id = (select tenant_a from ids)), repeat('r', 40),
  'owners rotate it');

select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select is((select count(*)::int from public.webhook_secrets), 0, 'managers cannot read it');
update public.webhook_secrets set secret = repeat('m', 40);
select tests.clear_authentication();
select is((select secret from public.webhook_secrets where tenant_id = (select tenant_a from ids)), repeat('r', 40),
  'nor change it');
select throws_ok($$ update public.webhook_secrets set secret = 'short' $$, '23514', null,
  'a secret shorter than 32 characters is refused');

-- ------------------------------------------------------------------ defer_delivery
insert into public.deliveries (tenant_id, alert_id, destination, channel, reason, idempotency_key)
select tenant_a, public.raise_alert(tenant_a, 'dispatch_test', 'high', 'Deferred'), 'https://hooks.slack.com/x',
       'slack', 'created', 'defer-test/slack'
from ids;

select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select throws_ok($$ select public.defer_delivery(gen_random_uuid(), 5) $$, '42501', null,
  'members cannot defer deliveries');
select tests.authenticate_as_service();
select throws_ok($$ select public.defer_delivery(id, 5) from public.deliveries where idempotency_key = 'defer-test/slack' $$,
  'SW004', null, 'only a delivery being sent under a live lease can be deferred');
select is((select count(*)::int from public.claim_deliveries('w1', 1000, 60) where idempotency_key = 'defer-test/slack'), 1,
  'claimed');
select results_eq(
  $$ select status, attempts, due_at > now() + interval '29 seconds', lease_expires_at is null
     from public.defer_delivery((select id from public.deliveries where idempotency_key = 'defer-test/slack'), 30, 'rate') $$,
  $$ values ('pending'::text, 0, true, true) $$,
  'deferring hands it back as pending, due later, without spending the attempt');
select tests.clear_authentication();

-- ------------------------------------------------------------------ complete_deliveries
insert into public.deliveries (tenant_id, alert_id, destination, channel, reason, idempotency_key)
select tenant_a, public.raise_alert(tenant_a, 'dispatch_test', 'high', 'Batch ' || n), 'https://hooks.slack.com/x',
       'slack', 'created', 'batch-test/' || n
from ids, generate_series(1, 3) as n;
select tests.authenticate_as_service();
select is((select count(*)::int from public.claim_deliveries('w2', 1000, 60) where idempotency_key like 'batch-test/%'), 3,
  'three claimed');
select tests.clear_authentication();
update public.deliveries set lease_expires_at = now() - interval '1 second' where idempotency_key = 'batch-test/3';
select tests.authenticate_as_service();
select results_eq(
  $$ select d.idempotency_key from public.complete_deliveries(
       (select array_agg(id order by idempotency_key) from public.deliveries where idempotency_key like 'batch-test/%'),
       array['slack', 'slack', 'slack'], array['m1', null, 'm3']) as c
     join public.deliveries as d on d.id = c.id order by 1 $$,
  $$ values ('batch-test/1'::text), ('batch-test/2') $$,
  'complete_deliveries() completes those still under a live lease and says which');
select results_eq(
  $$ select status, provider_message_id from public.deliveries where idempotency_key like 'batch-test/%' order by idempotency_key $$,
  $$ values ('sent'::text, 'm1'::text), ('sent', null), ('sending', null) $$,
  'the one whose lease ran out is left to whoever claims it next');
select throws_ok($$ select public.complete_deliveries(array[gen_random_uuid()], array['a', 'b'], array[null::text]) $$,
  'SW001', null, 'arrays of different lengths are refused');
select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select throws_ok($$ select public.complete_deliveries(array[gen_random_uuid()], array['x'], array[null::text]) $$,
  '42501', null, 'members cannot complete deliveries');
select tests.clear_authentication();

-- ------------------------------------------------------------------ poke_dispatcher
select is(private.poke_dispatcher(), false, 'without its Vault secrets the poke does nothing');
do $$
begin
  perform vault.create_secret('https://example.supabase.co/functions/v1/notify/dispatch', 'shelfwatch_dispatch_url');
  perform vault.create_secret('service-key-for-test', 'shelfwatch_service_key');
end $$;
select is(private.poke_dispatcher(), true, 'with them it asks pg_net to POST to /dispatch');
select results_eq(
  $$ select url, headers ->> 'Authorization' from net.http_request_queue order by id desc limit 1 $$,
  $$ values ('https://example.supabase.co/functions/v1/notify/dispatch'::text, 'Bearer service-key-for-test'::text) $$,
  'with the service key');

select * from finish();
rollback;
