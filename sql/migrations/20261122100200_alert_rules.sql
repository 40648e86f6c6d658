-- Alert rules: per tenant, which events become which alerts. A rule matches events by type
-- (exact, prefix wildcard or *), then by conditions on the payload (all must hold), and raises
-- one alert per matching event from its templates; dedup, aggregation windows, throttling and
-- a rate cap decide whether that opens an alert, repeats one, or is held back
-- (20261122100600). Rules are validated when written: SW001 naming the field.
create table public.alert_rules (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  name text not null,
  event_types text[] not null,
  conditions jsonb not null default '[]'::jsonb,
  severity text,
  severity_map jsonb,
  priority int,
  category text not null default 'operations',
  alert_type text,
  title_template text not null,
  description_template text,
  recommended_action_template text,
  dedup_key_template text,
  aggregation_window_minutes int,
  notify_every int,
  throttle_minutes int,
  max_alerts_per_hour int,
  channels text[] not null default '{}',
  notify_roles text[] not null default '{}',
  active boolean not null default true,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default private.now(),
  updated_at timestamptz not null default now()
);
comment on table public.alert_rules is
  'Per-tenant rules turning alert_events into alerts: event type patterns, payload conditions, severity (fixed or mapped), templates, dedup key, aggregation, throttling, rate cap and routing (channels, roles).';
comment on column public.alert_rules.event_types is 'Event type patterns: exact (quality.batch_failed), prefix wildcard (inventory.*, which does not match inventory itself) or *.';
comment on column public.alert_rules.conditions is 'JSON array of {path, op, value}, all of which must hold; ops eq, neq, gt, gte, lt, lte (numbers), in (array of scalars), exists (value true/false, default true), contains (substring, array element or sub-array, sub-object).';
comment on column public.alert_rules.severity is 'Fixed severity (low, medium, high, critical); exactly one of severity and severity_map is set.';
comment on column public.alert_rules.severity_map is 'Severity from the payload: {"path": "level", "map": {"warn": "medium", "fatal": "critical"}, "default": "low"}; an event whose value is not mapped and no default is rejected.';
comment on column public.alert_rules.priority is 'Alert priority 0-100; null = from severity.';
comment on column public.alert_rules.alert_type is 'alert_type of the raised alert; null = the event type, lowercased, other characters than a-z 0-9 _ . replaced by _.';
comment on column public.alert_rules.title_template is 'Alert title with placeholders ({{payload.path}}, {{event_type}}, {{source}}, {{dedup_key}}, {{event_id}}, {{occurred_at}}, {{payload}}); values are inserted as plain text, cut to 300 characters.';
comment on column public.alert_rules.dedup_key_template is 'Template of the alert''s dedup key; null = <alert_type>:<the event''s dedup_key, or its id>. Rules producing the same key share one alert.';
comment on column public.alert_rules.aggregation_window_minutes is 'Repeats of an open alert within this many minutes of the window''s first occurrence count towards one notification window; a repeat after it starts a new window (and notifies). null = one window for the alert''s whole open life.';
comment on column public.alert_rules.notify_every is 'Within a window, the first occurrence and every notify_every-th (occurrence % notify_every = 0) notify; null = only the first.';
comment on column public.alert_rules.throttle_minutes is 'After an alert with the same dedup key was resolved, a re-fire within this many minutes is throttled (no new alert).';
comment on column public.alert_rules.max_alerts_per_hour is 'At most this many new alerts from this rule in any hour; events that would open more are throttled. Repeats of open alerts are not limited.';
comment on column public.alert_rules.channels is 'Channels to notify on (email, sms, whatsapp, push, slack, discord, webhook, dashboard); empty = the tenant''s defaults.';
comment on column public.alert_rules.notify_roles is 'Member roles to notify (owner, manager, staff, viewer); empty = the tenant''s defaults.';

create index alert_rules_tenant_active on public.alert_rules (tenant_id) where active;

-- Raises SW001 naming the first invalid field. Security invoker: it only reads its argument.
create or replace function private.check_alert_rule(rule public.alert_rules)
returns void
language plpgsql
immutable
set search_path = ''
as $$
declare
  condition jsonb;
  position int := 0;
  op text;
  field text;
  template text;
  placeholder text;
  bad text;
