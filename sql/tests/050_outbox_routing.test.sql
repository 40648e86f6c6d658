-- pgTAP tests for notifications (migrations 20261122110000..110800): the outbox (deliveries) rows
-- routing writes per recipient and channel for each severity with the default settings; consent,
-- address, store scope and role rules; what re-notifies (a severity rise, a snooze running out,
-- escalation, resolve to those notified before) and what does not (a fall, a repeat, an
-- acknowledgement); quiet hours across the two 2026 DST nights in Europe/Berlin; rate limits;
-- tenant webhooks; escalation timing on a moved clock and the policy snapshot; digests; the
-- claim/complete/fail contract; settings validation; RLS on deliveries and push_subscriptions.
-- One transaction, rolled back. Times are moved with shelfwatch.now; every expected UTC instant
-- is computed by hand in the comment beside it.
begin;
set local search_path = extensions, public;
set local timezone = 'UTC';

select plan(118);

select is(private.notification_settings('{"notifications": {"sla": {"critical": {"resolve_minutes": 60}, "high": null}}}') -> 'sla',
  '{"critical": {"acknowledge_minutes": 15, "resolve_minutes": 60}, "high": null}'::jsonb,
  'an SLA setting merges into the default per severity (a JSON null removes one)');

-- ---------------------------------------------------------------- fixtures
-- Members by label: who(label) -> user_id, so expectations read 'owner:email manager:sms ...'.
create temp table who (label text primary key, tenant_id uuid not null, user_id uuid not null unique) on commit drop;
create temp table ids (name text primary key, id uuid not null) on commit drop;
grant select on who, ids to authenticated, service_role, anon;

create function pg_temp.id(name text) returns uuid language sql stable as $$ select i.id from ids as i where i.name = $1 $$;
create function pg_temp.uid(label text) returns uuid language sql stable as $$ select w.user_id from who as w where w.label = $1 $$;
grant execute on function pg_temp.id(text), pg_temp.uid(text) to authenticated, service_role, anon;

create function pg_temp.tenant(name text, zone text default 'UTC', settings jsonb default '{}') returns uuid
language sql as $$
  with t as (insert into public.tenants (name, timezone, settings) values (name, zone, settings) returning id)
  insert into ids (name, id) select name, t.id from t
  returning id
$$;

-- A member with exactly the contact points and consents given; verified numbers unless told otherwise.
create function pg_temp.member(
  label text, tenant text, role text,
  email text default null, phone text default null, sms boolean default false,
  whatsapp text default null, wa boolean default false, verified boolean default true,
  push boolean default false, push_sub boolean default false,
  stores text[] default null, prefs jsonb default '{}', zone text default null,
  email_consent boolean default true, active boolean default true)
returns uuid
language plpgsql as $$
declare
  new_user uuid := gen_random_uuid();
begin
  insert into public.tenant_members (tenant_id, user_id, role, email, phone, whatsapp, sms_consent, whatsapp_consent,
    push_consent, email_consent, phone_verified_at, whatsapp_verified_at, store_ids, preferences, timezone, active)
  values (pg_temp.id(tenant), new_user, role, email, phone, whatsapp, sms, wa, push, email_consent,
    case when verified and phone is not null then private.now() end,
    case when verified and whatsapp is not null then private.now() end,
    stores, prefs, zone, active);
  if push_sub then
    insert into public.push_subscriptions (tenant_id, user_id, endpoint, p256dh, auth)
    values (pg_temp.id(tenant), new_user, 'https://push.example.test/' || new_user, 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM', 'tBHItJI5svbpez7KI4CCXg');
  end if;
  insert into who (label, tenant_id, user_id) values (label, pg_temp.id(tenant), new_user);
  return new_user;
end;
$$;

create function pg_temp.alert(name text, tenant text, severity text, store text default null, priority int default null)
returns uuid
language sql as $$
  insert into ids (name, id)
  values (name, public.raise_alert(pg_temp.id(tenant), 'test_alert', severity, 'Alert ' || name, dedup_key => name,
                                   store_id => store, priority => priority))
  on conflict (name) do update set id = excluded.id
  returning id
$$;

-- 'label:channel ...' of an alert's deliveries for a reason and status, sorted (tenant destinations as dest).
create function pg_temp.routed(alert text, why text, wanted text default 'pending') returns text
language sql as $$
  select coalesce(string_agg(x.entry, ' ' order by x.entry collate "C"), '')
  from (select coalesce(w.label, 'dest') || ':' || d.channel as entry
        from public.deliveries as d left join who as w on w.user_id = d.user_id
        where d.alert_id = pg_temp.id(alert) and d.reason = why and d.status = wanted) as x
$$;
create function pg_temp.due(alert text, label text) returns timestamptz
language sql as $$
  select d.due_at from public.deliveries as d
  where d.alert_id = pg_temp.id(alert) and d.user_id = pg_temp.uid(label) and d.reason = 'created'
$$;
create function pg_temp.count_for(alert text) returns int
language sql as $$ select count(*)::int from public.deliveries as d where d.alert_id = pg_temp.id(alert) $$;

-- ------------------------------------------------------ definitions and grants (8)
select has_table('public', 'deliveries', 'the outbox table exists');
select has_table('public', 'push_subscriptions', 'push_subscriptions exists');
select ok((select bool_and(c.relrowsecurity) from pg_class as c
           where c.oid in ('public.deliveries'::regclass, 'public.push_subscriptions'::regclass)),
  'row level security is on for deliveries and push_subscriptions');
select ok(
  (select bool_and(has_function_privilege('service_role', f, 'execute')
                   and not has_function_privilege('authenticated', f, 'execute')
                   and not has_function_privilege('anon', f, 'execute'))
   from unnest(array['public.claim_deliveries(text, int, int)'::regprocedure, 'public.complete_delivery(uuid, text, text)'::regprocedure,
                     'public.fail_delivery(uuid, boolean, text, text, int)'::regprocedure]) as f),
  'claim/complete/fail: service_role only');
select ok(
  (select bool_and(p.proconfig @> array['search_path=""'] and obj_description(p.oid, 'pg_proc') is not null
                   and not exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) as a where a.grantee = 0))
   from pg_proc as p
   where p.oid in ('private.notification_settings(jsonb)'::regprocedure, 'private.member_notification_preferences(jsonb, jsonb)'::regprocedure,
                   'private.quiet_hours_end(timestamptz, jsonb, text)'::regprocedure, 'private.enqueue_deliveries(private.notification_event[])'::regprocedure,
                   'private.tg_alerts__route_insert()'::regprocedure, 'private.tg_alerts__route_update()'::regprocedure,
                   'private.tg_alerts__snapshot_escalation_policy()'::regprocedure, 'private.escalate_alerts()'::regprocedure,
                   'private.build_digests()'::regprocedure, 'public.claim_deliveries(text, int, int)'::regprocedure,
                   'public.complete_delivery(uuid, text, text)'::regprocedure, 'public.fail_delivery(uuid, boolean, text, text, int)'::regprocedure,
                   'private.check_notification_settings(jsonb)'::regprocedure)),
  'notification functions: empty search_path, a comment, no execute for public');
