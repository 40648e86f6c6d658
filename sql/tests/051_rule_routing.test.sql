-- pgTAP tests for rule routing (migration 20261122110500): alerts raised by an event rule reach
-- the rule's notify_roles on the rule's channels (intersected with what each member can receive;
-- tenant destinations only for the channels the rule lists; dashboard alone sends nothing), with
-- store scope, quiet hours and rate limits as before; escalation goes on the rule's channels (to
-- the policy's roles); a rule without channels or roles keeps the severity defaults; aggregated
-- repeats are announced (reason repeated) on exactly the occurrences the rule marks as notifying,
-- once each, across windows and batched inserts, but not while the alert is snoozed; stock alerts
-- and direct alerts route and repeat as before.
-- One transaction, rolled back. Times are moved with shelfwatch.now.
begin;
set local search_path = extensions, public;
set local timezone = 'UTC';

select plan(27);

-- ---------------------------------------------------------------- fixtures
create temp table who (label text primary key, tenant_id uuid not null, user_id uuid not null unique) on commit drop;
create temp table ids (name text primary key, id uuid not null) on commit drop;

create function pg_temp.id(name text) returns uuid language sql stable as $$ select i.id from ids as i where i.name = $1 $$;
create function pg_temp.uid(label text) returns uuid language sql stable as $$ select w.user_id from who as w where w.label = $1 $$;

create function pg_temp.tenant(name text, zone text default 'UTC', settings jsonb default '{}') returns uuid
language sql as $$
  with t as (insert into public.tenants (name, timezone, settings) values (name, zone, settings) returning id)
  insert into ids (name, id) select name, t.id from t
  returning id
$$;

-- A member with exactly the contact points and consents given (numbers verified).
create function pg_temp.member(
  label text, tenant text, role text,
  email text default null, phone text default null, sms boolean default false,
  push boolean default false, push_sub boolean default false,
  stores text[] default null, prefs jsonb default '{}')
returns uuid
language plpgsql as $$
declare
  new_user uuid := gen_random_uuid();
begin
  insert into public.tenant_members (tenant_id, user_id, role, email, phone, sms_consent, push_consent, email_consent,
    phone_verified_at, store_ids, preferences)
  values (pg_temp.id(tenant), new_user, role, email, phone, sms, push, true,
    case when phone is not null then private.now() end, stores, prefs);
  if push_sub then
    insert into public.push_subscriptions (tenant_id, user_id, endpoint, p256dh, auth)
    values (pg_temp.id(tenant), new_user, 'https://push.example.test/' || new_user, 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM', 'tBHItJI5svbpez7KI4CCXg');
  end if;
  insert into who (label, tenant_id, user_id) values (label, pg_temp.id(tenant), new_user);
  return new_user;
end;
$$;

-- A rule of tenant from a JSON object of alert_rules columns; its event type is its name.
create function pg_temp.rule(tenant text, rule jsonb) returns uuid
language sql as $$
  with added as (
    insert into public.alert_rules
    select (jsonb_populate_record(null::public.alert_rules,
      jsonb_build_object('id', gen_random_uuid(), 'tenant_id', pg_temp.id(tenant), 'event_types', array[rule ->> 'name'],
                         'conditions', '[]'::jsonb, 'category', 'operations', 'title_template', 'Rule ' || (rule ->> 'name'),
                         'dedup_key_template', rule ->> 'name', 'channels', '{}'::text[], 'notify_roles', '{}'::text[],
                         'active', true, 'created_at', private.now(), 'updated_at', now())
      || rule)).*
    returning id, name
  )
  insert into ids select 'rule:' || name, id from added returning id
$$;

-- Sends n events of the rule's type in one statement (store S1); returns the alert they raised.
create function pg_temp.emit(tenant text, rule text, n int default 1) returns uuid
language plpgsql as $$
declare
  raised uuid;
begin
  insert into public.alert_events (tenant_id, source, event_type, payload)
  select pg_temp.id(tenant), 'pgtap', rule, jsonb_build_object('store_id', 'S1', 'n', i) from generate_series(1, n) as i;
  select a.id into raised from public.alerts as a
  where a.tenant_id = pg_temp.id(tenant) and a.dedup_key = rule and a.status <> 'resolved';
  insert into ids values (rule, raised) on conflict (name) do update set id = excluded.id;
  return raised;
end;
$$;

-- 'label:channel ...' of an alert's deliveries for a reason and status, sorted (tenant destinations as dest).
create function pg_temp.routed(alert text, why text, wanted text default 'pending') returns text
language sql as $$
  select coalesce(string_agg(x.entry, ' ' order by x.entry collate "C"), '')
  from (select coalesce(w.label, 'dest') || ':' || d.channel as entry
        from public.deliveries as d left join who as w on w.user_id = d.user_id
        where d.alert_id = pg_temp.id(alert) and d.reason = why and d.status = wanted) as x
$$;
-- The occasions (the idempotency key's second part) of an alert's repeated deliveries, in order.
create function pg_temp.repeats(alert text) returns text
language sql as $$
  select coalesce(string_agg(distinct split_part(d.idempotency_key, '/', 2), ' '), '')
  from public.deliveries as d
  where d.alert_id = pg_temp.id(alert) and d.reason = 'repeated'
$$;
create function pg_temp.count_for(alert text) returns int
language sql as $$ select count(*)::int from public.deliveries as d where d.alert_id = pg_temp.id(alert) $$;

-- --------------------------------------------------------- definitions (2)
select ok(
  (select bool_and(p.proconfig @> array['search_path=""'] and obj_description(p.oid, 'pg_proc') is not null
                   and not exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) as a where a.grantee = 0))
   from pg_proc as p
   where p.oid in ('private.rule_route(jsonb, text)'::regprocedure, 'private.notifying_occurrence(jsonb, int)'::regprocedure,
                   'private.enqueue_deliveries(private.notification_event[])'::regprocedure,
                   'private.tg_alerts__route_update()'::regprocedure)),
  'rule routing functions: empty search_path, a comment, no execute for public');