begin
  if rule.tenant_id is null then
    raise exception 'Invalid alert rule: tenant_id is required' using errcode = 'SW001';
  end if;
  if rule.name is null or pg_catalog.length(pg_catalog.btrim(rule.name)) not between 1 and 200 then
    raise exception 'Invalid alert rule: name must be 1 to 200 characters' using errcode = 'SW001';
  end if;
  if rule.event_types is null or pg_catalog.cardinality(rule.event_types) not between 1 and 50 then
    raise exception 'Invalid alert rule: event_types must list 1 to 50 event type patterns' using errcode = 'SW001';
  end if;
  select t into bad from pg_catalog.unnest(rule.event_types) as t where not private.is_routing_pattern(t) limit 1;
  if found then
    raise exception 'Invalid alert rule: event_types entry "%" is not an event type (inventory.low_stock), a prefix wildcard (inventory.*) or *',
      coalesce(bad, 'null') using errcode = 'SW001';
  end if;

  if rule.conditions is null or pg_catalog.jsonb_typeof(rule.conditions) <> 'array' then
    raise exception 'Invalid alert rule: conditions must be a JSON array of {path, op, value}' using errcode = 'SW001';
  end if;
  if pg_catalog.jsonb_array_length(rule.conditions) > 50 then
    raise exception 'Invalid alert rule: conditions may hold at most 50 conditions' using errcode = 'SW001';
  end if;
  -- A loop over a handful of conditions of one rule, not over rows.
  for condition in select c from pg_catalog.jsonb_array_elements(rule.conditions) as c loop
    position := position + 1;
    field := pg_catalog.format('conditions[%s]', position);
    if pg_catalog.jsonb_typeof(condition) <> 'object' then
      raise exception 'Invalid alert rule: % must be an object {path, op, value}', field using errcode = 'SW001';
    end if;
    select k into bad from pg_catalog.jsonb_object_keys(condition) as k where k not in ('path', 'op', 'value') limit 1;
    if found then
      raise exception 'Invalid alert rule: %.% is not a condition field (path, op, value)', field, bad using errcode = 'SW001';
    end if;
    if pg_catalog.jsonb_typeof(condition -> 'path') is distinct from 'string' or not private.is_payload_path(condition ->> 'path') then
      raise exception 'Invalid alert rule: %.path must be a dotted payload path like temperature or batch.line (got %)',
        field, coalesce((condition -> 'path')::text, 'nothing') using errcode = 'SW001';
    end if;
    op := case when pg_catalog.jsonb_typeof(condition -> 'op') = 'string' then condition ->> 'op' end;
    if op is null or op not in ('eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'exists', 'contains') then
      raise exception 'Invalid alert rule: %.op must be one of eq, neq, gt, gte, lt, lte, in, exists, contains (got %)',
        field, coalesce((condition -> 'op')::text, 'nothing') using errcode = 'SW001';
    end if;
    if op in ('eq', 'neq', 'contains') and coalesce(pg_catalog.jsonb_typeof(condition -> 'value'), 'null') = 'null' then
      raise exception 'Invalid alert rule: %.value is required for % (use exists to test for a missing value)', field, op
        using errcode = 'SW001';
    elsif op in ('gt', 'gte', 'lt', 'lte') and pg_catalog.jsonb_typeof(condition -> 'value') is distinct from 'number' then
      raise exception 'Invalid alert rule: %.value must be a number for % (got %)', field, op,
        coalesce((condition -> 'value')::text, 'nothing') using errcode = 'SW001';
    elsif op = 'in' and (pg_catalog.jsonb_typeof(condition -> 'value') is distinct from 'array'
                         or pg_catalog.jsonb_array_length(condition -> 'value') not between 1 and 1000
                         or exists (select 1 from pg_catalog.jsonb_array_elements(condition -> 'value') as e
                                    where pg_catalog.jsonb_typeof(e) not in ('string', 'number', 'boolean'))) then
      raise exception 'Invalid alert rule: %.value must be an array of 1 to 1000 strings, numbers or booleans for in', field
        using errcode = 'SW001';
    elsif op = 'exists' and coalesce(pg_catalog.jsonb_typeof(condition -> 'value'), 'boolean') <> 'boolean' then
      raise exception 'Invalid alert rule: %.value must be true or false (or left out) for exists', field using errcode = 'SW001';
    end if;
  end loop;

  if (rule.severity is null) = (rule.severity_map is null) then
    raise exception 'Invalid alert rule: set exactly one of severity and severity_map' using errcode = 'SW001';
  end if;
  if rule.severity is not null and rule.severity not in ('low', 'medium', 'high', 'critical') then
    raise exception 'Invalid alert rule: severity must be low, medium, high or critical (got %)', rule.severity using errcode = 'SW001';
  end if;
  if rule.severity_map is not null then
    if pg_catalog.jsonb_typeof(rule.severity_map) <> 'object'
       or exists (select 1 from pg_catalog.jsonb_object_keys(rule.severity_map) as k where k not in ('path', 'map', 'default')) then
      raise exception 'Invalid alert rule: severity_map must be an object {path, map, default}' using errcode = 'SW001';
    end if;
    if pg_catalog.jsonb_typeof(rule.severity_map -> 'path') is distinct from 'string' or not private.is_payload_path(rule.severity_map ->> 'path') then
      raise exception 'Invalid alert rule: severity_map.path must be a dotted payload path like level' using errcode = 'SW001';
    end if;
    if pg_catalog.jsonb_typeof(rule.severity_map -> 'map') is distinct from 'object' or rule.severity_map -> 'map' = '{}'::jsonb
       or exists (select 1 from pg_catalog.jsonb_each(rule.severity_map -> 'map') as e
                  where e.value not in ('"low"', '"medium"', '"high"', '"critical"')) then
      raise exception 'Invalid alert rule: severity_map.map must map payload values to low, medium, high or critical' using errcode = 'SW001';
    end if;
    if rule.severity_map ? 'default' and rule.severity_map -> 'default' not in ('"low"', '"medium"', '"high"', '"critical"') then
      raise exception 'Invalid alert rule: severity_map.default must be low, medium, high or critical' using errcode = 'SW001';
    end if;
  end if;

  if rule.priority is not null and rule.priority not between 0 and 100 then
    raise exception 'Invalid alert rule: priority must be between 0 and 100 (got %)', rule.priority using errcode = 'SW001';
  end if;
  if rule.category is null or rule.category !~ '^[a-z][a-z0-9_]{0,31}$' then
    raise exception 'Invalid alert rule: category must be lowercase letters, digits and _ (got %)', coalesce(rule.category, 'null')
      using errcode = 'SW001';
  end if;
  if rule.alert_type is not null and rule.alert_type !~ '^[a-z][a-z0-9_.]{0,63}$' then
    raise exception 'Invalid alert rule: alert_type must be lowercase letters, digits, _ and . (got %)', rule.alert_type
      using errcode = 'SW001';
  end if;

  if rule.title_template is null or pg_catalog.btrim(rule.title_template) = '' then
    raise exception 'Invalid alert rule: title_template is required' using errcode = 'SW001';
  end if;
  foreach field in array array['title_template', 'description_template', 'recommended_action_template', 'dedup_key_template'] loop
    template := case field
      when 'title_template' then rule.title_template
      when 'description_template' then rule.description_template
      when 'recommended_action_template' then rule.recommended_action_template
      else rule.dedup_key_template
    end;
    if pg_catalog.length(template) > 2000 then
      raise exception 'Invalid alert rule: % must be at most 2000 characters (got %)', field, pg_catalog.length(template)
        using errcode = 'SW001';
    end if;
    select p into placeholder from private.template_placeholders(template) as p where not private.is_template_placeholder(p) limit 1;
    if found then
      raise exception 'Invalid alert rule: % uses an unknown placeholder {{%}} (known: payload.<path>, payload, event_type, source, dedup_key, event_id, occurred_at)',
        field, placeholder using errcode = 'SW001';
    end if;
  end loop;
  if rule.dedup_key_template is not null and pg_catalog.btrim(rule.dedup_key_template) = '' then
    raise exception 'Invalid alert rule: dedup_key_template must not be empty (leave it null for the default key)' using errcode = 'SW001';
  end if;

  if rule.aggregation_window_minutes is not null and rule.aggregation_window_minutes not between 1 and 10080 then
    raise exception 'Invalid alert rule: aggregation_window_minutes must be between 1 and 10080 (a week) (got %)', rule.aggregation_window_minutes
      using errcode = 'SW001';
  end if;
  if rule.notify_every is not null and rule.notify_every not between 1 and 1000000 then
    raise exception 'Invalid alert rule: notify_every must be between 1 and 1000000 (got %)', rule.notify_every using errcode = 'SW001';
  end if;
  if rule.throttle_minutes is not null and rule.throttle_minutes not between 1 and 10080 then
    raise exception 'Invalid alert rule: throttle_minutes must be between 1 and 10080 (a week) (got %)', rule.throttle_minutes
      using errcode = 'SW001';
  end if;
  if rule.max_alerts_per_hour is not null and rule.max_alerts_per_hour not between 1 and 100000 then
    raise exception 'Invalid alert rule: max_alerts_per_hour must be between 1 and 100000 (got %)', rule.max_alerts_per_hour
      using errcode = 'SW001';
  end if;

  select c into bad from pg_catalog.unnest(rule.channels) as c
  where c is null or c not in ('email', 'sms', 'whatsapp', 'push', 'slack', 'discord', 'webhook', 'dashboard') limit 1;
  if found or rule.channels is null then
    raise exception 'Invalid alert rule: channels may only name email, sms, whatsapp, push, slack, discord, webhook or dashboard (got %)',
      coalesce(bad, 'null') using errcode = 'SW001';
  end if;
  select r into bad from pg_catalog.unnest(rule.notify_roles) as r
  where r is null or r not in ('owner', 'manager', 'staff', 'viewer') limit 1;
  if found or rule.notify_roles is null then
    raise exception 'Invalid alert rule: notify_roles may only name owner, manager, staff or viewer (got %)', coalesce(bad, 'null')
      using errcode = 'SW001';
  end if;
  if rule.active is null then
    raise exception 'Invalid alert rule: active must be true or false' using errcode = 'SW001';
  end if;
end;
$$;
comment on function private.check_alert_rule(public.alert_rules) is
  'Validates a rule (on write, and the dry run''s rule): raises SW001 "Invalid alert rule: <field> ..." for the first invalid field.';

create or replace function private.tg_alert_rules__validate()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform private.check_alert_rule(new);
  return new;
end;
$$;
comment on function private.tg_alert_rules__validate() is 'Before insert/update: rejects an invalid rule with SW001 naming the field.';
create trigger _100_validate before insert or update on public.alert_rules
  for each row execute function private.tg_alert_rules__validate();
create trigger _900_set_updated_at before update on public.alert_rules
  for each row execute function private.tg_set_updated_at();

revoke all on function private.check_alert_rule(public.alert_rules), private.tg_alert_rules__validate() from public;
-- The validation trigger runs as the member who writes the rule, and the dry run validates too.
grant execute on function private.check_alert_rule(public.alert_rules) to authenticated, service_role;

alter table public.alert_rules enable row level security;
revoke all on public.alert_rules from anon, authenticated;
grant select, delete on public.alert_rules to authenticated;
-- created_by is the writer (auth.uid()), never given by the client.
grant insert (id, tenant_id, name, event_types, conditions, severity, severity_map, priority, category, alert_type, title_template,
  description_template, recommended_action_template, dedup_key_template, aggregation_window_minutes, notify_every,
  throttle_minutes, max_alerts_per_hour, channels, notify_roles, active) on public.alert_rules to authenticated;
grant update (name, event_types, conditions, severity, severity_map, priority, category, alert_type, title_template,
  description_template, recommended_action_template, dedup_key_template, aggregation_window_minutes, notify_every,
  throttle_minutes, max_alerts_per_hour, channels, notify_roles, active) on public.alert_rules to authenticated;
grant all on public.alert_rules to service_role;

create policy alert_rules_select on public.alert_rules for select to authenticated
  using (private.has_role(tenant_id, 'viewer'));
comment on policy alert_rules_select on public.alert_rules is 'Members (any role) see why alerts fire: their tenant''s rules.';
create policy alert_rules_insert on public.alert_rules for insert to authenticated
  with check (private.has_role(tenant_id, 'manager'));
comment on policy alert_rules_insert on public.alert_rules is 'Managers and owners write rules (DESIGN: a manager also edits rules); staff and viewers do not.';
create policy alert_rules_update on public.alert_rules for update to authenticated
  using (private.has_role(tenant_id, 'manager')) with check (private.has_role(tenant_id, 'manager'));
comment on policy alert_rules_update on public.alert_rules is 'Managers and owners edit their tenant''s rules.';
create policy alert_rules_delete on public.alert_rules for delete to authenticated
  using (private.has_role(tenant_id, 'manager'));
comment on policy alert_rules_delete on public.alert_rules is 'Managers and owners delete their tenant''s rules; events keep the rule''s id.';