select ok(
  (select bool_and(p.prosecdef) from pg_proc as p
   where p.oid in ('private.tg_alerts__route_insert()'::regprocedure, 'private.tg_alerts__route_update()'::regprocedure))
  and not (select bool_or(p.prosecdef) from pg_proc as p
           where p.oid in ('public.claim_deliveries(text, int, int)'::regprocedure, 'private.escalate_alerts()'::regprocedure)),
  'only the routing triggers are security definer (they write the outbox for any writer of alerts)');
select is(
  (select string_agg(t.tgname, ' ' order by t.tgname collate "C") from pg_trigger as t
   where t.tgrelid = 'public.alerts'::regclass and t.tgname ~ '^_(050|600)_'),
  '_050_resnapshot_escalation_policy _050_snapshot_escalation_policy _600_route_insert _600_route_update',
  'alerts carries the snapshot (_050_) and routing (_600_) triggers');
select is(
  private.notification_settings('{}') - 'escalation' - 'sla',
  '{"channels": {"critical": ["whatsapp", "sms", "email", "push"], "high": ["email", "push"], "medium": ["push"], "low": ["digest"]},
    "roles": ["owner", "manager", "staff"], "quiet_hours": null, "digest": "hourly", "rate_limits": {}, "webhooks": []}'::jsonb,
  'default settings: channels per severity, owner+manager+staff, no quiet hours, hourly digest, no limits, no webhooks');

-- ------------------------------------------------------------ routing with defaults (10)
select set_config('shelfwatch.now', '2026-01-05 12:00+00', true); -- 13:00 in Berlin: no quiet hours anywhere
select pg_temp.tenant('A', 'Europe/Berlin');
select pg_temp.tenant('B');
insert into public.stores (tenant_id, id, name) values (pg_temp.id('A'), 'S1', 'Store 1'), (pg_temp.id('A'), 'S2', 'Store 2');
select pg_temp.member('owner', 'A', 'owner', email => 'owner@a.test', phone => '+4915100000001', sms => true,
                      whatsapp => '+4915100000001', wa => true, push => true, push_sub => true);
-- whatsapp given and consented but never verified; push consented but no subscription.
select pg_temp.member('manager', 'A', 'manager', email => 'manager@a.test', phone => '+4915100000002', sms => true,
                      whatsapp => '+4915100000002', wa => true, verified => false, push => true);
update public.tenant_members set phone_verified_at = private.now() where user_id = pg_temp.uid('manager');
-- sms consent without a phone number.
select pg_temp.member('staff', 'A', 'staff', email => 'staff@a.test', sms => true, stores => '{S1}');
select pg_temp.member('staff2', 'A', 'staff', email => 'staff2@a.test', stores => '{S2}');
select pg_temp.member('viewer', 'A', 'viewer', email => 'viewer@a.test', phone => '+4915100000005', sms => true, push => true, push_sub => true);
select pg_temp.member('inactive', 'A', 'manager', email => 'inactive@a.test', active => false);
select pg_temp.member('noconsent', 'A', 'staff', email => 'noconsent@a.test', email_consent => false);
select pg_temp.member('manager_b', 'B', 'manager', email => 'manager@b.test');

select pg_temp.alert('crit', 'A', 'critical', 'S1');
select is(pg_temp.routed('crit', 'created'),
  'manager:email manager:sms owner:email owner:push owner:sms owner:whatsapp staff:email',
  'critical: whatsapp+sms+email+push where consented and usable; store scope S1 excludes staff2; viewer, inactive and no-consent get nothing');
select results_eq(
  $$ select d.tenant_id, d.priority, d.escalation_level, d.status, d.due_at, d.attempts, d.max_attempts, d.idempotency_key
     from public.deliveries as d where d.alert_id = pg_temp.id('crit') and d.user_id = pg_temp.uid('owner') and d.channel = 'email' $$,
  $$ select pg_temp.id('A'), 90, 0, 'pending'::text, '2026-01-05 12:00+00'::timestamptz, 0, 8,
            pg_temp.id('crit') || '/created/0/' || pg_temp.uid('owner') || '/email' $$,
  'a delivery: the alert''s priority, level 0, pending and due now, 0 of 8 attempts, key alert/created/0/user/channel');
select pg_temp.alert('high', 'A', 'high', 'S2');
select is(pg_temp.routed('high', 'created'), 'manager:email owner:email owner:push staff2:email',
  'high: email+push; S2''s alert reaches staff2, not staff (scoped to S1)');
update public.tenant_members set preferences = '{"channels": {"medium": ["email"]}}' where user_id = pg_temp.uid('manager');
select pg_temp.alert('medium', 'A', 'medium');
select is(pg_temp.routed('medium', 'created'), 'manager:email owner:push',
  'medium: push by default; the manager''s own preference sends medium by email instead');
select pg_temp.alert('low', 'A', 'low');
select is(pg_temp.routed('low', 'created'), 'manager:digest owner:digest staff2:digest staff:digest',
  'low: digest items only; an alert without a store reaches every store scope');
select is((select count(*)::int from public.deliveries as d
           where d.user_id in (pg_temp.uid('viewer'), pg_temp.uid('inactive'), pg_temp.uid('noconsent'))), 0,
  'the viewer, the inactive member and the member without consent got no delivery at all');
select is(private.enqueue_deliveries(array[row(pg_temp.id('crit'), 'created', 'created')::private.notification_event]), 0,
  'routing the same occasion again adds nothing (idempotency key, on conflict do nothing)');
