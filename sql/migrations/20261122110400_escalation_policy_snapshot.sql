-- Escalation policy snapshot: when an alert is created, the tenant's escalation policy for its
-- severity is copied onto alerts.escalation_policy, so a later change of the tenant's settings
-- does not rewrite the rules an open alert is escalated under. When an open alert's severity
-- changes (a medium low-stock alert becoming a critical out-of-stock under the same dedup key),
-- the policy of the new severity is snapshotted afresh, starting its clock at that moment.
--
-- Snapshot shape: the effective policy (private.notification_settings) plus where its clock starts:
--   {"after_minutes": 15, "repeat_minutes": 15, "repeats": 3, "roles": ["manager","owner"],
--    "channels": ["sms","email"], "severity": "critical",
--    "started_at": "<created_at or the moment of the severity change>",
--    "base_level": <escalation_level when the policy was adopted>}
-- null when the severity has no policy (never escalated). private.escalate_alerts()
-- (20261122110700) reads it.
-- plpgsql rather than sql so its plan is kept for the session (see 20261122110100).
create or replace function private.escalation_policy_snapshot(settings jsonb, severity text, started_at timestamptz, base_level int)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  return private.escalation_policy(settings, severity)
         || pg_catalog.jsonb_build_object('severity', severity, 'started_at', started_at, 'base_level', base_level);
end;
$$;
comment on function private.escalation_policy_snapshot(jsonb, text, timestamptz, int) is 'The escalation policy the tenant settings give this severity, stamped with the severity, the moment its clock starts and the escalation level it starts from; null if none.';

create or replace function private.tg_alerts__snapshot_escalation_policy()
returns trigger
language plpgsql
security definer -- reads the tenant's settings whichever role writes the alert (a feed's own login may not see tenants)
set search_path = ''
as $$
declare
  tenant_settings jsonb;
  settings_version text;
  cache_key text;
  cached text;
  policy jsonb;
begin
  if tg_op = 'INSERT' and new.escalation_policy is not null then
    return new; -- given explicitly (e.g. an import): keep it
  end if;
  if new.status = 'resolved' then
    return new;
  end if;
  select t.settings, t.ctid::text into tenant_settings, settings_version from public.tenants as t where t.id = new.tenant_id;
  -- Working out a policy from the settings costs about a millisecond, and a scoring pass or an
  -- event batch may open thousands of alerts in one statement: remember it for the transaction,
  -- keyed by the tenant row's version (its ctid changes whenever the settings are written).
  cache_key := 'shelfwatch.escalation_' || pg_catalog.replace(new.tenant_id::text, '-', '') || '_' || new.severity;
  cached := pg_catalog.current_setting(cache_key, true);
  if cached is not null and pg_catalog.split_part(cached, '|', 1) = settings_version then
    policy := nullif(pg_catalog.substr(cached, pg_catalog.length(settings_version) + 2), '')::jsonb;
  else
    policy := private.escalation_policy(tenant_settings, new.severity);
    perform pg_catalog.set_config(cache_key, settings_version || '|' || coalesce(policy::text, ''), true);
  end if;
  new.escalation_policy := case when policy is null or policy = 'null'::jsonb then null else
    policy || pg_catalog.jsonb_build_object('severity', new.severity,
      'started_at', case when tg_op = 'INSERT' then new.created_at else private.now() end,
      'base_level', new.escalation_level) end;
  return new;
end;
$$;
comment on function private.tg_alerts__snapshot_escalation_policy() is 'Before insert, and before an open alert''s severity changes: copies the tenant''s escalation policy for the (new) severity onto alerts.escalation_policy.';

create trigger _050_snapshot_escalation_policy before insert on public.alerts
  for each row execute function private.tg_alerts__snapshot_escalation_policy();
create trigger _050_resnapshot_escalation_policy before update of severity on public.alerts
  for each row when (new.severity is distinct from old.severity)
  execute function private.tg_alerts__snapshot_escalation_policy();

revoke all on function private.escalation_policy_snapshot(jsonb, text, timestamptz, int),
  private.tg_alerts__snapshot_escalation_policy() from public;
