-- data_stale: a store whose inventory, forecast or sales feed has not written within its expected
-- interval gets an alert, because a silent feed must not look like calm. One open alert per store
-- and feed (dedup key stale:<feed>:<store>), resolved by the system once the feed writes again.
-- Time-driven, so pg_cron runs it; it reads only the small feed_heartbeats table.
create or replace function public.score_data_staleness(tenant_id uuid default null)
returns table (opened int, updated int, resolved int)
language plpgsql
volatile
set search_path = ''
as $$
begin
  return query
  with beats as materialized (
    select h.tenant_id, h.store_id, h.feed, h.last_seen_at, coalesce(st.name, h.store_id) as store_name,
           case h.feed
             when 'inventory' then (private.data_quality_thresholds(t.settings)).inventory_max_age_hours
             when 'forecast' then (private.data_quality_thresholds(t.settings)).forecast_max_age_hours
             else (private.data_quality_thresholds(t.settings)).sales_max_age_hours
           end as max_age_hours
    from private.feed_heartbeats as h
    join public.tenants as t on t.id = h.tenant_id
    left join public.stores as st on st.tenant_id = h.tenant_id and st.id = h.store_id
    where (score_data_staleness.tenant_id is null or h.tenant_id = score_data_staleness.tenant_id)
      and coalesce(st.active, true)
  ),
  judged as materialized (
    select b.*, b.max_age_hours > 0 and b.last_seen_at < private.now() - b.max_age_hours * interval '1 hour' as stale
    from beats as b
  ),
  raised as materialized (
    select r.created
    from private.raise_alerts(array(
      select row(
        j.tenant_id, 'data_stale', 'data', case j.feed when 'inventory' then 'high' else 'medium' end, null,
        'No ' || j.feed || ' data from ' || j.store_name || ' since '
          || pg_catalog.to_char(j.last_seen_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'),
        'The ' || j.feed || ' feed for ' || j.store_name || ' last wrote at '
          || pg_catalog.to_char(j.last_seen_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') || '; it is expected at least every '
          || private.format_quantity(j.max_age_hours) || ' hours. Until it writes again, Shelfwatch cannot see '
          || case j.feed when 'inventory' then 'stock running out' else 'demand changing' end || ' there.',
        'Check the ' || j.feed || ' export or integration for ' || j.store_name || ' (scheduled job, credentials, network) and run it again.',
        null, null, j.store_id, null, 'data_quality', 'stale:' || j.feed || ':' || j.store_id,
        pg_catalog.jsonb_build_object('feed', j.feed, 'store_name', j.store_name, 'last_seen_at', j.last_seen_at,
          'max_age_hours', j.max_age_hours)
      )::private.alert_candidate
      from judged as j where j.stale), false) as r
  ),
  cleared as (
    update public.alerts as a
    set status = 'resolved', resolved_at = private.now(), snoozed_until = null,
        resolution_notes = 'Resolved automatically: the feed is writing again.'
    from judged as j
    where not j.stale and a.tenant_id = j.tenant_id and a.dedup_key = 'stale:' || j.feed || ':' || j.store_id
      and a.status <> 'resolved'
    returning a.id
  )
  select (select pg_catalog.count(*) from raised where raised.created)::int,
         (select pg_catalog.count(*) from raised where not raised.created)::int,
         (select pg_catalog.count(*) from cleared)::int;
end;
$$;
comment on function public.score_data_staleness(uuid) is 'Raises data_stale for every store x feed silent for longer than its tenant allows, and resolves those writing again. Run by pg_cron.';

revoke all on function public.score_data_staleness(uuid) from public, anon, authenticated;
grant execute on function public.score_data_staleness(uuid) to service_role;