insert into ids values ('direct_resolved', gen_random_uuid());
insert into public.alerts (id, tenant_id, alert_type, severity, title, dedup_key, status, resolved_at)
values (pg_temp.id('direct_resolved'), pg_temp.id('A'), 'test_alert', 'critical', 'Imported', 'imported', 'resolved', private.now());
select is(pg_temp.count_for('direct_resolved'), 0, 'an alert inserted already resolved is not announced');
update public.tenant_members set sms_consent = false where user_id = pg_temp.uid('owner');
update public.tenant_members set phone = '+4915100000099' where user_id = pg_temp.uid('manager'); -- voids phone_verified_at
select pg_temp.alert('crit2', 'A', 'critical', 'S1');
select is(pg_temp.routed('crit2', 'created'), 'manager:email owner:email owner:push owner:whatsapp staff:email',
  'withdrawn sms consent (owner) and a changed, unverified number (manager) stop sms');
update public.push_subscriptions set failed_at = private.now() where user_id = pg_temp.uid('owner');
select pg_temp.alert('crit3', 'A', 'critical', 'S1');
select is(pg_temp.routed('crit3', 'created'), 'manager:email owner:email owner:whatsapp staff:email',
  'a push subscription that failed is no push address');
update public.push_subscriptions set failed_at = null where user_id = pg_temp.uid('owner');
update public.tenant_members set sms_consent = true where user_id = pg_temp.uid('owner');
update public.tenant_members set phone_verified_at = private.now() where user_id = pg_temp.uid('manager');

-- -------------------------------------------------------------- what re-notifies (12)
select pg_temp.alert('flow', 'A', 'medium', 'S1');
select is(pg_temp.routed('flow', 'created'), 'manager:email owner:push', 'flow: created as medium');
select pg_temp.alert('flow', 'A', 'high', 'S1');
select is(pg_temp.routed('flow', 'severity_raised'), 'manager:email owner:email owner:push staff:email',
  'a severity rise (medium -> high) re-notifies on the new severity''s channels');
select is((select d.idempotency_key from public.deliveries as d
           where d.alert_id = pg_temp.id('flow') and d.reason = 'severity_raised' and d.user_id = pg_temp.uid('staff')),
  pg_temp.id('flow') || '/severity_raised:high/0/' || pg_temp.uid('staff') || '/email',
  'the occasion of a rise names the new severity');
select pg_temp.alert('flow', 'A', 'medium', 'S1');
select is(pg_temp.count_for('flow'), 6, 'a severity fall (high -> medium) notifies nobody');
select pg_temp.alert('flow', 'A', 'medium', 'S1');
select is(pg_temp.count_for('flow'), 6, 'a repeat notifies nobody');
select pg_temp.alert('flow', 'A', 'high', 'S1');
select is(pg_temp.count_for('flow'), 6, 'rising again to a severity already announced is not announced twice');
select pg_temp.alert('flow', 'A', 'critical', 'S1');
select is(pg_temp.routed('flow', 'severity_raised'),
  'manager:email manager:email manager:sms owner:email owner:email owner:push owner:push owner:sms owner:whatsapp staff:email staff:email',
  'rising to critical announces again, on critical''s channels');
select public.acknowledge_alert(pg_temp.id('flow'));
select is(pg_temp.count_for('flow'), 13, 'an acknowledgement notifies nobody');
-- The owner's and manager's created notices went out; the rest is still waiting.
update public.deliveries set status = 'sent', sent_at = private.now()
where alert_id = pg_temp.id('flow') and reason = 'created';
select public.resolve_alert(pg_temp.id('flow'));
select is(pg_temp.routed('flow', 'resolved'), 'manager:email owner:push',
  'resolve notifies only those a notice was sent to, on the same channels');
select is((select count(*)::int from public.deliveries as d
           where d.alert_id = pg_temp.id('flow') and d.reason = 'severity_raised' and d.status = 'cancelled'
             and d.last_error = 'Not sent: the alert was resolved first'), 11,
  'notices still waiting when the alert is resolved are cancelled');
select pg_temp.alert('nap', 'A', 'high', 'S1');
select public.snooze_alert(pg_temp.id('nap'), '2026-01-05 13:00+00');
select pg_temp.alert('nap2', 'A', 'high', 'S1');
select public.snooze_alert(pg_temp.id('nap2'), '2026-01-05 13:00+00');
select set_config('shelfwatch.now', '2026-01-05 12:30+00', true);
select public.unsnooze_alert(pg_temp.id('nap2'));
select set_config('shelfwatch.now', '2026-01-05 13:00+00', true);
select private.unsnooze_expired();
select is(pg_temp.routed('nap', 'snooze_expired'), 'manager:email owner:email owner:push staff:email',
  'a snooze running out re-notifies (high: email+push)');
select is(pg_temp.routed('nap2', 'snooze_expired') || pg_temp.count_for('nap2'), '4',
  'a member''s early unsnooze notifies nobody (only the 4 created notices exist)');

-- ---------------------------------------------------------------- quiet hours (13)
select pg_temp.tenant('Q', 'Europe/Berlin');
insert into public.stores (tenant_id, id, name, timezone) values (pg_temp.id('Q'), 'TOKYO', 'Tokyo', 'Asia/Tokyo');
select pg_temp.member('q_berlin', 'Q', 'staff', email => 'berlin@q.test', prefs => '{"quiet_hours": {"start": "22:00", "end": "07:00"}}');
select pg_temp.member('q_ny', 'Q', 'staff', email => 'ny@q.test', zone => 'America/New_York',
                      prefs => '{"quiet_hours": {"start": "22:00", "end": "07:00"}}');
-- Spring forward, Berlin: 2026-03-29 02:00 CET -> 03:00 CEST. 22:30 UTC = 23:30 CET; the window
-- ends 07:00 CEST = 05:00 UTC (8 hours after 22:00 local, not 9).
select set_config('shelfwatch.now', '2026-03-28 22:30+00', true);
select pg_temp.alert('q1', 'Q', 'high');
select is(pg_temp.due('q1', 'q_berlin'), '2026-03-29 05:00+00'::timestamptz,
  'spring-forward night: 23:30 CET is deferred to 07:00 CEST = 05:00 UTC');
