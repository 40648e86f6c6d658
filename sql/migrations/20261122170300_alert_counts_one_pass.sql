-- The alert counts (20261122170200) made the summary index of 20261122170000 redundant: the
-- summary no longer counts alerts, and every alert insert paid for one more index. Drop it, and
-- let private.recount_alerts count a tenant's alerts in one pass over them (one scan grouped by
-- severity and status, instead of one index count per severity x status).

drop index public.alerts_tenant_severity_status;

create or replace function private.recount_alerts(tenant uuid default null)
returns int
language plpgsql
volatile
set search_path = ''
as $$
declare
  written int;
begin
  -- Serialized with private.fold_alert_counts() (see 20261122170200); then one statement, so the
  -- alerts it counts and the changes it deletes are those of one snapshot.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('shelfwatch.alert_counts'));
  with dropped as (
    delete from private.alert_count_changes as d
    where recount_alerts.tenant is null or d.tenant_id = recount_alerts.tenant
    returning 1
  ),
  counted as (
    select a.tenant_id, a.severity, a.status, pg_catalog.count(*) as alerts
    from public.alerts as a
    where recount_alerts.tenant is null or a.tenant_id = recount_alerts.tenant
    group by a.tenant_id, a.severity, a.status
  ),
  exact as (
    select t.id as tenant_id, s.severity, st.status, coalesce(c.alerts, 0) as alerts
    from public.tenants as t
    cross join (values ('low'), ('medium'), ('high'), ('critical')) as s (severity)
    cross join (values ('active'), ('acknowledged'), ('snoozed'), ('resolved')) as st (status)
    left join counted as c on c.tenant_id = t.id and c.severity = s.severity and c.status = st.status
    where recount_alerts.tenant is null or t.id = recount_alerts.tenant
  ),
  upserted as (
    insert into private.alert_counts as c (tenant_id, severity, status, alerts)
    select e.tenant_id, e.severity, e.status, e.alerts from exact as e
    on conflict (tenant_id, severity, status) do update set alerts = excluded.alerts
    returning 1
  )
  select pg_catalog.count(*)::int into written from upserted;
  return written;
end;
$$;
comment on function private.recount_alerts(uuid) is
  'Recounts a tenant''s alerts (all tenants when null) from public.alerts in one pass, replacing its counts and pending changes; for after writes made with triggers off. Returns how many counts it wrote.';
