-- Stock overview: the dashboard's stock view lists every store x product of the caller's tenant
-- with its stock position. private.stock_positions() reads the scoring thresholds from
-- tenants.settings, which members may not select, so it cannot run under their role; this
-- function runs it as its owner, for the caller's own tenant only (a service names the tenant).
create or replace function public.stock_overview(tenant uuid default null)
returns setof private.stock_position
language plpgsql
stable
security definer -- thresholds live in tenants.settings, which members may not read; only the caller's own tenant is computed
set search_path = ''
as $$
declare
  target uuid;
begin
  if auth.role() = 'service_role' then
    target := tenant;
  elsif tenant is null or tenant = private.jwt_tenant_id() then
    if private.has_role(private.jwt_tenant_id(), 'viewer') then
      target := private.jwt_tenant_id();
    end if;
  end if;
  if target is null then
    return;
  end if;
  return query select * from private.stock_positions(target);
end;
$$;
comment on function public.stock_overview(uuid) is 'Stock positions (on hand, demand, days of cover, inbound, reorder) of every store x product of the caller''s tenant (members of any role), or of the tenant a service-role caller names; nothing for anyone else.';

-- anon gets execute on new public functions by default privileges; anonymous callers never have a
-- tenant, so they may not call it at all.
revoke all on function public.stock_overview(uuid) from public, anon;
grant execute on function public.stock_overview(uuid) to authenticated, service_role;
