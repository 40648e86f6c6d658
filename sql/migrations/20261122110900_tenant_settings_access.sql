-- Tenant settings now hold secrets (Slack/Discord/webhook URLs carry their tokens), so members no
-- longer read tenants.settings directly: they call public.tenant_settings(), which shows owners
-- everything and everyone else the settings with each destination URL redacted. Owners still
-- write settings with UPDATE (column grant unchanged).
revoke select on public.tenants from authenticated;
grant select (id, name, timezone, created_at, updated_at) on public.tenants to authenticated;

create or replace function private.redact_settings(settings jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select case
    when pg_catalog.jsonb_typeof(settings -> 'notifications' -> 'webhooks') = 'array' then
      pg_catalog.jsonb_set(settings, '{notifications,webhooks}', coalesce((
        select pg_catalog.jsonb_agg(case when pg_catalog.jsonb_typeof(w) = 'object' and w ? 'url'
                                         then w || '{"url": "[redacted]"}'::jsonb else w end order by ordinality)
        from pg_catalog.jsonb_array_elements(settings -> 'notifications' -> 'webhooks') with ordinality as e (w, ordinality)
      ), '[]'::jsonb))
    else settings
  end
$$;
comment on function private.redact_settings(jsonb) is 'Tenant settings with every notification destination URL replaced by [redacted].';

-- security definer: members have no SELECT on tenants.settings; this reads it for them and
-- decides what they may see.
create or replace function public.tenant_settings(tenant_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  settings jsonb;
begin
  if auth.role() is not null and auth.role() <> 'service_role' and not private.has_role(tenant_settings.tenant_id, 'viewer') then
    raise exception 'Cannot read the settings of tenant %: not a member', tenant_settings.tenant_id using errcode = 'SW005';
  end if;
  select t.settings into settings from public.tenants as t where t.id = tenant_settings.tenant_id;
  if not found then
    raise exception 'Tenant % not found', tenant_settings.tenant_id using errcode = 'SW002';
  end if;
  if auth.role() is null or auth.role() = 'service_role' or private.has_role(tenant_settings.tenant_id, 'owner') then
    return settings;
  end if;
  return private.redact_settings(settings);
end;
$$;
comment on function public.tenant_settings(uuid) is 'A tenant''s settings: whole for owners and services, with destination URLs redacted for other members.';

revoke all on function private.redact_settings(jsonb), public.tenant_settings(uuid) from public, anon;
grant execute on function public.tenant_settings(uuid) to authenticated, service_role;