select ok((select pg_get_constraintdef(c.oid) from pg_constraint as c
           where c.conname = 'deliveries_reason_valid' and c.conrelid = 'public.deliveries'::regclass) like '%''repeated''%',
  'deliveries accept the reason repeated');

-- ------------------------------------------------------- who and on what (9)
select set_config('shelfwatch.now', '2026-01-05 12:00+00', true);
select pg_temp.tenant('R', 'UTC', '{"stock": {"safety_days": 0}, "notifications": {"webhooks": [
  {"channel": "slack", "url": "https://hooks.slack.test/services/T0/B0/secret"},
  {"channel": "webhook", "url": "https://ops.example.test/shelfwatch", "min_severity": "low"}]}}');
insert into public.stores (tenant_id, id, name) values (pg_temp.id('R'), 'S1', 'Store 1'), (pg_temp.id('R'), 'S2', 'Store 2');
select pg_temp.member('owner', 'R', 'owner', email => 'owner@r.test', phone => '+4915100000001', sms => true, push => true, push_sub => true);
select pg_temp.member('owner_s2', 'R', 'owner', email => 'owner2@r.test', stores => '{S2}');
select pg_temp.member('manager', 'R', 'manager', email => 'manager@r.test', phone => '+4915100000002', sms => true);
select pg_temp.member('staff', 'R', 'staff', email => 'staff@r.test', sms => true); -- sms consent without a number
select pg_temp.member('viewer', 'R', 'viewer', email => 'viewer@r.test', push => true, push_sub => true);

select pg_temp.rule('R', '{"name": "door.email", "severity": "high", "channels": ["email"], "notify_roles": ["owner"]}');
select pg_temp.emit('R', 'door.email');
select is(pg_temp.routed('door.email', 'created'), 'owner:email',
  '[email] to [owner]: only owners, only by email; no push for the high severity, no tenant destination; S2''s owner is out of scope');
select pg_temp.rule('R', '{"name": "door.slack", "severity": "high", "channels": ["slack"]}');
select pg_temp.emit('R', 'door.slack');
select is(pg_temp.routed('door.slack', 'created'), 'dest:slack',
  '[slack]: the tenant''s slack destination only (no member channel, not the generic webhook)');
select pg_temp.rule('R', '{"name": "door.dashboard", "severity": "critical", "channels": ["dashboard"], "notify_roles": ["owner", "manager"]}');
select pg_temp.emit('R', 'door.dashboard');
select is(pg_temp.count_for('door.dashboard'), 0, '[dashboard]: no deliveries at all, even for a critical alert');
select pg_temp.rule('R', '{"name": "door.default", "severity": "high"}');
select pg_temp.emit('R', 'door.default');
select is(pg_temp.routed('door.default', 'created'), 'dest:slack dest:webhook manager:email owner:email owner:push staff:email',
  'no channels or roles: the severity defaults (high: email+push to owner, manager, staff; both destinations)');
select pg_temp.rule('R', '{"name": "door.sms", "severity": "medium", "channels": ["sms", "webhook"]}');
select pg_temp.emit('R', 'door.sms');
select is(pg_temp.routed('door.sms', 'created'), 'dest:webhook manager:sms owner:sms',
  'channels only: sms for a medium alert to the default roles who have a verified number, and the generic webhook');