select is(pg_temp.due('q1', 'q_ny'), '2026-03-28 22:30+00'::timestamptz,
  'the member''s own zone counts: 18:30 in New York is outside their window');
select set_config('shelfwatch.now', '2026-03-29 00:30+00', true); -- 01:30 CET, after midnight
select pg_temp.alert('q2', 'Q', 'high');
select is(pg_temp.due('q2', 'q_berlin'), '2026-03-29 05:00+00'::timestamptz,
  'spring-forward night after midnight: 01:30 CET is deferred to 05:00 UTC the same morning');
-- Fall back, Berlin: 2026-10-25 03:00 CEST -> 02:00 CET. 21:30 UTC = 23:30 CEST; the window ends
-- 07:00 CET = 06:00 UTC.
select set_config('shelfwatch.now', '2026-10-24 21:30+00', true);
select pg_temp.alert('q3', 'Q', 'high');
select is(pg_temp.due('q3', 'q_berlin'), '2026-10-25 06:00+00'::timestamptz,
  'fall-back night: 23:30 CEST is deferred to 07:00 CET = 06:00 UTC');
select set_config('shelfwatch.now', '2026-10-25 01:30+00', true); -- 02:30 CET, the second 02:30 of the night
select pg_temp.alert('q4', 'Q', 'high');
select is(pg_temp.due('q4', 'q_berlin'), '2026-10-25 06:00+00'::timestamptz,
  'fall-back night, in the repeated hour: deferred to 06:00 UTC');
select set_config('shelfwatch.now', '2026-03-29 05:00+00', true); -- exactly 07:00 CEST
select pg_temp.alert('q5', 'Q', 'high');
select is(pg_temp.due('q5', 'q_berlin'), '2026-03-29 05:00+00'::timestamptz, 'the window''s end itself is outside it: due at once');
select set_config('shelfwatch.now', '2026-03-28 22:30+00', true);
select pg_temp.alert('q6', 'Q', 'critical');
select is(pg_temp.due('q6', 'q_berlin'), '2026-03-28 22:30+00'::timestamptz, 'critical ignores quiet hours');
select set_config('shelfwatch.now', '2026-03-29 03:00+00', true); -- 23:00 EDT (New York is on DST since March 8)
select pg_temp.alert('q7', 'Q', 'high');
select is(pg_temp.due('q7', 'q_ny'), '2026-03-29 11:00+00'::timestamptz, 'New York member: 23:00 EDT deferred to 07:00 EDT = 11:00 UTC');
select set_config('shelfwatch.now', '2026-06-01 14:00+00', true); -- 16:00 in Berlin, 23:00 in Tokyo
select pg_temp.alert('q8', 'Q', 'high', 'TOKYO');
select is(pg_temp.due('q8', 'q_berlin'), '2026-06-01 22:00+00'::timestamptz,
  'a member without a zone of their own keeps quiet hours in the store''s zone: 07:00 JST = 22:00 UTC');
update public.tenants set settings = '{"notifications": {"quiet_hours": {"start": "12:00", "end": "13:00"}}}' where id = pg_temp.id('Q');
select pg_temp.member('q_default', 'Q', 'staff', email => 'default@q.test');
select pg_temp.member('q_optout', 'Q', 'staff', email => 'optout@q.test', prefs => '{"quiet_hours": null}');
select set_config('shelfwatch.now', '2026-06-02 10:30+00', true); -- 12:30 CEST
select pg_temp.alert('q9', 'Q', 'high');
select is(pg_temp.due('q9', 'q_default') || ' ' || pg_temp.due('q9', 'q_optout'), '2026-06-02 11:00:00+00 2026-06-02 10:30:00+00',
  'the tenant''s quiet hours are the default (until 13:00 CEST); "quiet_hours": null opts out');
select is(private.quiet_hours_end('2026-03-29 00:30+00', '{"start": "22:00", "end": "02:30"}', 'Europe/Berlin'),
  '2026-03-29 01:30+00'::timestamptz, 'an end inside the spring-forward gap (02:30) is read as 03:30 CEST');
select is(private.quiet_hours_end('2026-06-01 00:30+00', '{"start": "01:00", "end": "06:00"}', 'Europe/Berlin'),
  '2026-06-01 04:00+00'::timestamptz, 'a same-day window (01:00-06:00): 02:30 CEST waits until 06:00 CEST');
select is(private.quiet_hours_end('2026-06-01 12:00+00', '{"start": "22:00", "end": "07:00"}', 'Europe/Berlin'), null,
  'outside the window there is nothing to wait for');

-- ------------------------------------------------------------------ rate limits (5)
select pg_temp.tenant('R');
select pg_temp.member('r_staff', 'R', 'staff', email => 'r@r.test', prefs => '{"rate_limits": {"email": {"per_hour": 2}}}');
select set_config('shelfwatch.now', '2026-02-01 10:00+00', true);
select pg_temp.alert('r1', 'R', 'high'), pg_temp.alert('r2', 'R', 'high');
select pg_temp.alert('r3', 'R', 'high');
select is(pg_temp.routed('r1', 'created') || ' / ' || pg_temp.routed('r2', 'created') || ' / ' || pg_temp.routed('r3', 'created', 'cancelled'),
  'r_staff:email / r_staff:email / r_staff:email', 'two emails an hour: the third is cancelled');
select results_eq(
  $$ select d.error_reason, d.last_error, (select pg_temp.routed('r3', 'created')) from public.deliveries as d
     where d.alert_id = pg_temp.id('r3') and d.channel = 'email' $$,
  $$ values ('rate_limited'::text, 'Not sent: over the member''s email limit of 2 per hour'::text, 'r_staff:digest'::text) $$,
  'the excess is cancelled as rate_limited and folded into the member''s digest');
select set_config('shelfwatch.now', '2026-02-01 11:00:01+00', true);
select pg_temp.alert('r4', 'R', 'high');
select is(pg_temp.routed('r4', 'created'), 'r_staff:email', 'an hour later the member gets email again');
select pg_temp.alert('r5', 'R', 'high'), pg_temp.alert('r5b', 'R', 'high'), pg_temp.alert('r6', 'R', 'critical');
select is(pg_temp.routed('r5', 'created') || ' / ' || pg_temp.routed('r5b', 'created', 'cancelled') || ' / ' || pg_temp.routed('r6', 'created'),
  'r_staff:email / r_staff:email / r_staff:email',
  'over the limit again, but critical alerts are not limited');
