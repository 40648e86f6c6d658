-- Notification settings: who is told about an alert, on which channels, when, and how often. A
-- tenant configures them in tenants.settings -> 'notifications'; each member may override their
-- own part in tenant_members.preferences. Readers fill in the product spec's defaults for
-- whatever is not set; both are validated where they are written (SW001 naming the field), so
-- routing never meets a setting it cannot read.
--
-- tenants.settings.notifications (every key optional):
--   channels     {"critical": ["whatsapp","sms","email","push"], "high": ["email","push"],
--                 "medium": ["push"], "low": ["digest"]}  -- per severity; a key replaces that
--                severity's list. Channels: email, sms, whatsapp, push, digest ("digest" = folded
--                into the member's periodic digest; the dashboard always shows every alert).
--   roles        ["owner","manager","staff"]  -- roles told when an alert is created, raised or
--                its snooze ends (viewers: dashboard only)
--   escalation   {"critical": {"after_minutes": 15, "repeats": 3, "roles": ["manager","owner"],
--                              "channels": ["sms","email"]},
--                 "high": {"after_minutes": 60, "repeats": 2, "roles": ["manager"],
--                          "channels": ["email","push"]}}
--                per severity: null = never escalate; an object is merged over the default, and
--                repeat_minutes (minutes between repeats) defaults to after_minutes.
--   sla          {"critical": {"acknowledge_minutes": 15}, "high": {"acknowledge_minutes": 60}}
--                (optional resolve_minutes); for the dashboard and analytics.
--   quiet_hours  null | {"start": "22:00", "end": "07:00"}  -- members' default (none)
--   digest       "hourly" | "daily" | "off"  -- members' default digest period (hourly)
--   rate_limits  {"sms": {"per_hour": 10, "per_day": 50}, ...}  -- members' default per channel
--   webhooks     [{"channel": "slack"|"discord"|"webhook", "url": "https://...",
--                  "min_severity": "high", "name": "ops"}]  -- tenant-level destinations
--
-- tenant_members.preferences (notification keys; other keys are left alone):
--   channels, quiet_hours (in the member's time zone, else the store's, else the tenant's;
--   null = none even if the tenant has a default), digest, rate_limits — same shapes as above.

-- The readers are plpgsql rather than sql, and procedural: routing and the snapshot trigger call
-- them from other functions, where a non-inlinable sql function is parsed and planned again on
-- every call; plpgsql keeps its plans for the session and evaluates these simple expressions fast.
create or replace function private.notification_defaults()
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  return '{
    "channels": {"critical": ["whatsapp", "sms", "email", "push"], "high": ["email", "push"],
                 "medium": ["push"], "low": ["digest"]},
    "roles": ["owner", "manager", "staff"],
    "escalation": {"critical": {"after_minutes": 15, "repeats": 3, "roles": ["manager", "owner"], "channels": ["sms", "email"]},
                   "high": {"after_minutes": 60, "repeats": 2, "roles": ["manager"], "channels": ["email", "push"]}},
    "sla": {"critical": {"acknowledge_minutes": 15}, "high": {"acknowledge_minutes": 60}},
    "quiet_hours": null,
    "digest": "hourly",
    "rate_limits": {},
    "webhooks": []
  }'::jsonb;
end;
$$;
comment on function private.notification_defaults() is 'The product spec''s notification defaults (channels per severity, roles, escalation, SLA, no quiet hours, hourly digest, no rate limits, no webhooks).';

create or replace function private.escalation_policy(settings jsonb, severity text)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  configured jsonb := settings -> 'notifications' -> 'escalation';
  policy jsonb := private.notification_defaults() -> 'escalation' -> severity;
begin
  if pg_catalog.jsonb_typeof(configured) = 'object' and configured ? severity then
    policy := case when pg_catalog.jsonb_typeof(configured -> severity) = 'object'
                then coalesce(policy, '{}'::jsonb) || (configured -> severity) end;
  end if;
  if pg_catalog.jsonb_typeof(policy) is distinct from 'object' then
    return null;
  end if;
  return policy || pg_catalog.jsonb_build_object('repeat_minutes', coalesce(policy -> 'repeat_minutes', policy -> 'after_minutes'));