select pg_temp.rule('R', '{"name": "door.roles", "severity": "high", "notify_roles": ["manager", "viewer"]}');
select pg_temp.emit('R', 'door.roles');
select is(pg_temp.routed('door.roles', 'created'), 'dest:slack dest:webhook manager:email viewer:email viewer:push',
  'roles only: the rule''s roles (a viewer too, when named) on their channels for the severity');
select pg_temp.rule('R', '{"name": "door.low_slack", "severity": "low", "channels": ["slack", "email"], "notify_roles": ["owner"]}');
select pg_temp.emit('R', 'door.low_slack');
select is(pg_temp.routed('door.low_slack', 'created'), 'owner:email',
  'a listed destination still needs its min_severity (slack from high); the rule''s email replaces the low severity''s digest');

-- Escalation (policy snapshots: critical every 15 minutes to managers and owners by sms and email;
-- high after 60 minutes to managers by email and push) goes on the rule's channels.
select set_config('shelfwatch.now', '2026-01-05 13:00+00', true);
select cmp_ok(private.escalate_alerts(), '>=', 2, 'the critical and high rule alerts escalate');
select results_eq(
  $$ select pg_temp.count_for('door.dashboard'), pg_temp.routed('door.slack', 'escalated'), pg_temp.routed('door.default', 'escalated') $$,
  $$ values (0, 'dest:slack'::text, 'dest:slack dest:webhook manager:email'::text) $$,
  'escalated: [dashboard] still sends nothing; [slack] posts to slack, not the policy''s email and push; no rule channels: the policy''s');

-- ---------------------------------------------------------------- repeats (12)
select set_config('shelfwatch.now', '2026-01-05 13:00+00', true);
select pg_temp.rule('R', '{"name": "scale", "severity": "medium", "channels": ["email"], "notify_roles": ["owner"],
  "notify_every": 3, "aggregation_window_minutes": 30}');
create temp table scale_alerts (n int, alert_id uuid) on commit drop;
insert into scale_alerts values (1, pg_temp.emit('R', 'scale'));
select set_config('shelfwatch.now', '2026-01-05 13:01+00', true);
insert into scale_alerts values (2, pg_temp.emit('R', 'scale'));
insert into scale_alerts values (3, pg_temp.emit('R', 'scale'));
select set_config('shelfwatch.now', '2026-01-05 13:02+00', true);
insert into scale_alerts values (4, pg_temp.emit('R', 'scale'));
insert into scale_alerts values (5, pg_temp.emit('R', 'scale'));
insert into scale_alerts values (6, pg_temp.emit('R', 'scale'));
select is((select count(distinct alert_id)::int from scale_alerts), 1, 'six events of the rule repeat one alert');
select results_eq(
  $$ select occurrence, notify from public.alert_events where event_type = 'scale' order by occurrence $$,
  $$ values (1, true), (2, false), (3, true), (4, false), (5, false), (6, true) $$,
  'event processing marks occurrences 1, 3 and 6 as notifying (notify_every 3)');
select is(pg_temp.routed('scale', 'created'), 'owner:email', 'occurrence 1 is the created notice');
select is(pg_temp.repeats('scale'), 'repeated:3 repeated:6',
  'occurrences 3 and 6 each enqueue a repeated notice; 2, 4 and 5 nothing');
select results_eq(
  $$ select d.idempotency_key, d.channel, d.user_id, d.status from public.deliveries as d
     where d.alert_id = pg_temp.id('scale') order by d.created_at $$,
  $$ values (pg_temp.id('scale') || '/created/0/' || pg_temp.uid('owner') || '/email', 'email'::text, pg_temp.uid('owner'), 'pending'::text),
            (pg_temp.id('scale') || '/repeated:3/0/' || pg_temp.uid('owner') || '/email', 'email', pg_temp.uid('owner'), 'pending'),
            (pg_temp.id('scale') || '/repeated:6/0/' || pg_temp.uid('owner') || '/email', 'email', pg_temp.uid('owner'), 'pending') $$,
  'three deliveries in all, each with its own key (the occurrence is in the occasion), on the rule''s routing');
select is(private.enqueue_deliveries(array[row(pg_temp.id('scale'), 'repeated', 'repeated:6')::private.notification_event]), 0,
  'routing occurrence 6 again adds nothing');
select set_config('shelfwatch.now', '2026-01-05 13:31+00', true);
select pg_temp.emit('R', 'scale');
select is(pg_temp.repeats('scale'), 'repeated:3 repeated:6 repeated:7',
  'after the 30-minute window, the next repeat (occurrence 7) starts a new window and notifies');