select pg_temp.tenant('R2');
select pg_temp.member('r2_staff', 'R2', 'staff', email => 'r2@r.test', prefs => '{"rate_limits": {"email": {"per_day": 1}}, "digest": "off"}');
insert into ids (name, id)
select r.dedup_key, r.alert_id from private.raise_alerts(array[
  row(pg_temp.id('R2'), 'test_alert', 'inventory', 'high', 40, 'Minor', '', null, null, null, null, null, 'test', 'r2_minor', '{}'),
  row(pg_temp.id('R2'), 'test_alert', 'inventory', 'high', 80, 'Major', '', null, null, null, null, null, 'test', 'r2_major', '{}')
]::private.alert_candidate[]) as r;
select is(pg_temp.routed('r2_major', 'created') || ' / ' || pg_temp.routed('r2_minor', 'created', 'cancelled') || ' / ' || pg_temp.routed('r2_minor', 'created'),
  'r2_staff:email / r2_staff:email / ', 'within one statement the higher priority wins the last slot; digest off: nothing folded');

-- --------------------------------------------------------------------- webhooks (5)
select pg_temp.tenant('W', 'UTC', '{"notifications": {"webhooks": [
  {"channel": "slack", "url": "https://hooks.slack.test/services/T0/B0/secret", "min_severity": "high"},
  {"channel": "webhook", "url": "https://ops.example.test/shelfwatch", "min_severity": "low"}]}}');
select pg_temp.member('w_owner', 'W', 'owner', email => 'owner@w.test');
select pg_temp.member('w_staff', 'W', 'staff', email => 'staff@w.test');
select set_config('shelfwatch.now', '2026-02-02 09:00+00', true);
select pg_temp.alert('w_medium', 'W', 'medium');
select is(pg_temp.routed('w_medium', 'created'), 'dest:webhook', 'medium reaches only the destination whose min_severity allows it');
select pg_temp.alert('w_high', 'W', 'high');
select is(pg_temp.routed('w_high', 'created'), 'dest:slack dest:webhook w_owner:email w_staff:email', 'high reaches both destinations, one delivery each');
select results_eq(
  $$ select d.destination, d.idempotency_key from public.deliveries as d where d.alert_id = pg_temp.id('w_high') and d.channel = 'slack' $$,
  $$ values ('https://hooks.slack.test/services/T0/B0/secret'::text,
             pg_temp.id('w_high') || '/created/0/dest:' || md5('https://hooks.slack.test/services/T0/B0/secret') || '/slack') $$,
  'the destination holds the URL; the idempotency key only its md5 (the URL is a secret)');
update public.deliveries set status = 'sent', sent_at = private.now() where alert_id = pg_temp.id('w_high') and channel = 'slack';
select public.resolve_alert(pg_temp.id('w_high'));
select is(pg_temp.routed('w_high', 'resolved'), 'dest:slack', 'resolve reaches only the destination that got the alert');
select tests.authenticate_as(pg_temp.uid('w_owner'), pg_temp.id('W'));
select throws_ok($$ select destination from public.deliveries $$, '42501', null,
  'even an owner cannot read the destination column');
select tests.clear_authentication();

-- -------------------------------------------------------------------- escalation (16)
select pg_temp.tenant('E');
select pg_temp.member('e_owner', 'E', 'owner', email => 'owner@e.test', phone => '+4915100000011', sms => true);
select pg_temp.member('e_manager', 'E', 'manager', email => 'manager@e.test', phone => '+4915100000012', sms => true);
select pg_temp.member('e_staff', 'E', 'staff', email => 'staff@e.test', phone => '+4915100000013', sms => true);
-- Runs the escalation job, then reports 'how many it escalated/the alert's level'.
create function pg_temp.escalate(alert text) returns text
language plpgsql as $$
declare
  escalated int := private.escalate_alerts();
begin
  return escalated || '/' || (select a.escalation_level from public.alerts as a where a.id = pg_temp.id(alert));
end;
$$;
-- Escalate everything older first, so each run below counts only this section's alerts.
select set_config('shelfwatch.now', '2026-04-01 09:59+00', true);
select private.escalate_alerts();
select set_config('shelfwatch.now', '2026-04-01 10:00+00', true);
select pg_temp.alert('esc', 'E', 'critical'), pg_temp.alert('esc_ack', 'E', 'critical'),
       pg_temp.alert('esc_high', 'E', 'high'), pg_temp.alert('esc_rise', 'E', 'medium');
select public.acknowledge_alert(pg_temp.id('esc_ack'));
select is((select escalation_policy from public.alerts where id = pg_temp.id('esc')),
  '{"after_minutes": 15, "repeat_minutes": 15, "repeats": 3, "roles": ["manager", "owner"], "channels": ["sms", "email"],
    "severity": "critical", "started_at": "2026-04-01T10:00:00+00:00", "base_level": 0}'::jsonb,
  'a new critical alert snapshots the default critical policy, its clock starting at created_at');
update public.tenants set settings = '{"notifications": {"escalation": {"critical": {"after_minutes": 5}}}}' where id = pg_temp.id('E');
select is((select escalation_policy ->> 'after_minutes' from public.alerts where id = pg_temp.id('esc')), '15',
  'changing the tenant''s policy later leaves an open alert''s snapshot alone');
select pg_temp.alert('esc_new', 'E', 'critical');
select is((select (escalation_policy ->> 'after_minutes') || '/' || (escalation_policy ->> 'repeat_minutes') from public.alerts where id = pg_temp.id('esc_new')),
  '5/5', 'a new alert snapshots the changed policy (repeat_minutes defaults to after_minutes)');
update public.alerts set status = 'resolved', resolved_at = private.now() where id = pg_temp.id('esc_new');
select is((select escalation_policy from public.alerts where id = pg_temp.id('esc_rise')), null, 'medium has no policy by default');
select set_config('shelfwatch.now', '2026-04-01 10:14:59+00', true);
select is(pg_temp.escalate('esc'), '0/0',
  'not escalated a second before the step is due');
select set_config('shelfwatch.now', '2026-04-01 10:15+00', true);
select is(pg_temp.escalate('esc'), '1/1',
  'escalated exactly when due (created_at + 15 min); the acknowledged one is not');
