-- Delivery analytics per day: for each tenant, day (in the tenant's time zone, by created_at),
-- channel, status and error_reason, how many deliveries there were and, for the sent ones, the
-- latency from creation (routing) to sent_at: median and 95th percentile.
--
-- Choices where the brief leaves room:
-- - A delivery counts on the local day it was created, in its current status (a pending one
--   moves to sent or dead later, and the day's row for that status then changes).
-- - Latency is measured from created_at, so it includes any wait for the end of the recipient's
--   quiet hours (due_at) and for retries: it is how long the outbox took to reach the person.
-- - error_reason is a grouping key (null for rows without an error), so failures split by why.
-- - Security invoker: RLS on deliveries decides what a member sees (managers and owners every
--   delivery of their tenant, staff and viewers only their own). destination is never read.
-- - Index-friendly like alert_daily_stats (20261122120000): each tenant's calendar, each day read
--   with one range scan of deliveries_tenant_recent_idx (tenant_id, created_at).
create view public.delivery_stats
with (security_invoker = true)
as
select
  t.id as tenant_id,
  calendar.day,
  s.channel,
  s.status,
  s.error_reason,
  s.deliveries,
  s.p50_latency_seconds,
  s.p95_latency_seconds
from public.tenants as t
cross join lateral (
  select min(d.created_at) as first_created_at, max(d.created_at) as last_created_at
  from public.deliveries as d
  where d.tenant_id = t.id
) as span
cross join lateral pg_catalog.generate_series(
  (span.first_created_at at time zone t.timezone)::date::timestamp,
  (span.last_created_at at time zone t.timezone)::date::timestamp,
  interval '1 day'
) as g (local_midnight)
cross join lateral (select g.local_midnight::date as day) as calendar
cross join lateral (
  select
    d.channel,
    d.status,
    d.error_reason,
    count(*) as deliveries,
    round(percentile_cont(0.5) within group (order by extract(epoch from d.sent_at - d.created_at))
          filter (where d.status = 'sent')::numeric, 1) as p50_latency_seconds,
    round(percentile_cont(0.95) within group (order by extract(epoch from d.sent_at - d.created_at))
          filter (where d.status = 'sent')::numeric, 1) as p95_latency_seconds
  from public.deliveries as d
  where d.tenant_id = t.id
    and d.created_at >= (g.local_midnight at time zone t.timezone)
    and d.created_at < ((g.local_midnight + interval '1 day') at time zone t.timezone)
  group by d.channel, d.status, d.error_reason
) as s;

comment on view public.delivery_stats is
  'Per tenant, local day of creation (tenant time zone), channel, status and error_reason: deliveries and, for sent ones, p50/p95 seconds from created_at to sent_at. Security invoker (RLS on deliveries decides); filter on tenant_id and day for an index range scan.';
comment on column public.delivery_stats.day is 'The local date (tenants.timezone) on which the deliveries were created (routed).';
comment on column public.delivery_stats.error_reason is 'Why delivery failed (rate_limited, provider_error, ...); null when there was no error.';
comment on column public.delivery_stats.deliveries is 'Deliveries created that day that are now in this status with this error_reason.';
comment on column public.delivery_stats.p50_latency_seconds is 'Sent ones: median seconds from created_at to sent_at (quiet hours and retries included), rounded to 0.1 s; null for other statuses.';
comment on column public.delivery_stats.p95_latency_seconds is 'Sent ones: 95th percentile (interpolated) of seconds from created_at to sent_at, rounded to 0.1 s; null for other statuses.';

revoke all on public.delivery_stats from anon, authenticated;
grant select on public.delivery_stats to authenticated, service_role;