select pg_temp.emit('R', 'scale');
select is(pg_temp.count_for('scale'), 4, 'the new window''s occurrence 2 (8 in all) sends nothing');
select pg_temp.emit('R', 'scale', 2);
select is(pg_temp.repeats('scale'), 'repeated:3 repeated:6 repeated:7 repeated:9',
  'two events in one statement (window occurrences 3 and 4, 9 and 10 in all): one notice, for occurrence 9');
select public.snooze_alert(pg_temp.id('scale'), '2026-01-05 15:00+00');
select pg_temp.emit('R', 'scale', 2);
select is(pg_temp.count_for('scale'), 5, 'a snoozed alert''s notifying repeat (window occurrence 6) is not announced');

select pg_temp.rule('R', '{"name": "once", "severity": "high", "channels": ["email"], "notify_roles": ["owner"]}');
select pg_temp.emit('R', 'once', 3);
select pg_temp.emit('R', 'once');
select is(pg_temp.repeats('once'), '', 'without notify_every only occurrence 1 notifies: repeats send nothing');
select pg_temp.rule('R', '{"name": "beeper", "severity": "high", "notify_every": 2}');
select pg_temp.emit('R', 'beeper');
select pg_temp.emit('R', 'beeper');
select is(pg_temp.routed('beeper', 'repeated'), 'dest:slack dest:webhook manager:email owner:email owner:push staff:email',
  'a rule without channels or roles announces its notifying repeats on the severity defaults');

-- ------------------------------------------------- alerts no rule raised (3)
select set_config('shelfwatch.now', '2026-01-05 14:00+00', true);
insert into public.demand_forecasts (tenant_id, store_id, product_id, forecast_date, forecasted_demand)
select pg_temp.id('R'), 'S1', 'flour', date '2026-01-05' + day, 10 from generate_series(0, 6) as day;
insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand, reorder_point, lead_time_days)
values (pg_temp.id('R'), 'S1', 'flour', 5, 0, 0);
insert into ids select 'flour', a.id from public.alerts as a where a.tenant_id = pg_temp.id('R') and a.product_id = 'flour';
select is(pg_temp.routed('flour', 'created'),
  'dest:slack dest:webhook manager:email manager:sms owner:email owner:push owner:sms staff:email',
  'a stock alert from scoring (critical, half a day of cover) routes on the severity defaults as before');
update public.inventory_levels set on_hand = 4 where tenant_id = pg_temp.id('R') and product_id = 'flour';
select is(pg_temp.count_for('flour'), 8, 're-scoring the still-critical item sends nothing more');
select public.raise_alert(pg_temp.id('R'), 'test_alert', 'medium', 'Direct', dedup_key => 'direct', store_id => 'S1');
select public.raise_alert(pg_temp.id('R'), 'test_alert', 'medium', 'Direct', dedup_key => 'direct', store_id => 'S1');
insert into ids select 'direct', a.id from public.alerts as a where a.tenant_id = pg_temp.id('R') and a.dedup_key = 'direct';
select results_eq(
  $$ select a.occurrence_count, pg_temp.routed('direct', 'created'), pg_temp.count_for('direct')
     from public.alerts as a where a.id = pg_temp.id('direct') $$,
  $$ values (2, 'dest:webhook owner:push'::text, 2) $$,
  'a direct alert''s repeat (no rule metadata) is not announced');

-- --------------------------------------------- quiet hours and rate limits (1)
select pg_temp.tenant('Q', 'UTC');
select pg_temp.member('night', 'Q', 'owner', email => 'night@q.test',
  prefs => '{"quiet_hours": {"start": "22:00", "end": "07:00"}, "rate_limits": {"email": {"per_hour": 1}}}');
select set_config('shelfwatch.now', '2026-01-05 23:00+00', true);
select pg_temp.rule('Q', '{"name": "q.one", "severity": "medium", "channels": ["email"], "notify_roles": ["owner"]}');
select pg_temp.rule('Q', '{"name": "q.two", "severity": "medium", "channels": ["email"], "notify_roles": ["owner"]}');
select pg_temp.emit('Q', 'q.one');
select pg_temp.emit('Q', 'q.two');
select results_eq(
  $$ select d.channel, d.status, d.due_at, d.error_reason from public.deliveries as d
     where d.alert_id in (pg_temp.id('q.one'), pg_temp.id('q.two')) order by d.created_at, d.alert_id = pg_temp.id('q.two'), d.channel $$,
  $$ values ('email'::text, 'pending'::text, '2026-01-06 07:00+00'::timestamptz, null::text),
            ('digest', 'pending', '2026-01-05 23:00+00', null),
            ('email', 'cancelled', '2026-01-05 23:00+00', 'rate_limited') $$,
  'quiet hours hold a rule''s email until 07:00; over the hourly limit it is cancelled and folded into the digest');

select * from finish();
rollback;