select results_eq(
  $$ select h.action, h.actor_id, h.details, h.created_at from public.alert_history as h
     where h.alert_id = pg_temp.id('esc') and h.action = 'escalated' $$,
  $$ values ('escalated'::text, null::uuid, '{"escalation_level": 1}'::jsonb, '2026-04-01 10:15+00'::timestamptz) $$,
  'history records escalated, by the system');
select is(pg_temp.routed('esc', 'escalated'), 'e_manager:email e_manager:sms e_owner:email e_owner:sms',
  'escalated notices go to the policy''s roles (managers, owners) on its channels (sms, email), not to staff');
select is((select string_agg(distinct (d.idempotency_key ~ ('/escalated/1/' || d.user_id || '/' || d.channel || '$'))::text, ',')
           from public.deliveries as d where d.alert_id = pg_temp.id('esc') and d.reason = 'escalated'), 'true',
  'escalated keys carry the level');
select set_config('shelfwatch.now', '2026-04-01 10:20+00', true);
select pg_temp.alert('esc_rise', 'E', 'critical');
select is((select (escalation_policy ->> 'started_at') || ' ' || (escalation_policy ->> 'after_minutes') from public.alerts where id = pg_temp.id('esc_rise')),
  '2026-04-01T10:20:00+00:00 5', 'a severity rise snapshots the (current) policy of the new severity, its clock starting now');
select set_config('shelfwatch.now', '2026-04-01 10:29:59+00', true);
select private.escalate_alerts();
select is((select string_agg(escalation_level::text, ',' order by name) from public.alerts join ids using (id) where name in ('esc', 'esc_rise')),
  '1,1', 'not before the next step (10:30); the risen alert escalated 5 minutes after its rise');
select set_config('shelfwatch.now', '2026-04-01 10:30+00', true);
select private.escalate_alerts();
select is((select escalation_level from public.alerts where id = pg_temp.id('esc')), 2, 'second step at created_at + 30 min');
select set_config('shelfwatch.now', '2026-04-01 10:45+00', true);
select private.escalate_alerts();
select is((select escalation_level from public.alerts where id = pg_temp.id('esc')), 3, 'third step at created_at + 45 min');
select set_config('shelfwatch.now', '2026-04-01 12:00+00', true);
select private.escalate_alerts();
select is((select a.escalation_level || '/' || (select count(*) from public.deliveries as d where d.alert_id = a.id and d.reason = 'escalated')
           from public.alerts as a where a.id = pg_temp.id('esc')), '3/12',
  'repeats are capped at 3: no fourth step, 3 x 4 escalated notices');
select results_eq(
  $$ select (select escalation_level from public.alerts where id = pg_temp.id('esc_high')),
            (select string_agg(h.details::text, ',') from public.alert_history as h where h.alert_id = pg_temp.id('esc_high') and h.action = 'escalated'),
            pg_temp.routed('esc_high', 'escalated') $$,
  $$ values (2, '{"escalation_level": 2}', 'e_manager:email') $$,
  'high, first looked at 2 h late: jumps straight to level 2 with one history row and one round of notices to managers');
select is((select escalation_level from public.alerts where id = pg_temp.id('esc_ack')), 0, 'an acknowledged alert is never escalated');

-- ---------------------------------------------------------------------- digests (8)
select pg_temp.tenant('D');
select pg_temp.member('d_hourly', 'D', 'staff', email => 'hourly@d.test');
select pg_temp.member('d_daily', 'D', 'staff', push => true, push_sub => true, zone => 'Europe/Berlin', prefs => '{"digest": "daily"}');
select pg_temp.member('d_off', 'D', 'staff', email => 'off@d.test', prefs => '{"digest": "off"}');
select set_config('shelfwatch.now', '2026-05-04 10:05+00', true);
select pg_temp.alert('d1', 'D', 'low');
select set_config('shelfwatch.now', '2026-05-04 10:40+00', true);
select pg_temp.alert('d2', 'D', 'low');
select is(pg_temp.routed('d1', 'created') || ' / ' || pg_temp.routed('d2', 'created'), 'd_daily:digest d_hourly:digest / d_daily:digest d_hourly:digest',
  'low alerts become digest items; none for the member whose digest is off');
create function pg_temp.digests(member text) returns text language sql as $$
  select coalesce(string_agg(d.channel || ':' || d.status || ':' || (select count(*) from public.deliveries as i where i.digest_id = d.id), ','), '')
  from public.deliveries as d where d.user_id = pg_temp.uid(member) and d.reason = 'digest' and d.alert_id is null
$$;
select set_config('shelfwatch.now', '2026-05-04 10:59:59+00', true);
select private.build_digests();
select is(pg_temp.digests('d_hourly'), '', 'no digest before the hour is over');
select set_config('shelfwatch.now', '2026-05-04 11:00+00', true);
select private.build_digests();
select is(pg_temp.digests('d_hourly') || ' / ' || pg_temp.digests('d_daily'), 'email:pending:2 / ',
  'at 11:00 the hourly member gets one email digest of both alerts; the daily one waits');
select results_eq(
  $$ select d.status, d.provider, d.sent_at, d.digest_id = d.provider_message_id::uuid from public.deliveries as d
     where d.user_id = pg_temp.uid('d_hourly') and d.channel = 'digest' $$,
  $$ values ('sent'::text, 'digest'::text, '2026-05-04 11:00+00'::timestamptz, true), ('sent', 'digest', '2026-05-04 11:00+00', true) $$,
  'the folded items are done (sent into the digest they point to)');
select pg_temp.member('d_gone', 'D', 'staff', email => 'gone@d.test');
select set_config('shelfwatch.now', '2026-05-04 11:10+00', true);
select pg_temp.alert('d3', 'D', 'low');
update public.tenant_members set active = false where user_id = pg_temp.uid('d_gone');
select set_config('shelfwatch.now', '2026-05-04 21:59:59+00', true); -- 23:59:59 CEST
select private.build_digests();
select is(pg_temp.digests('d_daily'), '', 'the daily digest waits for the member''s local midnight');
select results_eq(
  $$ select d.status, d.error_reason, d.digest_id from public.deliveries as d where d.user_id = pg_temp.uid('d_gone') $$,
  $$ values ('cancelled'::text, 'unsubscribed'::text, null::uuid) $$,
  'the item of a member who left before the digest was built is cancelled (unsubscribed)');
