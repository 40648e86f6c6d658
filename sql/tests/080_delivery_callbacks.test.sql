-- pgTAP tests for provider callbacks, action links, SMS opt-out and phone verification
-- (migrations 20261122151000..151300): public.record_delivery_status() (service only; records an
-- event once, moves provider_status forward only, fails a sent delivery on a bounce),
-- delivery_status_events RLS, action_link_uses closed to members, public.set_text_opt_out()
-- (STOP withdraws consent and cancels pending texts, START restores verified numbers only),
-- create_/confirm_phone_verification() (service-only creation, hashed codes, counted attempts,
-- request limit), early statuses parked and replayed (20261122151400). One transaction, rolled
-- back.
begin;
set local search_path = extensions, public;

select plan(31);

-- ------------------------------------------------------------------ fixtures
create temp table ids as
with t as materialized (
  select tests.create_tenant('Alpha Bakery') as tenant_a, tests.create_tenant('Beta Grocer') as tenant_b
)
select t.tenant_a, t.tenant_b,
       tests.create_member(t.tenant_a, 'manager') as a_manager,
       tests.create_member(t.tenant_a, 'staff') as a_staff,
       tests.create_member(t.tenant_a, 'viewer') as a_viewer,
       tests.create_member(t.tenant_b, 'owner') as b_owner
from t;
grant select on ids to anon, authenticated, service_role;

update public.tenant_members set phone = '+15550000001', sms_consent = true where user_id = (select a_manager from ids);
update public.tenant_members set phone_verified_at = now() where user_id = (select a_manager from ids);
update public.tenant_members set phone = '+15550000001', sms_consent = true where user_id = (select a_staff from ids);

insert into public.alerts (id, tenant_id, alert_type, severity, title, dedup_key)
select '3f9a0c00-0000-4000-8000-000000000001', tenant_a, 'inventory.low_stock', 'high', 'Low flour', 'pgtap-callbacks' from ids;
insert into public.deliveries (id, tenant_id, alert_id, user_id, channel, reason, status, sent_at, idempotency_key, provider, provider_message_id)
select 'de000000-0000-4000-8000-000000000001'::uuid, tenant_a, '3f9a0c00-0000-4000-8000-000000000001'::uuid, a_manager, 'sms', 'created', 'sent', now(),
       'pgtap/1', 'twilio', 'SM1' from ids
union all
select 'de000000-0000-4000-8000-000000000002'::uuid, tenant_a, '3f9a0c00-0000-4000-8000-000000000001'::uuid, a_staff, 'email', 'created', 'sent', now(),
       'pgtap/2', 'resend', 're-2' from ids
union all
select 'de000000-0000-4000-8000-000000000003'::uuid, tenant_a, '3f9a0c00-0000-4000-8000-000000000001'::uuid, a_staff, 'sms', 'created', 'pending', now(),
       'pgtap/3', null, null from ids
union all
select 'de000000-0000-4000-8000-000000000004'::uuid, tenant_a, '3f9a0c00-0000-4000-8000-000000000001'::uuid, a_staff, 'email', 'created', 'sent', now(),
       'pgtap/4', null, null from ids;

-- ------------------------------------------------------------------ record_delivery_status
select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select throws_ok($$ select public.record_delivery_status('twilio', 'SM1', 'delivered') $$, '42501', null,
  'members cannot record provider statuses');
select tests.authenticate_as_service();
select is(public.record_delivery_status('twilio', 'SM1', 'delivered', event_id => 'SM1/delivered'), 'recorded',
  'a provider status is recorded');
select is(public.record_delivery_status('twilio', 'SM1', 'delivered', event_id => 'SM1/delivered'), 'duplicate',
  'the same event again is a duplicate');
select is(public.record_delivery_status('twilio', 'SM1', 'sent', event_id => 'SM1/sent'), 'recorded',
  'a late, lesser status is recorded in the timeline');
select is((select provider_status from public.deliveries where id = 'de000000-0000-4000-8000-000000000001'), 'delivered',
  '... but provider_status never moves back');
select is(public.record_delivery_status('twilio', 'SM-unknown', 'delivered'), 'unknown_message',
  'a message id we never sent is reported as unknown');
select is((select count(*)::int from public.early_delivery_statuses where provider_message_id = 'SM-unknown'), 1,
  '... and parked until a delivery carries that message id');
