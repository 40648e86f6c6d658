-- Dry run: "which recent events would this rule have matched?" public.test_rule evaluates a rule
-- given as JSON (the shape of an alert_rules row, not saved) against the caller's tenant's events
-- since a time, with the same validation (SW001 naming the field), event type matching and
-- evaluation (private.evaluate_rule) as processing. It writes nothing (it is stable, so it
-- cannot) and reads events as the caller, under RLS.
--
-- Who may call it: managers and owners, for the tenant in their token (a tenant_id in the rule is
-- ignored for them); a service (service_role claims, or a direct SQL session without claims)
-- names the tenant with the rule's tenant_id. Checks run in the lifecycle functions' order:
-- SW005 not a member, SW003 role too low, then SW001 invalid rule.
--
-- It returns the events whose type the rule's event_types match (newest first): matched is true
-- when the conditions hold and an alert would render (title and severity are then given); false
-- for events the conditions turn down or that the rule could not render an alert from.
create or replace function private.alert_rule_from_json(rule jsonb, tenant uuid)
returns public.alert_rules
language plpgsql
stable
set search_path = ''
as $$
declare
  candidate public.alert_rules;
begin
  if rule is null or pg_catalog.jsonb_typeof(rule) <> 'object' then
    raise exception 'Invalid alert rule: the rule must be a JSON object' using errcode = 'SW001';
  end if;
  begin
    candidate := pg_catalog.jsonb_populate_record(null::public.alert_rules, rule);
  exception when others then
    raise exception 'Invalid alert rule: %', sqlerrm using errcode = 'SW001';
  end;
  candidate.id := coalesce(candidate.id, '00000000-0000-0000-0000-000000000000');
  candidate.tenant_id := tenant;
  candidate.name := coalesce(candidate.name, 'dry run');
  candidate.conditions := coalesce(candidate.conditions, '[]'::jsonb);
  candidate.category := coalesce(candidate.category, 'operations');
  candidate.channels := coalesce(candidate.channels, '{}');
  candidate.notify_roles := coalesce(candidate.notify_roles, '{}');
  candidate.active := coalesce(candidate.active, true);
  perform private.check_alert_rule(candidate);
  return candidate;
end;
$$;
comment on function private.alert_rule_from_json(jsonb, uuid) is
  'An unsaved alert rule from its JSON (alert_rules columns) for a tenant, with the table''s defaults filled in and validated (SW001 naming the field).';

create or replace function public.test_rule(rule jsonb, since timestamptz default private.now() - interval '7 days')
returns table (event_id uuid, matched boolean, title text, severity text)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  tenant uuid;
  caller_role text;
  candidate public.alert_rules;
begin
  if auth.role() is null or auth.role() = 'service_role' then
    tenant := case when rule ->> 'tenant_id' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                   then (rule ->> 'tenant_id')::uuid end;
    if tenant is null then
      raise exception 'Invalid alert rule: tenant_id is required (a uuid) when a service tests a rule' using errcode = 'SW001';
    end if;
  else
    tenant := private.jwt_tenant_id();
    caller_role := private.member_role(tenant);
    if caller_role is null then
      raise exception 'Cannot test a rule: the caller is not an active member of the tenant named in their token'
        using errcode = 'SW005', hint = 'Sign in with a token whose app_metadata.tenant_id names a tenant you belong to.';
    end if;
    if private.role_rank(caller_role) < private.role_rank('manager') then
      raise exception 'Cannot test a rule: needs the manager role or above (the caller is %)', caller_role using errcode = 'SW003';
    end if;
  end if;
  if since is null then
    raise exception 'Cannot test a rule: since is required' using errcode = 'SW001';
  end if;
  candidate := private.alert_rule_from_json(rule, tenant);
  return query
    select e.id, v.outcome = 'matched', v.title, v.severity
    from public.alert_events as e
    cross join lateral private.evaluate_rule(candidate, e) as v
    where e.tenant_id = tenant
      and e.occurred_at >= since
      and candidate.event_types && private.routing_keys(e.event_type)
    order by e.occurred_at desc, e.id;
end;
$$;
comment on function public.test_rule(jsonb, timestamptz) is
  'Dry run of an unsaved rule (JSON in the shape of alert_rules) against the tenant''s events since a time (default 7 days): for each event of a matching type, whether the rule matches and the title and severity it would raise. Writes nothing. Managers and owners, or a service naming tenant_id.';

revoke all on function private.alert_rule_from_json(jsonb, uuid) from public;
grant execute on function private.alert_rule_from_json(jsonb, uuid) to authenticated, service_role;
revoke all on function public.test_rule(jsonb, timestamptz) from public, anon;
grant execute on function public.test_rule(jsonb, timestamptz) to authenticated, service_role;