select set_config('shelfwatch.now', '2026-05-04 22:00+00', true); -- 00:00 CEST
select private.build_digests();
select is(pg_temp.digests('d_daily'), 'push:pending:3', 'at local midnight the daily member gets one push digest of the day''s 3 alerts (no email address)');
select is(private.build_digests(), 0, 'building again makes nothing new');

-- --------------------------------------------------------------------- claiming (17)
-- Before every other section's rows are due: only these are claimable.
select set_config('shelfwatch.now', '2025-12-01 10:00+00', true);
select pg_temp.tenant('C');
select pg_temp.member('c_owner', 'C', 'owner', email => 'owner@c.test', push => true, push_sub => true);
select pg_temp.alert('c_high', 'C', 'high'), pg_temp.alert('c_crit', 'C', 'critical'), pg_temp.alert('c_low', 'C', 'low');
select tests.authenticate_as_service();
create temp table claims (round int, id uuid, priority int, status text, attempts int, claimed_by text, lease timestamptz, key text) on commit drop;
insert into claims select 1, d.id, d.priority, d.status, d.attempts, d.claimed_by, d.lease_expires_at, d.idempotency_key from public.claim_deliveries('w1', 3, 60) as d;
select results_eq($$ select priority, status, attempts, claimed_by, lease from claims where round = 1 $$,
  $$ values (90, 'sending'::text, 1, 'w1'::text, '2025-12-01 10:01+00'::timestamptz), (90, 'sending', 1, 'w1', '2025-12-01 10:01+00'),
            (70, 'sending', 1, 'w1', '2025-12-01 10:01+00') $$,
  'a batch of 3: critical first, then high; sending, attempt 1, claimed_by, lease = now + 60 s');
insert into claims select 2, d.id, d.priority, d.status, d.attempts, d.claimed_by, d.lease_expires_at, d.idempotency_key from public.claim_deliveries('w2', 50, 60) as d;
select is((select count(*)::int from claims where round = 2), 1, 'the next claim gets only the one left (the digest item is never claimed)');
select is((select count(*)::int from public.claim_deliveries('w3')), 0, 'then nothing: claimed rows are not handed out twice');
select is((select status from public.complete_delivery((select id from claims where round = 2), 'test', 'msg-1')), 'sent', 'complete: sent');
select throws_ok(format('select public.complete_delivery(%L, %L, %L)', (select id from claims where round = 2), 'test', 'msg-2'), 'SW004', null,
  'completing it again is SW004');
select throws_ok($$ select public.complete_delivery('00000000-0000-4000-8000-00000000beef', 'test', null) $$, 'SW002', null, 'an unknown delivery is SW002');
select throws_ok(format('select public.fail_delivery(%L, true, %L, %L)', (select id from claims where round = 1 limit 1), 'boom', 'x'), 'SW001',
  null, 'an unknown failure reason is SW001');
select ok((select status = 'pending' and due_at between '2025-12-01 10:00:05+00' and '2025-12-01 10:00:10+00' and lease_expires_at is null
                  and error_reason = 'provider_error' and last_error = '503 from provider'
           from public.fail_delivery((select id from claims where round = 1 and priority = 70), true, 'provider_error', '503 from provider')),
  'a retryable failure: pending again, due after 5-10 s (10 s backoff with jitter)');
select is((select due_at from public.fail_delivery((select id from claims where round = 1 and priority = 90 order by id limit 1), true, 'rate_limited', '429', 300)),
  '2025-12-01 10:05+00'::timestamptz, 'retry_after (300 s) is honoured when longer than the backoff');
select set_config('shelfwatch.now', '2025-12-01 10:01+00', true);
select throws_ok(format('select public.complete_delivery(%L, %L, %L)', (select id from claims where round = 1 and priority = 90 order by id desc limit 1), 'test', 'late'),
  'SW004', null, 'w1 completing after its lease ran out (10:01) gets SW004');
insert into claims select 3, d.id, d.priority, d.status, d.attempts, d.claimed_by, d.lease_expires_at, d.idempotency_key from public.claim_deliveries('w4', 50, 60) as d;
select results_eq($$ select c3.id, c3.attempts, c3.key from claims as c3 where round = 3 order by priority desc $$,
  $$ (select c1.id, 2, c1.key from claims as c1 where round = 1 and priority = 90 order by id desc limit 1)
     union all (select c1.id, 2, c1.key from claims as c1 where round = 1 and priority = 70) $$,
  'then the row whose lease expired is claimed again (attempt 2, same idempotency key), and the one backed off for 10 s; not the one told to wait 300 s');
select is((select status from public.fail_delivery((select id from claims where round = 3 and priority = 90), false, 'invalid_destination', '550 no such user')), 'failed',
  'a permanent failure: failed');
update public.deliveries set max_attempts = 2 where id = (select id from claims where round = 3 and priority = 70);
select is((select status from public.fail_delivery((select id from claims where round = 3 and priority = 70), true, 'timeout', 't')),
  'dead', 'a retryable failure on the last attempt: dead');
select set_config('shelfwatch.now', '2025-12-01 10:05+00', true);
update public.deliveries set max_attempts = 2 where id = (select id from claims where round = 1 and priority = 90 order by id limit 1);
select is((select count(*)::int from public.claim_deliveries('w6', 50, 60)), 1, 'the row told to wait 300 s is claimed at 10:05 (attempt 2 of 2)');
select set_config('shelfwatch.now', '2025-12-01 10:06+00', true);
select is((select count(*)::int from public.claim_deliveries('w7', 50, 60)), 0, 'when its lease has run out, it is not handed out again');
select results_eq(
  $$ select d.status, d.error_reason, d.lease_expires_at
     from public.deliveries as d where d.id = (select id from claims where round = 1 and priority = 90 order by id limit 1) $$,
  $$ values ('dead'::text, 'timeout'::text, null::timestamptz) $$,
  'a lease that runs out on the last attempt makes the row dead (timeout) instead of handing it out again');
select tests.authenticate_as(pg_temp.uid('c_owner'), pg_temp.id('C'));
select throws_ok($$ select * from public.claim_deliveries('sneaky') $$, '42501', null, 'a member (even an owner) cannot claim deliveries');
select tests.clear_authentication();

