-- Alert analytics per day: for each tenant, day (in the tenant's time zone), alert type and
-- severity, how many alerts were created, how many of those have been acknowledged and resolved,
-- and their time to acknowledge (MTTA) and to resolve (MTTR): mean, median and 90th percentile.
--
-- Choices where the brief leaves room:
-- - A day's row describes the alerts CREATED that day (a cohort): acknowledged and resolved count
--   those of them acknowledged or resolved so far, whenever that happened, and MTTA/MTTR are taken
--   over the same alerts. So every figure in a row is about one set of alerts; a recent day's
--   counts still grow while its alerts are being handled.
-- - acknowledged counts alerts with an acknowledged_at (the first acknowledgement); an alert
--   resolved without one counts as resolved but has no response time.
-- - Security invoker: the caller's RLS on tenants and alerts decides which rows they see.
-- - Index-friendly: the view walks each tenant's calendar (from the local day of its first alert
--   to that of its last) and reads each day's alerts with one range scan of
--   alerts_tenant_recent (tenant_id, created_at), between the day's two local midnights. A filter
--   on tenant_id and day (where tenant_id = $1 and day >= $2 and day < $3) therefore reads only
--   that window's alerts, whatever the tenant's history; a day with no alerts has no rows.
create view public.alert_daily_stats
with (security_invoker = true)
as
select
  t.id as tenant_id,
  calendar.day,
  s.alert_type,
  s.severity,
  s.created,
  s.acknowledged,
  s.resolved,
  s.mtta_seconds,
  s.p50_response_seconds,
  s.p90_response_seconds,
  s.mttr_seconds,
  s.p50_resolution_seconds,
  s.p90_resolution_seconds
from public.tenants as t
cross join lateral (
  select min(a.created_at) as first_created_at, max(a.created_at) as last_created_at
  from public.alerts as a
  where a.tenant_id = t.id
) as span
cross join lateral pg_catalog.generate_series(
  (span.first_created_at at time zone t.timezone)::date::timestamp,
  (span.last_created_at at time zone t.timezone)::date::timestamp,
  interval '1 day'
) as g (local_midnight)
cross join lateral (select g.local_midnight::date as day) as calendar
cross join lateral (
  select
    a.alert_type,
    a.severity,
    count(*) as created,
    count(a.acknowledged_at) as acknowledged,
    count(*) filter (where a.status = 'resolved') as resolved,
    round(avg(a.response_time_seconds), 1) as mtta_seconds,
    round(percentile_cont(0.5) within group (order by a.response_time_seconds)::numeric, 1) as p50_response_seconds,
    round(percentile_cont(0.9) within group (order by a.response_time_seconds)::numeric, 1) as p90_response_seconds,
    round(avg(a.resolution_time_seconds), 1) as mttr_seconds,
    round(percentile_cont(0.5) within group (order by a.resolution_time_seconds)::numeric, 1) as p50_resolution_seconds,
    round(percentile_cont(0.9) within group (order by a.resolution_time_seconds)::numeric, 1) as p90_resolution_seconds
  from public.alerts as a
  where a.tenant_id = t.id
    and a.created_at >= (g.local_midnight at time zone t.timezone)
    and a.created_at < ((g.local_midnight + interval '1 day') at time zone t.timezone)
  group by a.alert_type, a.severity
) as s;

comment on view public.alert_daily_stats is
  'Per tenant, local day (tenant time zone), alert_type and severity: alerts created that day, how many of them are acknowledged and resolved so far, and MTTA/MTTR (mean, p50, p90 seconds) over them. Security invoker (RLS decides); filter on tenant_id and day for an index range scan.';
comment on column public.alert_daily_stats.day is 'The local date (tenants.timezone) on which the alerts were created.';
comment on column public.alert_daily_stats.created is 'Alerts created that day.';
comment on column public.alert_daily_stats.acknowledged is 'Of those, how many have been acknowledged (whenever).';
comment on column public.alert_daily_stats.resolved is 'Of those, how many have been resolved (whenever).';
comment on column public.alert_daily_stats.mtta_seconds is 'Mean time to acknowledge (response_time_seconds) of those acknowledged, rounded to 0.1 s.';
comment on column public.alert_daily_stats.p50_response_seconds is 'Median time to acknowledge, rounded to 0.1 s.';
comment on column public.alert_daily_stats.p90_response_seconds is '90th percentile of the time to acknowledge (interpolated), rounded to 0.1 s.';
comment on column public.alert_daily_stats.mttr_seconds is 'Mean time to resolve (resolution_time_seconds) of those resolved, rounded to 0.1 s.';
comment on column public.alert_daily_stats.p50_resolution_seconds is 'Median time to resolve, rounded to 0.1 s.';
comment on column public.alert_daily_stats.p90_resolution_seconds is '90th percentile of the time to resolve (interpolated), rounded to 0.1 s.';

revoke all on public.alert_daily_stats from anon, authenticated;
grant select on public.alert_daily_stats to authenticated, service_role;
