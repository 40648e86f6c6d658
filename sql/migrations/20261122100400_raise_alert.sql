-- public.raise_alert: other systems (and staff) raise an alert directly with one call, with the
-- same dedup as every other source (private.raise_alerts, 20261122080300). It honours
-- suppressions (20261122100300): during a maintenance window that covers the alert's type, store
-- and product, it raises nothing and returns null. The suppression check comes after the input
-- checks, so bad input is refused even during a window.
--
-- security definer: members have no INSERT/UPDATE on alerts; this checks the caller instead.
-- The caller is judged by their JWT (auth.role()), since inside a definer function current_user
-- is the owner: a member (role authenticated) needs staff or above in the tenant; a service-role
-- token or a direct SQL session without claims (a feed's own database login, which needs an
-- explicit execute grant) acts as the system.
create or replace function public.raise_alert(
  tenant_id uuid,
  alert_type text,
  severity text,
  title text,
  description text default '',
  dedup_key text default null,
  store_id text default null,
  product_id text default null,
  recommended_action text default null,
  business_impact text default null,
  impact_value numeric default null,
  category text default 'operations',
  priority int default null,
  metadata jsonb default '{}'::jsonb,
  source text default 'sql'
)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  raised uuid;
begin
  if auth.role() is not null and auth.role() <> 'service_role' and not private.has_role(raise_alert.tenant_id, 'staff') then
    raise exception 'Cannot raise an alert for tenant %: only its staff, managers, owners or a service may', raise_alert.tenant_id
      using errcode = 'SW003';
  end if;
  if raise_alert.tenant_id is null or not exists (select 1 from public.tenants as t where t.id = raise_alert.tenant_id) then
    raise exception 'Cannot raise an alert: tenant_id % does not exist', raise_alert.tenant_id using errcode = 'SW001';
  end if;
  if raise_alert.severity is null or raise_alert.severity not in ('low', 'medium', 'high', 'critical') then
    raise exception 'Cannot raise an alert: severity must be low, medium, high or critical (got %)', coalesce(raise_alert.severity, 'null')
      using errcode = 'SW001';
  end if;
  if raise_alert.alert_type is null or raise_alert.alert_type !~ '^[a-z][a-z0-9_.]{0,63}$' then
    raise exception 'Cannot raise an alert: alert_type must be lowercase letters, digits, _ and . (got %)', coalesce(raise_alert.alert_type, 'null')
      using errcode = 'SW001';
  end if;
  if raise_alert.title is null or pg_catalog.length(pg_catalog.btrim(raise_alert.title)) not between 1 and 300 then
    raise exception 'Cannot raise an alert: title must be 1 to 300 characters' using errcode = 'SW001';
  end if;
  if raise_alert.metadata is null or pg_catalog.jsonb_typeof(raise_alert.metadata) <> 'object' then
    raise exception 'Cannot raise an alert: metadata must be a JSON object' using errcode = 'SW001';
  end if;
  if raise_alert.priority is not null and raise_alert.priority not between 0 and 100 then
    raise exception 'Cannot raise an alert: priority must be between 0 and 100 (got %)', raise_alert.priority using errcode = 'SW001';
  end if;
  -- A maintenance window covering this alert keeps it quiet: nothing is raised and nobody told.
  if (private.active_suppression(raise_alert.tenant_id, raise_alert.alert_type, raise_alert.store_id, raise_alert.product_id)).id is not null then
    return null;
  end if;
  select r.alert_id into raised
  from private.raise_alerts(array[row(
    raise_alert.tenant_id, raise_alert.alert_type, raise_alert.category, raise_alert.severity, raise_alert.priority,
    raise_alert.title, raise_alert.description, raise_alert.recommended_action, raise_alert.business_impact,
    raise_alert.impact_value, raise_alert.store_id, raise_alert.product_id, raise_alert.source, raise_alert.dedup_key,
    raise_alert.metadata)::private.alert_candidate]) as r;
  return raised;
end;
$$;
comment on function public.raise_alert(uuid, text, text, text, text, text, text, text, text, text, numeric, text, int, jsonb, text) is
  'Raises (or repeats) an alert directly, with the same dedup as every other source: returns the open alert''s id, or null while a suppression covers the alert. For services, staff and above.';

revoke all on function public.raise_alert(uuid, text, text, text, text, text, text, text, text, text, numeric, text, int, jsonb, text) from public, anon;
grant execute on function public.raise_alert(uuid, text, text, text, text, text, text, text, text, text, numeric, text, int, jsonb, text)
  to authenticated, service_role;