end;
$$;
comment on function private.escalation_policy(jsonb, text) is 'The effective escalation policy of a severity in these tenant settings: the configured object merged over the default, repeat_minutes defaulting to after_minutes; null = never escalate.';

create or replace function private.notification_settings(settings jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  d jsonb := private.notification_defaults();
  n jsonb := case when pg_catalog.jsonb_typeof(settings -> 'notifications') = 'object' then settings -> 'notifications' else '{}'::jsonb end;
begin
  return pg_catalog.jsonb_build_object(
    'channels', (d -> 'channels') || coalesce(n -> 'channels', '{}'::jsonb),
    'roles', coalesce(n -> 'roles', d -> 'roles'),
    'escalation', pg_catalog.jsonb_build_object(
      'low', private.escalation_policy(settings, 'low'), 'medium', private.escalation_policy(settings, 'medium'),
      'high', private.escalation_policy(settings, 'high'), 'critical', private.escalation_policy(settings, 'critical')),
    -- Merged field by field per severity, like escalation: setting only resolve_minutes for
    -- critical keeps the default acknowledgement target; a JSON null removes the severity's SLA.
    'sla', (select coalesce(pg_catalog.jsonb_object_agg(k, case
                when pg_catalog.jsonb_typeof(n -> 'sla' -> k) = 'null' then 'null'::jsonb
                else coalesce(d -> 'sla' -> k, '{}'::jsonb) || coalesce(n -> 'sla' -> k, '{}'::jsonb) end), '{}'::jsonb)
            from pg_catalog.jsonb_object_keys((d -> 'sla') || coalesce(n -> 'sla', '{}'::jsonb)) as k),
    'quiet_hours', case when n ? 'quiet_hours' then n -> 'quiet_hours' else d -> 'quiet_hours' end,
    'digest', coalesce(n ->> 'digest', d ->> 'digest'),
    'rate_limits', coalesce(n -> 'rate_limits', d -> 'rate_limits'),
    'webhooks', coalesce(n -> 'webhooks', d -> 'webhooks'));
end;
$$;
comment on function private.notification_settings(jsonb) is 'A tenant''s effective notification settings: tenants.settings.notifications over the defaults (per severity for channels, escalation and SLA; see private.escalation_policy).';

create or replace function private.member_notification_preferences(tenant_settings jsonb, preferences jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  p jsonb := case when pg_catalog.jsonb_typeof(preferences) = 'object' then preferences else '{}'::jsonb end;
begin
  return pg_catalog.jsonb_build_object(
    'channels', (tenant_settings -> 'channels') || coalesce(p -> 'channels', '{}'::jsonb),
    'quiet_hours', case when p ? 'quiet_hours' then p -> 'quiet_hours' else tenant_settings -> 'quiet_hours' end,
    'digest', coalesce(p ->> 'digest', tenant_settings ->> 'digest'),
    'rate_limits', coalesce(tenant_settings -> 'rate_limits', '{}'::jsonb) || coalesce(p -> 'rate_limits', '{}'::jsonb));
end;
$$;
comment on function private.member_notification_preferences(jsonb, jsonb) is 'A member''s effective notification preferences (channels per severity, quiet_hours, digest, rate_limits): their own over the tenant''s effective settings (private.notification_settings).';

-- Validation, shared by tenant settings and member preferences. field is the path used in
-- messages ('settings.notifications' or 'preferences').
create or replace function private.check_json_integer(value jsonb, field text, minimum int, maximum int)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if pg_catalog.jsonb_typeof(value) is distinct from 'number'
     or (value #>> '{}')::numeric <> pg_catalog.trunc((value #>> '{}')::numeric)
     or (value #>> '{}')::numeric not between minimum and maximum then
    raise exception 'Invalid %: must be a whole number from % to % (got %)', field, minimum, maximum, coalesce(value::text, 'nothing')
      using errcode = 'SW001';
  end if;
end;
$$;
comment on function private.check_json_integer(jsonb, text, int, int) is 'Raises SW001 naming the field unless value is a JSON whole number within [minimum, maximum].';

create or replace function private.check_json_list(value jsonb, field text, allowed text[], allow_empty boolean)
returns void
language plpgsql
immutable
set search_path = ''
as $$
declare
  bad text;
begin
  if pg_catalog.jsonb_typeof(value) is distinct from 'array' then
    raise exception 'Invalid %: must be a list of %', field, pg_catalog.array_to_string(allowed, ', ') using errcode = 'SW001';
  end if;
  select e.value::text into bad
  from pg_catalog.jsonb_array_elements(value) as e
  where pg_catalog.jsonb_typeof(e.value) <> 'string' or e.value #>> '{}' <> all (allowed)
  limit 1;
  if bad is not null then
    raise exception 'Invalid %: every entry must be one of % (got %)', field, pg_catalog.array_to_string(allowed, ', '), bad
      using errcode = 'SW001';
  end if;
  if not allow_empty and pg_catalog.jsonb_array_length(value) = 0 then
    raise exception 'Invalid %: must name at least one of %', field, pg_catalog.array_to_string(allowed, ', ') using errcode = 'SW001';
  end if;
end;
$$;
comment on function private.check_json_list(jsonb, text, text[], boolean) is 'Raises SW001 naming the field unless value is a JSON array of strings from allowed (non-empty unless allow_empty).';

create or replace function private.check_json_keys(value jsonb, field text, allowed text[])
returns void
language plpgsql
immutable
set search_path = ''
as $$
declare
  bad text;
begin
  if pg_catalog.jsonb_typeof(value) is distinct from 'object' then
    raise exception 'Invalid %: must be an object', field using errcode = 'SW001';
  end if;
  select k into bad from pg_catalog.jsonb_object_keys(value) as k where k <> all (allowed) limit 1;
  if bad is not null then
    raise exception 'Invalid %.%: unknown key (expected one of %)', field, bad, pg_catalog.array_to_string(allowed, ', ')
      using errcode = 'SW001';
  end if;
end;
$$;
comment on function private.check_json_keys(jsonb, text, text[]) is 'Raises SW001 unless value is a JSON object whose keys are all in allowed (naming the first unknown key).';

create or replace function private.check_notification_preferences(value jsonb, field text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
declare
  severities constant text[] := array['low', 'medium', 'high', 'critical'];
  channels constant text[] := array['email', 'sms', 'whatsapp', 'push'];
  key text;
  item jsonb;
begin
  if value ? 'channels' then
    perform private.check_json_keys(value -> 'channels', field || '.channels', severities);
    for key, item in select * from pg_catalog.jsonb_each(value -> 'channels') loop
      perform private.check_json_list(item, field || '.channels.' || key, channels || 'digest'::text, true);
    end loop;
  end if;
  if value ? 'quiet_hours' and pg_catalog.jsonb_typeof(value -> 'quiet_hours') <> 'null' then
    perform private.check_json_keys(value -> 'quiet_hours', field || '.quiet_hours', array['start', 'end']);
    foreach key in array array['start', 'end'] loop
      if coalesce(value -> 'quiet_hours' ->> key, '') !~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
         or pg_catalog.jsonb_typeof(value -> 'quiet_hours' -> key) <> 'string' then
        raise exception 'Invalid %.quiet_hours.%: must be a time "HH:MM" (got %)', field, key,
          coalesce((value -> 'quiet_hours' -> key)::text, 'nothing') using errcode = 'SW001';
      end if;
    end loop;
    if value -> 'quiet_hours' ->> 'start' = value -> 'quiet_hours' ->> 'end' then
      raise exception 'Invalid %.quiet_hours: start and end must differ (got % to %)', field,
        value -> 'quiet_hours' ->> 'start', value -> 'quiet_hours' ->> 'end' using errcode = 'SW001';
    end if;
  end if;
  if value ? 'digest' and (pg_catalog.jsonb_typeof(value -> 'digest') <> 'string' or value ->> 'digest' not in ('hourly', 'daily', 'off')) then
    raise exception 'Invalid %.digest: must be hourly, daily or off (got %)', field, (value -> 'digest')::text using errcode = 'SW001';
  end if;
  if value ? 'rate_limits' then
    perform private.check_json_keys(value -> 'rate_limits', field || '.rate_limits', channels);
    for key, item in select * from pg_catalog.jsonb_each(value -> 'rate_limits') loop
      perform private.check_json_keys(item, field || '.rate_limits.' || key, array['per_hour', 'per_day']);
      if item ? 'per_hour' then
        perform private.check_json_integer(item -> 'per_hour', field || '.rate_limits.' || key || '.per_hour', 1, 100000);
      end if;
      if item ? 'per_day' then
        perform private.check_json_integer(item -> 'per_day', field || '.rate_limits.' || key || '.per_day', 1, 1000000);
      end if;
    end loop;
  end if;
end;
$$;
comment on function private.check_notification_preferences(jsonb, text) is 'Validates the notification keys a member may set (channels, quiet_hours, digest, rate_limits), raising SW001 that names the field.';

create or replace function private.check_notification_settings(settings jsonb)
returns void
language plpgsql
immutable
set search_path = ''
as $$
declare
  severities constant text[] := array['low', 'medium', 'high', 'critical'];
  roles constant text[] := array['owner', 'manager', 'staff', 'viewer'];
  n jsonb := settings -> 'notifications';
  effective jsonb;
  key text;
  item jsonb;
  i int;
begin
  if n is null then
    return;
  end if;
  perform private.check_json_keys(n, 'settings.notifications',
    array['channels', 'roles', 'escalation', 'sla', 'quiet_hours', 'digest', 'rate_limits', 'webhooks']);
  perform private.check_notification_preferences(n, 'settings.notifications');
  if n ? 'roles' then
    perform private.check_json_list(n -> 'roles', 'settings.notifications.roles', roles, true);
  end if;
  if n ? 'escalation' then
    perform private.check_json_keys(n -> 'escalation', 'settings.notifications.escalation', severities);
    for key, item in select * from pg_catalog.jsonb_each(n -> 'escalation') loop
      if pg_catalog.jsonb_typeof(item) not in ('object', 'null') then
        raise exception 'Invalid settings.notifications.escalation.%: must be an object or null (never escalate)', key
          using errcode = 'SW001';
      end if;
    end loop;
    -- Checked after merging over the defaults, so a tenant may change one field of a policy.
    effective := private.notification_settings(settings) -> 'escalation';
    for key, item in select * from pg_catalog.jsonb_each(effective) where pg_catalog.jsonb_typeof(value) = 'object' loop
      perform private.check_json_keys(item, 'settings.notifications.escalation.' || key,
        array['after_minutes', 'repeat_minutes', 'repeats', 'roles', 'channels']);
      perform private.check_json_integer(item -> 'after_minutes', 'settings.notifications.escalation.' || key || '.after_minutes', 1, 10080);
      perform private.check_json_integer(item -> 'repeat_minutes', 'settings.notifications.escalation.' || key || '.repeat_minutes', 1, 10080);
      perform private.check_json_integer(item -> 'repeats', 'settings.notifications.escalation.' || key || '.repeats', 1, 20);
      perform private.check_json_list(item -> 'roles', 'settings.notifications.escalation.' || key || '.roles', roles, false);
      perform private.check_json_list(item -> 'channels', 'settings.notifications.escalation.' || key || '.channels',
        array['email', 'sms', 'whatsapp', 'push'], false);
    end loop;
  end if;
  if n ? 'sla' then
    perform private.check_json_keys(n -> 'sla', 'settings.notifications.sla', severities);
    for key, item in select * from pg_catalog.jsonb_each(n -> 'sla') where pg_catalog.jsonb_typeof(value) <> 'null' loop
      perform private.check_json_keys(item, 'settings.notifications.sla.' || key, array['acknowledge_minutes', 'resolve_minutes']);
      if item ? 'acknowledge_minutes' then
        perform private.check_json_integer(item -> 'acknowledge_minutes', 'settings.notifications.sla.' || key || '.acknowledge_minutes', 1, 43200);
      end if;
      if item ? 'resolve_minutes' then
        perform private.check_json_integer(item -> 'resolve_minutes', 'settings.notifications.sla.' || key || '.resolve_minutes', 1, 43200);
      end if;
    end loop;
  end if;
  if n ? 'webhooks' then
    if pg_catalog.jsonb_typeof(n -> 'webhooks') <> 'array' or pg_catalog.jsonb_array_length(n -> 'webhooks') > 20 then
      raise exception 'Invalid settings.notifications.webhooks: must be a list of at most 20 destinations' using errcode = 'SW001';
    end if;
    for i in 0 .. pg_catalog.jsonb_array_length(n -> 'webhooks') - 1 loop
      item := n -> 'webhooks' -> i;
      perform private.check_json_keys(item, 'settings.notifications.webhooks[' || i || ']', array['channel', 'url', 'min_severity', 'name']);
      if coalesce(item ->> 'channel', '') not in ('slack', 'discord', 'webhook') then
        raise exception 'Invalid settings.notifications.webhooks[%].channel: must be slack, discord or webhook (got %)', i,
          coalesce((item -> 'channel')::text, 'nothing') using errcode = 'SW001';
      end if;
      -- The URL is a secret (it carries the webhook's token): never quote it in a message.
      if pg_catalog.jsonb_typeof(item -> 'url') is distinct from 'string' or item ->> 'url' !~ '^https://[^\s/]+(/\S*)?$'
         or pg_catalog.length(item ->> 'url') > 2000 then
        raise exception 'Invalid settings.notifications.webhooks[%].url: must be an https URL', i using errcode = 'SW001';
      end if;
      if item ? 'min_severity' and coalesce(item ->> 'min_severity', '') <> all (severities) then
        raise exception 'Invalid settings.notifications.webhooks[%].min_severity: must be low, medium, high or critical (got %)', i,
          (item -> 'min_severity')::text using errcode = 'SW001';
      end if;
      if item ? 'name' and (pg_catalog.jsonb_typeof(item -> 'name') <> 'string' or pg_catalog.length(item ->> 'name') not between 1 and 100) then
        raise exception 'Invalid settings.notifications.webhooks[%].name: must be a text of 1 to 100 characters', i using errcode = 'SW001';
      end if;
    end loop;
  end if;
end;
$$;
comment on function private.check_notification_settings(jsonb) is 'Validates tenants.settings.notifications (unknown keys, channels, roles, escalation, SLA, quiet hours, digest, rate limits, webhooks), raising SW001 that names the field.';

create or replace function private.tg_tenants__validate_notification_settings()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform private.check_notification_settings(new.settings);
  return new;
end;
$$;
comment on function private.tg_tenants__validate_notification_settings() is 'Before insert/update of settings: rejects invalid settings.notifications (SW001).';
create trigger _110_validate_notification_settings before insert or update of settings on public.tenants
  for each row execute function private.tg_tenants__validate_notification_settings();

create or replace function private.tg_tenant_members__validate_notification_preferences()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform private.check_notification_preferences(new.preferences, 'preferences');
  return new;
end;
$$;
comment on function private.tg_tenant_members__validate_notification_preferences() is 'Before insert/update of preferences: rejects invalid notification preferences (SW001).';
create trigger _110_validate_notification_preferences before insert or update of preferences on public.tenant_members
  for each row execute function private.tg_tenant_members__validate_notification_preferences();

revoke all on function private.notification_defaults(), private.escalation_policy(jsonb, text), private.notification_settings(jsonb),
  private.member_notification_preferences(jsonb, jsonb), private.check_json_integer(jsonb, text, int, int),
  private.check_json_list(jsonb, text, text[], boolean), private.check_json_keys(jsonb, text, text[]),
  private.check_notification_preferences(jsonb, text), private.check_notification_settings(jsonb),
  private.tg_tenants__validate_notification_settings(), private.tg_tenant_members__validate_notification_preferences() from public;
-- The validation triggers run as the member who writes settings or preferences.
grant execute on function private.notification_defaults(), private.escalation_policy(jsonb, text), private.notification_settings(jsonb),
  private.member_notification_preferences(jsonb, jsonb), private.check_json_integer(jsonb, text, int, int),
  private.check_json_list(jsonb, text, text[], boolean), private.check_json_keys(jsonb, text, text[]),
  private.check_notification_preferences(jsonb, text), private.check_notification_settings(jsonb)
  to authenticated, service_role;
