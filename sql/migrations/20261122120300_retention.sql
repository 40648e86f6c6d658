-- Retention: old rows are deleted so the tables a tenant writes all day stay small.
-- private.apply_retention() (scheduled hourly by 20261122120400) deletes, per tenant:
--   - resolved alerts resolved more than settings.retention.resolved_alerts_days ago (default
--     365), with their alert_history and deliveries (on delete cascade). Open alerts (active,
--     acknowledged, snoozed) are never deleted, however old;
--   - alert_events received more than retention.events_days ago (default 90);
--   - finished deliveries (sent, failed, dead, cancelled) created more than
--     retention.deliveries_days ago (default 90); pending, sending and deferred ones stay;
-- and, for the whole database, realtime.messages inserted more than 72 hours ago (what hosted
-- Supabase keeps) and cron.job_run_details older than 7 days where pg_cron is installed.
--
-- Each table is trimmed by at most batch_size rows per run (10,000 by default; cascaded history
-- and deliveries of a deleted alert come on top), oldest first, skipping rows another
-- transaction holds locked, so a run is short and never waits on the engine; a backlog is worked
-- off by later runs. The summary returned says how many rows each table lost; a count equal to
-- batch_size means more is due.
--
-- tenants.settings.retention (every key optional, validated on write, SW001 naming the field):
--   {"resolved_alerts_days": 365, "events_days": 90, "deliveries_days": 90}
--   minimums 30, 7 and 7 days; maximum 3650 (ten years) each.