select tests.clear_authentication();
update public.deliveries set provider = 'twilio', provider_message_id = 'SM-unknown' where id = 'de000000-0000-4000-8000-000000000004';
select is((select provider_status from public.deliveries where id = 'de000000-0000-4000-8000-000000000004'), 'delivered',
  'when a delivery records the message id, the parked status is applied to it');
select is((select count(*)::int from public.early_delivery_statuses), 0, '... and no longer parked');
select tests.authenticate_as_service();
select throws_ok($$ select public.record_delivery_status('twilio', 'SM1', 'exploded') $$, 'SW001', null,
  'an unknown status is refused with SW001');
select is(public.record_delivery_status('resend', 're-2', 'failed', 'invalid_destination', 'email.bounced', 'msg_1'), 'recorded',
  'a bounce is recorded');
select results_eq(
  $$ select status, error_reason, last_error from public.deliveries where id = 'de000000-0000-4000-8000-000000000002' $$,
  $$ values ('failed'::text, 'invalid_destination'::text, 'email.bounced'::text) $$,
  'a bounce turns the sent delivery into failed with its reason');
select is(public.record_delivery_status('resend', 're-2', 'delivered', event_id => 'msg_2'), 'recorded',
  'a delivered after the bounce is recorded');
select is((select status from public.deliveries where id = 'de000000-0000-4000-8000-000000000002'), 'failed',
  '... and the delivery stays failed');

-- ------------------------------------------------------------------ timeline RLS
select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select is((select count(*)::int from public.delivery_status_events), 5, 'managers see their tenant''s timeline');
select tests.authenticate_as((select a_viewer from ids), (select tenant_a from ids));
select is((select count(*)::int from public.delivery_status_events), 0, 'a viewer sees only timelines of deliveries to them');
select tests.authenticate_as((select b_owner from ids), (select tenant_b from ids));
select is((select count(*)::int from public.delivery_status_events), 0, 'another tenant sees nothing');
select throws_ok($$ insert into public.delivery_status_events (tenant_id, delivery_id, provider, status, occurred_at)
                    values ((select tenant_a from ids), 'de000000-0000-4000-8000-000000000001', 'x', 'read', now()) $$,
  '42501', null, 'members cannot write the timeline');

-- ------------------------------------------------------------------ action_link_uses
select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select throws_ok($$ select * from public.action_link_uses $$, '42501', null, 'members cannot read used links');
select throws_ok($$ select * from public.early_delivery_statuses $$, '42501', null, 'members cannot read parked statuses');
select throws_ok($$ insert into public.action_link_uses (jti, tenant_id, alert_id, user_id, action, expires_at)
                    values (gen_random_uuid(), (select tenant_a from ids), gen_random_uuid(), auth.uid(), 'resolve', now()) $$,
  '42501', null, 'members cannot mark links used');

-- ------------------------------------------------------------------ STOP / START
select throws_ok($$ select public.set_text_opt_out('+15550000001', 'sms', true) $$, '42501', null,
  'members cannot opt a number out');
select tests.authenticate_as_service();
select is(public.set_text_opt_out('+15550000001', 'sms', true), 2, 'STOP withdraws SMS consent of every member with the number');
select is((select status from public.deliveries where id = 'de000000-0000-4000-8000-000000000003'), 'cancelled',
  '... and cancels their pending SMS');
select is(public.set_text_opt_out('+15550000001', 'sms', false), 1, 'START restores consent only where the number is verified');
select results_eq(
  $$ select sms_consent from public.tenant_members where phone = '+15550000001' order by role $$,
  $$ values (true), (false) $$,
  'the verified manager has consent again, the unverified staff member not');

-- ------------------------------------------------------------------ phone verification
select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
select throws_ok($$ select public.create_phone_verification((select tenant_a from ids), auth.uid(), 'sms', '123456') $$,
  '42501', null, 'members cannot create their own codes');
select tests.authenticate_as_service();
select lives_ok($$ select public.create_phone_verification((select tenant_a from ids), (select a_staff from ids), 'sms', '123456') $$,
  'the system creates a code');
select is((select code_hash from public.phone_verifications) <> sha256(convert_to('123456', 'UTF8')), true,
  'only a salted hash of the code is stored');
select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
select results_eq($$ select outcome, attempts_left from public.confirm_phone_verification('sms', '654321') $$,
  $$ values ('wrong_code'::text, 4) $$, 'a wrong code is counted');
select results_eq($$ select outcome from public.confirm_phone_verification('sms', '123456') $$,
  $$ values ('verified'::text) $$, 'the right code verifies the number');

select * from finish();
rollback;
