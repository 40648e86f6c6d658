-- raise_alert() on the dedup key of an alert an event rule raised: merge, do not replace.
--
-- A direct raise with the same dedup key repeats the open alert (same dedup as every source), and
-- private.raise_alerts() replaces the alert's metadata with the caller's. For a rule's alert that
-- erased what the rule keeps there: rule_id (so routing fell back to the tenant's defaults instead
-- of the rule's channels and roles) and the aggregation window (so the next event began a new
-- window and notified again). Now raise_alert() keeps every key a rule owns and adds the caller's
-- other keys; alerts no rule raised behave as before (the latest raise's metadata).
-- It also locks the key the way event processing does (private.lock_dedup_keys, 20261122160200).

create or replace function private.rule_metadata_keys()
returns text[]
language sql
immutable
set search_path = ''
as $$
  select array['rule_id', 'rule_name', 'event_id', 'event_type', 'occurred_at', 'payload', 'channels', 'notify_roles',
               'aggregation_window_minutes', 'window_started_at', 'window_occurrence', 'notify_every', 'notify',
               'notify_occurrences']
$$;
comment on function private.rule_metadata_keys() is 'The metadata keys event processing (private.plan_event_alerts) writes on the alerts a rule raises: the rule''s, which a direct raise_alert() must not overwrite.';
revoke all on function private.rule_metadata_keys() from public;

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
  key text;
  merged jsonb := raise_alert.metadata;
  open_metadata jsonb;
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
  -- The key raise_alerts will use; lock it (as event processing does) so no rule event can open
  -- or repeat this alert between reading its metadata and raising it.
  key := coalesce(nullif(raise_alert.dedup_key, ''),
                  raise_alert.alert_type || ':' || coalesce(raise_alert.store_id, '*') || ':' || coalesce(raise_alert.product_id, '*'));
  perform private.lock_dedup_keys(array[row(raise_alert.tenant_id, key)::private.dedup_key_ref]);
  select a.metadata into open_metadata
  from public.alerts as a
  where a.tenant_id = raise_alert.tenant_id and a.dedup_key = key and a.status <> 'resolved';
  if open_metadata ? 'rule_id' then
    -- A rule's alert: keep what the rule owns (routing, aggregation window, the event it last
    -- saw) and add the caller's other facts. notify = false: this repeat is not one of the rule's
    -- notifying occurrences (a severity rise still notifies, as for any alert).
    merged := open_metadata || (raise_alert.metadata - private.rule_metadata_keys()) || '{"notify": false}'::jsonb;
  end if;
  select r.alert_id into raised
  from private.raise_alerts(array[row(
    raise_alert.tenant_id, raise_alert.alert_type, raise_alert.category, raise_alert.severity, raise_alert.priority,
    raise_alert.title, raise_alert.description, raise_alert.recommended_action, raise_alert.business_impact,
    raise_alert.impact_value, raise_alert.store_id, raise_alert.product_id, raise_alert.source, raise_alert.dedup_key,
    merged)::private.alert_candidate]) as r;
  return raised;
end;
$$;
comment on function public.raise_alert(uuid, text, text, text, text, text, text, text, text, text, numeric, text, int, jsonb, text) is
  'Raises (or repeats) an alert directly, with the same dedup as every other source: returns the open alert''s id, or null while a suppression covers the alert. Repeating an alert a rule raised keeps the rule''s metadata (routing, window) and merges the caller''s other keys. For services, staff and above.';

revoke all on function public.raise_alert(uuid, text, text, text, text, text, text, text, text, text, numeric, text, int, jsonb, text) from public, anon;
grant execute on function public.raise_alert(uuid, text, text, text, text, text, text, text, text, text, numeric, text, int, jsonb, text)
  to authenticated, service_role;
