-- pgTAP tests for analytics and retention (migrations 20261122120000..120400): alert_daily_stats
-- counts and MTTA/MTTR by local day (the day boundary in America/New_York), alert_sla at the
-- exact boundaries of its targets (defaults and a tenant's own), delivery_stats counts and
-- latency percentiles, what each member sees through the security invoker views (RLS decides),
-- and private.apply_retention(): exactly what is past each cutoff goes (per tenant settings,
-- cascades included), nothing else (open alerts never), in batches; plus retention settings
-- validation (SW001). One transaction, rolled back; every expected figure is computed by hand in
-- the comment beside it.
begin;
set local search_path = extensions, public;
set local timezone = 'UTC';

select plan(42);

-- ---------------------------------------------------------------- fixtures
create temp table ids (name text primary key, id uuid not null) on commit drop;
grant select on ids to authenticated, service_role;

create function pg_temp.id(name text) returns uuid language sql stable as $$ select i.id from ids as i where i.name = $1 $$;
grant execute on function pg_temp.id(text) to authenticated, service_role;

create function pg_temp.tenant(name text, zone text default 'UTC', settings jsonb default '{}') returns uuid
language sql as $$
  with t as (insert into public.tenants (name, timezone, settings) values (name, zone, settings) returning id)
  insert into ids (name, id) select name, t.id from t
  returning id
$$;

create function pg_temp.member(name text, tenant text, role text) returns uuid
language sql as $$
  insert into ids (name, id) values (name, tests.create_member(pg_temp.id(tenant), role)) returning id
$$;

-- An alert created at `created`, acknowledged `acked` and resolved `resolved` after that.
create function pg_temp.alert(name text, tenant text, severity text, created timestamptz,
  acked interval default null, resolved interval default null, alert_type text default 'stock.low', status text default null)
returns uuid
language plpgsql as $$
declare
  new_id uuid;
begin
  insert into public.alerts (tenant_id, alert_type, severity, status, title, dedup_key, created_at, first_seen_at, last_seen_at,
                             acknowledged_at, resolved_at, snoozed_until)
  values (pg_temp.id(tenant), alert_type, severity,
          coalesce(status, case when resolved is not null then 'resolved' when acked is not null then 'acknowledged' else 'active' end),
          'Alert ' || name, name, created, created, created, created + acked, created + resolved,
          case when status = 'snoozed' then private.now() + interval '1 day' end)
  returning id into new_id;
  insert into ids (name, id) values (name, new_id);
  return new_id;
end;
$$;

create function pg_temp.add_delivery(name text, tenant text, alert text, recipient uuid, channel text, status text,
  created timestamptz, sent_after interval default null, error_reason text default null)
returns void
language plpgsql as $$
declare
  new_id uuid;
begin
  insert into public.deliveries (tenant_id, alert_id, user_id, channel, reason, status, due_at, created_at, sent_at,
                                 error_reason, idempotency_key)
  values (pg_temp.id(tenant), pg_temp.id(alert), recipient, channel, 'created', status, created, created,
          created + sent_after, error_reason, 'test/' || name)
  returning id into new_id;
  insert into ids (name, id) values (name, new_id);
end;
$$;

create function pg_temp.event(name text, tenant text, received timestamptz) returns void
language plpgsql as $$
declare
  new_id uuid;
begin
  -- Inserted as already processed (no_rule), so event processing leaves it alone.
  insert into public.alert_events (tenant_id, source, event_type, status, occurred_at, received_at)
  values (pg_temp.id(tenant), 'test', 'test.event', 'no_rule', received, received)
  returning id into new_id;
  insert into ids (name, id) values (name, new_id);
end;
$$;

-- Analytics tenants: A in New York (EDT, UTC-4, in October 2026), B in UTC with its own SLA
-- (medium 30 minutes, no target for high), C with no data. Alerts are inserted before anyone is
-- a member, so routing writes no deliveries; the deliveries below are the only ones.
select pg_temp.tenant('A', 'America/New_York');
select pg_temp.tenant('B', 'UTC', '{"notifications": {"sla": {"medium": {"acknowledge_minutes": 30}, "high": null}}}');
select pg_temp.tenant('C');

-- A's alerts (local day in New York in brackets):
select pg_temp.alert('a1', 'A', 'critical', '2026-10-10 03:59:59Z', '600 s', '3600 s');        -- [10-09] ack 10 min
select pg_temp.alert('a2', 'A', 'critical', '2026-10-10 04:00:00Z', '300 s', '1800 s');        -- [10-10] ack 5 min
select pg_temp.alert('a3', 'A', 'critical', '2026-10-10 12:00:00Z', '900 s');                  -- [10-10] ack at exactly 15 min
select pg_temp.alert('a4', 'A', 'critical', '2026-10-10 20:00:00Z');                           -- [10-10] never acknowledged
select pg_temp.alert('a5', 'A', 'high', '2026-10-11 03:59:59Z', null, '7200 s');               -- [10-10] resolved, never acked, 2 h
select pg_temp.alert('a6', 'A', 'critical', '2026-10-11 04:00:00Z');                           -- [10-11] open
select pg_temp.alert('a7', 'A', 'critical', '2026-10-10 15:00:00Z', '1200 s', '2400 s', 'data.stale'); -- [10-10] ack 20 min
-- B's alerts (UTC):
select pg_temp.alert('b1', 'B', 'medium', '2026-10-10 10:00:00Z', '30 min');                   -- ack at exactly 30 min
select pg_temp.alert('b2', 'B', 'medium', '2026-10-10 11:00:00Z', '1801 s');                   -- ack 1 s late
select pg_temp.alert('b3', 'B', 'high', '2026-10-10 12:00:00Z');                               -- high has no target in B
select pg_temp.alert('b4', 'B', 'low', '2026-10-10 13:00:00Z');                                -- low has none by default
select pg_temp.alert('b5', 'B', 'critical', '2026-10-11 04:00:00Z');                           -- default 15 min, open
select pg_temp.alert('b6', 'B', 'critical', '2026-10-10 14:00:00Z', null, '600 s');            -- resolved in 10 min, never acked

select pg_temp.member('a_owner', 'A', 'owner');
select pg_temp.member('a_manager', 'A', 'manager');
select pg_temp.member('a_viewer', 'A', 'viewer');
select pg_temp.member('b_manager', 'B', 'manager');
select pg_temp.member('c_owner', 'C', 'owner');
delete from public.deliveries where tenant_id in (pg_temp.id('A'), pg_temp.id('B'));

-- A's deliveries (local day in brackets; latency = sent_after):
select pg_temp.add_delivery('d1', 'A', 'a2', pg_temp.id('a_manager'), 'email', 'sent', '2026-10-10 04:00:00Z', '10 s');   -- [10-10]
select pg_temp.add_delivery('d2', 'A', 'a2', pg_temp.id('a_owner'), 'email', 'sent', '2026-10-10 12:00:00Z', '20 s');     -- [10-10]
select pg_temp.add_delivery('d3', 'A', 'a5', pg_temp.id('a_manager'), 'email', 'sent', '2026-10-11 03:59:59Z', '60 s');   -- [10-10]
select pg_temp.add_delivery('d4', 'A', 'a2', pg_temp.id('a_manager'), 'sms', 'failed', '2026-10-10 13:00:00Z', null, 'invalid_destination'); -- [10-10]
select pg_temp.add_delivery('d5', 'A', 'a1', pg_temp.id('a_manager'), 'email', 'sent', '2026-10-10 03:59:59Z', '5 s');    -- [10-09]
select pg_temp.add_delivery('d6', 'A', 'a2', pg_temp.id('a_viewer'), 'email', 'sent', '2026-10-10 14:00:00Z', '30 s');    -- [10-10]
select pg_temp.add_delivery('d7', 'B', 'b1', pg_temp.id('b_manager'), 'email', 'sent', '2026-10-10 10:00:00Z', '1 s');

-- ---------------------------------------------------------------- alert_daily_stats
select set_config('shelfwatch.now', '2026-10-11 04:15:00Z', true);
select tests.authenticate_as(pg_temp.id('a_owner'), pg_temp.id('A'));

select results_eq(
  $$select day::text, alert_type, severity, created, acknowledged, resolved from public.alert_daily_stats
    order by day, alert_type, severity$$,
  $$values ('2026-10-09', 'stock.low', 'critical', 1::bigint, 1::bigint, 1::bigint),
           ('2026-10-10', 'data.stale', 'critical', 1, 1, 1),
           ('2026-10-10', 'stock.low', 'critical', 3, 2, 1),
           ('2026-10-10', 'stock.low', 'high', 1, 0, 1),
           ('2026-10-11', 'stock.low', 'critical', 1, 0, 0)$$,
  'alert_daily_stats: counts per local day, type and severity; 03:59:59Z is the day before in New York, 04:00Z the day itself');

-- a2 (300 s) and a3 (900 s) acknowledged: mean 600, median 600, p90 300 + 0.9 * 600 = 840; a2 resolved in 1800 s.
select results_eq(
  $$select mtta_seconds, p50_response_seconds, p90_response_seconds, mttr_seconds, p50_resolution_seconds, p90_resolution_seconds
    from public.alert_daily_stats where day = '2026-10-10' and alert_type = 'stock.low' and severity = 'critical'$$,
  $$values (600.0, 600.0, 840.0, 1800.0, 1800.0, 1800.0)$$,
  'alert_daily_stats: MTTA and MTTR (mean, p50, p90) over the day''s alerts');

select results_eq(
  $$select mtta_seconds, p50_response_seconds, mttr_seconds, p90_resolution_seconds
    from public.alert_daily_stats where day = '2026-10-10' and severity = 'high'$$,
  $$values (null::numeric, null::numeric, 7200.0, 7200.0)$$,
  'alert_daily_stats: an alert resolved without acknowledgement has a resolution time but no response time');

select is(
  (select sum(created)::int from public.alert_daily_stats
   where tenant_id = pg_temp.id('A') and day >= '2026-10-10' and day < '2026-10-11'),
  5, 'alert_daily_stats: a window on day returns just that window (a2, a3, a4, a5, a7)');

-- ---------------------------------------------------------------- alert_sla
select results_eq(
  $$select i.name, s.target_minutes, s.sla_status from public.alert_sla as s join ids as i on i.id = s.alert_id order by i.name$$,
  $$values ('a1', 15, 'met'), ('a2', 15, 'met'), ('a3', 15, 'met'), ('a4', 15, 'violated'), ('a5', 60, 'violated'),
           ('a6', 15, 'pending'), ('a7', 15, 'violated')$$,
  'alert_sla (default targets): acked at exactly 15 min is met, 20 min violated, unacked past target violated, at exactly the target still pending');

select is((select due_at from public.alert_sla where alert_id = pg_temp.id('a6')), '2026-10-11 04:15:00Z'::timestamptz,
  'alert_sla: due_at = created_at + target');

select set_config('shelfwatch.now', '2026-10-11 04:15:01Z', true);
select is((select sla_status from public.alert_sla where alert_id = pg_temp.id('a6')), 'violated',
  'alert_sla: one second past the target an unacknowledged alert is violated');
select set_config('shelfwatch.now', '2026-10-11 04:15:00Z', true);

select is(private.sla_minutes(pg_temp.id('A'), 'high'), 60, 'sla_minutes: a member reads their tenant''s target');

select tests.authenticate_as(pg_temp.id('b_manager'), pg_temp.id('B'));
select results_eq(
  $$select i.name, s.target_minutes, s.sla_status from public.alert_sla as s join ids as i on i.id = s.alert_id order by i.name$$,
  $$values ('b1', 30, 'met'), ('b2', 30, 'violated'), ('b3', null, 'none'), ('b4', null, 'none'), ('b5', 15, 'pending'),
           ('b6', 15, 'met')$$,
  'alert_sla (tenant targets): medium 30 min met at exactly 30, violated 1 s later; high switched off and low none; resolved unacked within target met');

select is(private.sla_minutes(pg_temp.id('A'), 'critical'), null, 'sla_minutes: nothing for another tenant''s member');

-- ---------------------------------------------------------------- delivery_stats
select tests.authenticate_as(pg_temp.id('a_manager'), pg_temp.id('A'));
-- Sent on 10-10: 10, 20, 30, 60 s: median 25; p95 at 0.95 * 3 = 2.85: 30 + 0.85 * 30 = 55.5.
select results_eq(
  $$select day::text, channel, status, error_reason, deliveries, p50_latency_seconds, p95_latency_seconds
    from public.delivery_stats order by day, channel, status$$,
  $$values ('2026-10-09', 'email', 'sent', null::text, 1::bigint, 5.0, 5.0),
           ('2026-10-10', 'email', 'sent', null, 4, 25.0, 55.5),
           ('2026-10-10', 'sms', 'failed', 'invalid_destination', 1, null, null)$$,
  'delivery_stats: counts per local day, channel, status and error reason; p50/p95 latency of the sent ones');

select tests.authenticate_as(pg_temp.id('a_viewer'), pg_temp.id('A'));
select results_eq(
  $$select day::text, channel, status, deliveries, p50_latency_seconds from public.delivery_stats$$,
  $$values ('2026-10-10', 'email', 'sent', 1::bigint, 30.0)$$,
  'delivery_stats: a viewer counts only the deliveries addressed to them (RLS on deliveries decides)');

-- ---------------------------------------------------------------- who sees what
create function pg_temp.visible() returns int[] language sql as $$
  select array[
    (select count(*)::int from public.alert_daily_stats where tenant_id = pg_temp.id('A')),
    (select count(*)::int from public.alert_sla where tenant_id = pg_temp.id('A')),
    (select count(*)::int from public.delivery_stats where tenant_id = pg_temp.id('A')),
    (select count(*)::int from public.alert_daily_stats where tenant_id = pg_temp.id('B')),
    (select count(*)::int from public.alert_sla where tenant_id = pg_temp.id('B')),
    (select count(*)::int from public.delivery_stats where tenant_id = pg_temp.id('B')),
    (select count(*)::int from public.alert_daily_stats) + (select count(*)::int from public.alert_sla)
      + (select count(*)::int from public.delivery_stats)]
$$;
grant execute on function pg_temp.visible() to authenticated, service_role;

select tests.authenticate_as(pg_temp.id('a_manager'), pg_temp.id('A'));
select is(pg_temp.visible(), array[5, 7, 3, 0, 0, 0, 15], 'A''s manager sees A''s rows in every view and none of B''s');
select tests.authenticate_as(pg_temp.id('b_manager'), pg_temp.id('B'));
-- B: 10-10 medium, high, low, critical and 10-11 critical = 5 daily rows; 6 alerts; 1 delivery row.
select is(pg_temp.visible(), array[0, 0, 0, 5, 6, 1, 12], 'B''s manager sees B''s rows in every view and none of A''s');
select tests.authenticate_as(pg_temp.id('c_owner'), pg_temp.id('C'));
select is(pg_temp.visible(), array[0, 0, 0, 0, 0, 0, 0], 'a member of a tenant without data sees nothing in any view');
select tests.authenticate_as(pg_temp.id('c_owner'), pg_temp.id('A'));
select is(pg_temp.visible(), array[0, 0, 0, 0, 0, 0, 0], 'a JWT naming a tenant the user is not a member of shows nothing');
select tests.clear_authentication();

-- ---------------------------------------------------------------- retention
-- N = 2026-11-20 00:00Z. R1 keeps the defaults (365/90/90 days), R2 the minimums (30/7/7).
select set_config('shelfwatch.now', '2026-11-20 00:00:00Z', true);
select pg_temp.tenant('R1');
select pg_temp.tenant('R2', 'UTC', '{"retention": {"resolved_alerts_days": 30, "events_days": 7, "deliveries_days": 7}}');

select pg_temp.alert('r1_gone', 'R1', 'high', timestamptz '2026-11-20Z' - interval '400 days', null, interval '35 days' - interval '1 s'); -- resolved N-365d-1s
select pg_temp.alert('r1_edge', 'R1', 'high', timestamptz '2026-11-20Z' - interval '400 days', null, interval '35 days');              -- resolved N-365d
select pg_temp.alert('r1_month', 'R1', 'high', timestamptz '2026-11-20Z' - interval '40 days', null, interval '9 days');              -- resolved N-31d
select pg_temp.alert('r1_open', 'R1', 'critical', timestamptz '2026-11-20Z' - interval '1000 days');
select pg_temp.alert('r1_acked', 'R1', 'critical', timestamptz '2026-11-20Z' - interval '1000 days', interval '1 day');
select pg_temp.alert('r1_snoozed', 'R1', 'medium', timestamptz '2026-11-20Z' - interval '1000 days', status => 'snoozed');
select pg_temp.alert('r2_gone', 'R2', 'high', timestamptz '2026-11-20Z' - interval '40 days', null, interval '10 days' - interval '1 s'); -- resolved N-30d-1s
select pg_temp.alert('r2_edge', 'R2', 'high', timestamptz '2026-11-20Z' - interval '40 days', null, interval '10 days');              -- resolved N-30d
select pg_temp.alert('r2_open', 'R2', 'high', timestamptz '2026-11-20Z' - interval '1000 days');

select pg_temp.event('r1_ev_gone', 'R1', timestamptz '2026-11-20Z' - interval '90 days' - interval '1 s');
select pg_temp.event('r1_ev_edge', 'R1', timestamptz '2026-11-20Z' - interval '90 days');
select pg_temp.event('r2_ev_gone', 'R2', timestamptz '2026-11-20Z' - interval '7 days' - interval '1 s');
select pg_temp.event('r2_ev_edge', 'R2', timestamptz '2026-11-20Z' - interval '7 days');
select pg_temp.event('r2_ev_month', 'R2', timestamptz '2026-11-20Z' - interval '31 days');

select pg_temp.add_delivery('r1_sent_gone', 'R1', 'r1_open', gen_random_uuid(), 'email', 'sent', timestamptz '2026-11-20Z' - interval '90 days' - interval '1 s', '1 s');
select pg_temp.add_delivery('r1_failed_gone', 'R1', 'r1_open', gen_random_uuid(), 'sms', 'failed', timestamptz '2026-11-20Z' - interval '100 days', null, 'rejected');
select pg_temp.add_delivery('r1_dead_gone', 'R1', 'r1_open', gen_random_uuid(), 'sms', 'dead', timestamptz '2026-11-20Z' - interval '100 days', null, 'timeout');
select pg_temp.add_delivery('r1_cancelled_gone', 'R1', 'r1_open', gen_random_uuid(), 'push', 'cancelled', timestamptz '2026-11-20Z' - interval '100 days');
select pg_temp.add_delivery('r1_pending_kept', 'R1', 'r1_open', gen_random_uuid(), 'email', 'pending', timestamptz '2026-11-20Z' - interval '200 days');
select pg_temp.add_delivery('r1_deferred_kept', 'R1', 'r1_open', gen_random_uuid(), 'email', 'deferred', timestamptz '2026-11-20Z' - interval '200 days');
select pg_temp.add_delivery('r1_sent_edge', 'R1', 'r1_open', gen_random_uuid(), 'email', 'sent', timestamptz '2026-11-20Z' - interval '90 days', '1 s');
select pg_temp.add_delivery('r1_cascaded', 'R1', 'r1_gone', gen_random_uuid(), 'email', 'sent', timestamptz '2026-11-20Z' - interval '1 day', '1 s');
select pg_temp.add_delivery('r2_sent_gone', 'R2', 'r2_open', gen_random_uuid(), 'email', 'sent', timestamptz '2026-11-20Z' - interval '7 days' - interval '1 s', '1 s');
select pg_temp.add_delivery('r2_sent_edge', 'R2', 'r2_open', gen_random_uuid(), 'email', 'sent', timestamptz '2026-11-20Z' - interval '7 days', '1 s');

insert into realtime.messages (id, topic, extension, payload, inserted_at, updated_at)
values ('00000000-0000-0000-0000-00000000f001', 'test', 'broadcast', '{}', timestamp '2026-11-17 00:00:00' - interval '1 s', timestamp '2026-11-17 00:00:00'),
       ('00000000-0000-0000-0000-00000000f002', 'test', 'broadcast', '{}', timestamp '2026-11-17 00:00:00', timestamp '2026-11-17 00:00:00');

select is((select count(*)::int from public.alert_history where alert_id = pg_temp.id('r1_gone')), 1,
  'fixture: the alert to be deleted has history');

-- Doomed: alerts r1_gone, r2_gone (2); events r1_ev_gone, r2_ev_gone, r2_ev_month (3); deliveries r1 sent,
-- failed, dead, cancelled and r2 sent (5). Batches of 2, oldest first.
create temp table runs (n int primary key, summary jsonb not null) on commit drop;
insert into runs values (1, private.apply_retention(2));
insert into runs values (2, private.apply_retention(2));
insert into runs values (3, private.apply_retention());
insert into runs values (4, private.apply_retention());
select is((select summary - 'realtime_messages' from runs where n = 1),
  '{"alerts": 2, "alert_events": 2, "deliveries": 2, "cron_job_run_details": null, "batch_size": 2}'::jsonb,
  'apply_retention(2): at most 2 rows per table; no pg_cron here, so cron_job_run_details is null');
select is((select summary - 'realtime_messages' from runs where n = 2),
  '{"alerts": 0, "alert_events": 1, "deliveries": 2, "cron_job_run_details": null, "batch_size": 2}'::jsonb,
  'apply_retention(2) again: the next batches');
select is((select summary - 'realtime_messages' from runs where n = 3),
  '{"alerts": 0, "alert_events": 0, "deliveries": 1, "cron_job_run_details": null, "batch_size": 10000}'::jsonb,
  'apply_retention(): the rest');
select is((select summary - 'realtime_messages' from runs where n = 4),
  '{"alerts": 0, "alert_events": 0, "deliveries": 0, "cron_job_run_details": null, "batch_size": 10000}'::jsonb,
  'apply_retention(): nothing left past a cutoff');

select results_eq(
  $$select i.name from ids as i join public.alerts as a on a.id = i.id
    where a.tenant_id in (pg_temp.id('R1'), pg_temp.id('R2')) order by i.name$$,
  $$values ('r1_acked'), ('r1_edge'), ('r1_month'), ('r1_open'), ('r1_snoozed'), ('r2_edge'), ('r2_open')$$,
  'retention: resolved alerts past their tenant''s cutoff are gone; at the cutoff, R1''s month-old and every open alert stay');
select is((select count(*)::int from public.alert_history where alert_id = pg_temp.id('r1_gone')), 0,
  'retention: a deleted alert''s history goes with it');
select is((select count(*)::int from public.deliveries where id = pg_temp.id('r1_cascaded')), 0,
  'retention: a deleted alert''s deliveries go with it, however recent');
select results_eq(
  $$select i.name from ids as i join public.alert_events as e on e.id = i.id order by i.name$$,
  $$values ('r1_ev_edge'), ('r2_ev_edge')$$,
  'retention: events received before their tenant''s cutoff are gone (R2 keeps 7 days, R1 90)');
select results_eq(
  $$select i.name from ids as i join public.deliveries as d on d.id = i.id
    where d.tenant_id in (pg_temp.id('R1'), pg_temp.id('R2')) order by i.name$$,
  $$values ('r1_deferred_kept'), ('r1_pending_kept'), ('r1_sent_edge'), ('r2_sent_edge')$$,
  'retention: finished deliveries (sent, failed, dead, cancelled) past the cutoff are gone; unfinished ones stay');
select is(
  array[(select count(*)::int from public.alerts where tenant_id = pg_temp.id('A')),
        (select count(*)::int from public.alerts where tenant_id = pg_temp.id('B')),
        (select count(*)::int from public.deliveries where tenant_id in (pg_temp.id('A'), pg_temp.id('B')))],
  array[7, 6, 7], 'retention: tenants with nothing past a cutoff keep everything');
select results_eq(
  $$select id::text from realtime.messages where topic = 'test'$$,
  $$values ('00000000-0000-0000-0000-00000000f002')$$,
  'retention: realtime messages older than 72 hours are gone, one exactly 72 hours old stays');

-- pg_cron's run log, where it exists (a stand-in table here).
create schema cron;
create table cron.job_run_details (runid bigint primary key, jobid bigint, status text, start_time timestamptz, end_time timestamptz);
insert into cron.job_run_details values
  (1, 1, 'succeeded', timestamptz '2026-11-13Z' - interval '2 s', timestamptz '2026-11-13Z' - interval '1 s'),
  (2, 1, 'succeeded', timestamptz '2026-11-13Z' - interval '1 s', timestamptz '2026-11-13Z'),
  (3, 1, 'running', timestamptz '2026-11-10Z', null);
select is(private.apply_retention() -> 'cron_job_run_details', '2'::jsonb,
  'retention: cron runs that ended more than 7 days ago are deleted (a long-running one by its start)');
select results_eq($$select runid from cron.job_run_details$$, $$values (2::bigint)$$,
  'retention: a cron run that ended exactly 7 days ago stays');

select throws_ok($$select private.apply_retention(0)$$, 'SW001',
  'Cannot apply retention: batch_size must be at least 1 (got 0)', 'apply_retention: batch_size below 1 is refused');

select tests.authenticate_as(pg_temp.id('a_owner'), pg_temp.id('A'));
select throws_ok($$select private.apply_retention()$$, '42501', null, 'apply_retention: members cannot run it');
select tests.clear_authentication();

-- ---------------------------------------------------------------- retention settings
select throws_ok(
  $$update public.tenants set settings = '{"retention": {"events_days": 6}}' where id = pg_temp.id('R1')$$, 'SW001',
  'Invalid settings.retention.events_days: must be a whole number from 7 to 3650 (got 6)', 'settings: events_days below 7 is refused');
select throws_ok(
  $$update public.tenants set settings = '{"retention": {"resolved_alerts_days": 29}}' where id = pg_temp.id('R1')$$, 'SW001',
  'Invalid settings.retention.resolved_alerts_days: must be a whole number from 30 to 3650 (got 29)', 'settings: resolved_alerts_days below 30 is refused');
select throws_ok(
  $$update public.tenants set settings = '{"retention": {"deliveries_days": 7.5}}' where id = pg_temp.id('R1')$$, 'SW001',
  'Invalid settings.retention.deliveries_days: must be a whole number from 7 to 3650 (got 7.5)', 'settings: deliveries_days must be whole');
select throws_ok(
  $$update public.tenants set settings = '{"retention": {"deliveries_days": "30"}}' where id = pg_temp.id('R1')$$, 'SW001',
  'Invalid settings.retention.deliveries_days: must be a whole number from 7 to 3650 (got "30")', 'settings: a number, not a string');
select throws_ok(
  $$update public.tenants set settings = '{"retention": {"alerts_days": 30}}' where id = pg_temp.id('R1')$$, 'SW001',
  'Invalid settings.retention.alerts_days: unknown key (expected one of resolved_alerts_days, events_days, deliveries_days)',
  'settings: an unknown key is refused');
select throws_ok(
  $$update public.tenants set settings = '{"retention": 30}' where id = pg_temp.id('R1')$$, 'SW001',
  'Invalid settings.retention: must be an object', 'settings: retention must be an object');
select throws_ok(
  $$insert into public.tenants (name, settings) values ('X', '{"retention": {"events_days": 0}}')$$, 'SW001',
  'Invalid settings.retention.events_days: must be a whole number from 7 to 3650 (got 0)', 'settings: validated on insert too');

select tests.authenticate_as(pg_temp.id('a_owner'), pg_temp.id('A'));
select throws_ok(
  $$update public.tenants set settings = '{"retention": {"deliveries_days": 3}}' where id = pg_temp.id('A')$$, 'SW001',
  'Invalid settings.retention.deliveries_days: must be a whole number from 7 to 3650 (got 3)', 'settings: validated when an owner writes them');
select lives_ok(
  $$update public.tenants set settings = '{"retention": {"resolved_alerts_days": 30, "events_days": 7, "deliveries_days": 7}}' where id = pg_temp.id('A')$$,
  'settings: the minimums are accepted');
select tests.clear_authentication();
select is(private.retention_settings((select settings from public.tenants where id = pg_temp.id('R1'))),
  '{"resolved_alerts_days": 365, "events_days": 90, "deliveries_days": 90}'::jsonb, 'retention_settings: the defaults');

select * from finish();
rollback;