create or replace function private.retention_settings(settings jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select '{"resolved_alerts_days": 365, "events_days": 90, "deliveries_days": 90}'::jsonb
    || case when pg_catalog.jsonb_typeof(settings -> 'retention') = 'object' then settings -> 'retention' else '{}'::jsonb end
$$;
comment on function private.retention_settings(jsonb) is
  'A tenant''s effective retention in days: settings.retention over the defaults (resolved_alerts_days 365, events_days 90, deliveries_days 90).';

create or replace function private.check_retention_settings(settings jsonb)
returns void
language plpgsql
immutable
set search_path = ''
as $$
declare
  r jsonb := settings -> 'retention';
begin
  if r is null then
    return;
  end if;
  perform private.check_json_keys(r, 'settings.retention', array['resolved_alerts_days', 'events_days', 'deliveries_days']);
  if r ? 'resolved_alerts_days' then
    perform private.check_json_integer(r -> 'resolved_alerts_days', 'settings.retention.resolved_alerts_days', 30, 3650);
  end if;
  if r ? 'events_days' then
    perform private.check_json_integer(r -> 'events_days', 'settings.retention.events_days', 7, 3650);
  end if;
  if r ? 'deliveries_days' then
    perform private.check_json_integer(r -> 'deliveries_days', 'settings.retention.deliveries_days', 7, 3650);
  end if;
end;
$$;
comment on function private.check_retention_settings(jsonb) is
  'Validates tenants.settings.retention (known keys; whole days, at least 30 for resolved alerts and 7 for events and deliveries, at most 3650), raising SW001 that names the field.';

create or replace function private.tg_tenants__validate_retention_settings()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform private.check_retention_settings(new.settings);
  return new;
end;
$$;
comment on function private.tg_tenants__validate_retention_settings() is 'Before insert/update of settings: rejects invalid settings.retention (SW001).';
create trigger _120_validate_retention_settings before insert or update of settings on public.tenants
  for each row execute function private.tg_tenants__validate_retention_settings();

-- What retention looks rows up by. Resolved alerts by resolution time (partial: open alerts are
-- never candidates); events by arrival (received_at never changes after insert, so event
-- processing stays a HOT update). Deliveries use deliveries_tenant_recent_idx (tenant_id, created_at).
create index alerts_tenant_resolved on public.alerts (tenant_id, resolved_at) where status = 'resolved';
create index alert_events_tenant_received on public.alert_events (tenant_id, received_at);

create or replace function private.apply_retention(batch_size int default 10000)
returns jsonb
language plpgsql
-- security invoker: run by pg_cron as the migration owner, or on demand by a service.
set search_path = ''
as $$
declare
  run_at timestamptz := private.now();
  alerts_deleted bigint;
  events_deleted bigint;
  deliveries_deleted bigint;
  messages_deleted bigint;
  cron_runs_deleted bigint;
begin
  if batch_size is null or batch_size < 1 then
    raise exception 'Cannot apply retention: batch_size must be at least 1 (got %)', coalesce(batch_size::text, 'nothing')
      using errcode = 'SW001';
  end if;

  -- Finished deliveries first, so the count is not taken from rows an alert's cascade removes.
  with doomed as (
    select d.id
    from public.tenants as t
    cross join lateral (
      select d.id, d.created_at
      from public.deliveries as d
      where d.tenant_id = t.id
        and d.created_at < run_at - pg_catalog.make_interval(days => (private.retention_settings(t.settings) ->> 'deliveries_days')::int)
        and d.status in ('sent', 'failed', 'dead', 'cancelled')
      order by d.created_at
      limit batch_size
      for update of d skip locked
    ) as d
    order by d.created_at
    limit batch_size
  ),
  deleted as (
    delete from public.deliveries as d using doomed where d.id = doomed.id returning 1
  )
  select count(*) into deliveries_deleted from deleted;

  with doomed as (
    select e.id
    from public.tenants as t
    cross join lateral (
      select e.id, e.received_at
      from public.alert_events as e
      where e.tenant_id = t.id
        and e.received_at < run_at - pg_catalog.make_interval(days => (private.retention_settings(t.settings) ->> 'events_days')::int)
      order by e.received_at
      limit batch_size
      for update of e skip locked
    ) as e
    order by e.received_at
    limit batch_size
  ),
  deleted as (
    delete from public.alert_events as e using doomed where e.id = doomed.id returning 1
  )
  select count(*) into events_deleted from deleted;

  -- Only resolved alerts; their history and deliveries go with them (on delete cascade).
  with doomed as (
    select a.id
    from public.tenants as t
    cross join lateral (
      select a.id, a.resolved_at
      from public.alerts as a
      where a.tenant_id = t.id
        and a.status = 'resolved'
        and a.resolved_at < run_at - pg_catalog.make_interval(days => (private.retention_settings(t.settings) ->> 'resolved_alerts_days')::int)
      order by a.resolved_at
      limit batch_size
      for update of a skip locked
    ) as a
    order by a.resolved_at
    limit batch_size
  ),
  deleted as (
    delete from public.alerts as a using doomed where a.id = doomed.id returning 1
  )
  select count(*) into alerts_deleted from deleted;

  -- inserted_at is a timestamp without time zone written by its default now(), i.e. in the
  -- session's time zone (UTC on Supabase); the cutoff is converted the same way.
  with doomed as (
    select m.id, m.inserted_at
    from realtime.messages as m
    where m.inserted_at < (run_at - interval '72 hours')::timestamp
    order by m.inserted_at
    limit batch_size
    for update of m skip locked
  ),
  deleted as (
    delete from realtime.messages as m using doomed
    where m.id = doomed.id and m.inserted_at = doomed.inserted_at
    returning 1
  )
  select count(*) into messages_deleted from deleted;

  -- pg_cron's run log grows by one row per job run (thousands a day at 30 s schedules).
  if pg_catalog.to_regclass('cron.job_run_details') is not null
     and pg_catalog.has_table_privilege('cron.job_run_details', 'delete') then
    with doomed as (
      select r.runid
      from cron.job_run_details as r
      where coalesce(r.end_time, r.start_time) < run_at - interval '7 days'
      order by r.runid
      limit batch_size
      for update of r skip locked
    ),
    deleted as (
      delete from cron.job_run_details as r using doomed where r.runid = doomed.runid returning 1
    )
    select count(*) into cron_runs_deleted from deleted;
  end if;

  return pg_catalog.jsonb_build_object(
    'alerts', alerts_deleted,
    'alert_events', events_deleted,
    'deliveries', deliveries_deleted,
    'realtime_messages', messages_deleted,
    'cron_job_run_details', cron_runs_deleted,
    'batch_size', batch_size);
end;
$$;
comment on function private.apply_retention(int) is
  'Deletes, per tenant settings.retention, resolved alerts (with history and deliveries), alert events and finished deliveries past their cutoff, plus realtime.messages older than 72 h and cron.job_run_details older than 7 days; at most batch_size rows per table per run. Returns {alerts, alert_events, deliveries, realtime_messages, cron_job_run_details (null without pg_cron), batch_size}.';

revoke all on function private.retention_settings(jsonb), private.check_retention_settings(jsonb),
  private.tg_tenants__validate_retention_settings(), private.apply_retention(int) from public;
-- The validation trigger runs as the owner who writes settings; services may run retention on demand.
grant execute on function private.retention_settings(jsonb), private.check_retention_settings(jsonb) to authenticated, service_role;
grant execute on function private.apply_retention(int) to service_role;