-- ------------------------------------------------------------ RLS on deliveries (9)
select tests.authenticate_as(pg_temp.uid('staff'), pg_temp.id('A'));
select ok((select count(*) > 0 and bool_and(d.user_id = pg_temp.uid('staff')) from public.deliveries as d where d.tenant_id = pg_temp.id('A')),
  'staff read their own deliveries and no one else''s');
select tests.authenticate_as(pg_temp.uid('w_staff'), pg_temp.id('W'));
select is((select count(*)::int from public.deliveries as d where d.user_id is null), 0,
  'staff do not see tenant-level deliveries (the tenant''s Slack and webhook posts)');
select tests.authenticate_as(pg_temp.uid('viewer'), pg_temp.id('A'));
select is((select count(*)::int from public.deliveries), 0, 'a viewer (who got nothing) sees nothing');
select tests.authenticate_as(pg_temp.uid('manager'), pg_temp.id('A'));
select ok((select count(distinct d.user_id) >= 3 from public.deliveries as d), 'a manager sees every member''s deliveries of the tenant');
select is((select count(*)::int from public.deliveries as d where d.tenant_id <> pg_temp.id('A')), 0, 'and none of another tenant');
select throws_ok(format($$ insert into public.deliveries (tenant_id, alert_id, user_id, channel, reason, idempotency_key)
                           values (%L, %L, %L, 'email', 'created', 'forged') $$, pg_temp.id('A'), pg_temp.id('crit'), pg_temp.uid('manager')),
  '42501', null, 'members cannot write the outbox: insert');
select throws_ok($$ update public.deliveries set status = 'cancelled' $$, '42501', null, 'members cannot write the outbox: update');
select throws_ok($$ delete from public.deliveries $$, '42501', null, 'members cannot write the outbox: delete');
select tests.clear_authentication();
set local role anon;
select throws_ok($$ select id from public.deliveries $$, '42501', null, 'anon reads nothing');
reset role;

-- ------------------------------------------------------ RLS on push_subscriptions (8)
select tests.authenticate_as(pg_temp.uid('staff'), pg_temp.id('A'));
select lives_ok($$ insert into public.push_subscriptions (endpoint, p256dh, auth) values
  ('https://push.example.test/staff-laptop', 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0', 'tBHItJI5svbpez7KI4CCXg') $$,
  'a member registers a browser (tenant and user default from the JWT)');
select is((select string_agg(user_id::text, ',') from public.push_subscriptions), pg_temp.uid('staff')::text,
  'and sees only their own subscription (not the owner''s)');
select throws_ok(format($$ insert into public.push_subscriptions (user_id, endpoint, p256dh, auth) values
  (%L, 'https://push.example.test/forged', 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0', 'tBHItJI5svbpez7KI4CCXg') $$, pg_temp.uid('owner')),
  '42501', null, 'nobody registers a browser for someone else');
select throws_ok($$ update public.push_subscriptions set failed_at = now() $$, '42501', null, 'members cannot set failed_at (the dispatcher''s)');
delete from public.push_subscriptions where user_id = pg_temp.uid('owner');
select tests.clear_authentication();
select is((select count(*)::int from public.push_subscriptions where user_id = pg_temp.uid('owner')), 1, 'deleting someone else''s subscription deletes nothing');
select tests.authenticate_as(pg_temp.uid('manager_b'), pg_temp.id('B'));
select is((select count(*)::int from public.push_subscriptions), 0, 'another tenant''s member sees none');
select tests.authenticate_as_service();
select ok((select count(*) >= 2 from public.push_subscriptions where tenant_id = pg_temp.id('A')), 'the service sees them all');
select tests.clear_authentication();
select throws_ok($$ insert into public.push_subscriptions (tenant_id, user_id, endpoint, p256dh, auth)
  values ((select id from ids where name = 'A'), (select user_id from who where label = 'staff'), 'http://insecure.test/x', 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA', 'tBHItJI5svbpez7KI4CCXg') $$,
  '23514', null, 'an endpoint must be https');

-- ---------------------------------------------------------- settings validation (6)
select throws_ok($$ update public.tenants set settings = '{"notifications": {"channels": {"high": ["email", "fax"]}}}' where name = 'A' $$,
  'SW001', 'Invalid settings.notifications.channels.high: every entry must be one of email, sms, whatsapp, push, digest (got "fax")',
  'an unknown channel is SW001 naming the field');
select throws_ok($$ update public.tenants set settings = '{"notifications": {"escalation": {"critical": {"repeats": 0}}}}' where name = 'A' $$,
  'SW001', 'Invalid settings.notifications.escalation.critical.repeats: must be a whole number from 1 to 20 (got 0)',
  'an escalation policy is checked after merging over the default');
select throws_ok($$ update public.tenants set settings = '{"notifications": {"webhooks": [{"channel": "slack", "url": "http://hooks.test/secret-token"}]}}' where name = 'A' $$,
  'SW001', 'Invalid settings.notifications.webhooks[0].url: must be an https URL',
  'a webhook URL must be https, and the message does not quote it');
select throws_ok($$ update public.tenants set settings = '{"notifications": {"quiet_hour": {}}}' where name = 'A' $$,
  'SW001', 'Invalid settings.notifications.quiet_hour: unknown key (expected one of channels, roles, escalation, sla, quiet_hours, digest, rate_limits, webhooks)',
  'a misspelt key is refused rather than ignored');
select tests.authenticate_as(pg_temp.uid('staff'), pg_temp.id('A'));
select throws_ok(format($$ update public.tenant_members set preferences = '{"quiet_hours": {"start": "22:00", "end": "7"}}' where user_id = %L $$, pg_temp.uid('staff')),
  'SW001', 'Invalid preferences.quiet_hours.end: must be a time "HH:MM" (got "7")', 'a member''s quiet hours must be HH:MM');
select throws_ok(format($$ update public.tenant_members set preferences = '{"digest": "weekly"}' where user_id = %L $$, pg_temp.uid('staff')),
  'SW001', 'Invalid preferences.digest: must be hourly, daily or off (got "weekly")', 'a member''s digest must be hourly, daily or off');
select tests.clear_authentication();

select * from finish();
rollback;
