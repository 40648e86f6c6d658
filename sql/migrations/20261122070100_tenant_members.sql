-- Tenant members: who belongs to a tenant (user_id = the JWT's sub), their role, how to reach
-- them, what they consented to and which stores they look after.
create table public.tenant_members (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  user_id uuid not null,
  role text not null default 'viewer' constraint tenant_members_role_valid check (role in ('owner', 'manager', 'staff', 'viewer')),
  display_name text not null default '' constraint tenant_members_display_name_length check (length(display_name) <= 200),
  email text constraint tenant_members_email_format check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  phone text constraint tenant_members_phone_e164 check (phone ~ '^\+[1-9][0-9]{6,14}$'),
  whatsapp text constraint tenant_members_whatsapp_e164 check (whatsapp ~ '^\+[1-9][0-9]{6,14}$'),
  language text not null default 'en' constraint tenant_members_language_tag check (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
  timezone text constraint tenant_members_timezone_valid check (timezone is null or private.is_valid_time_zone(timezone)),
  -- Store scope: null = every store of the tenant; otherwise only these store ids.
  store_ids text[],
  -- Consent per channel: nothing is sent on a channel the member has not agreed to.
  email_consent boolean not null default true,
  sms_consent boolean not null default false,
  whatsapp_consent boolean not null default false,
  push_consent boolean not null default false,
  phone_verified_at timestamptz,
  whatsapp_verified_at timestamptz,
  -- Preferences: channels per severity, quiet hours, digest, rate limits (validated by the API).
  preferences jsonb not null default '{}'::jsonb constraint tenant_members_preferences_object check (jsonb_typeof(preferences) = 'object'),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, user_id)
);
comment on table public.tenant_members is 'Members of a tenant: role (owner > manager > staff > viewer), contact points, per-channel consent, store scope and notification preferences.';
comment on column public.tenant_members.user_id is 'The member''s user id: the sub claim of their JWT (auth.users.id on hosted Supabase).';
create index tenant_members_user_idx on public.tenant_members (user_id);

create or replace function private.role_rank(role text)
returns int
language sql
immutable
set search_path = ''
as $$
  select case role when 'viewer' then 1 when 'staff' then 2 when 'manager' then 3 when 'owner' then 4 else 0 end
$$;
comment on function private.role_rank(text) is 'Orders member roles: viewer 1 < staff 2 < manager 3 < owner 4; anything else 0.';

create or replace function private.jwt_tenant_id()
returns uuid
language sql
stable
set search_path = ''
as $$
  -- app_metadata is set server-side; user_metadata is writable by users and never trusted.
  select case when t ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then t::uuid end
  from (select auth.jwt() -> 'app_metadata' ->> 'tenant_id' as t) as claim
$$;
comment on function private.jwt_tenant_id() is 'The tenant named by the caller''s JWT (app_metadata.tenant_id), or null.';

-- security definer: RLS policies on tenant_members itself call this, so it must read the table
-- without going through those policies (or it would recurse). It only ever returns the role of
-- the calling user (auth.uid()) in the tenant named by their own JWT.
create or replace function private.member_role(tenant uuid)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select m.role
  from public.tenant_members as m
  where m.tenant_id = tenant
    and tenant = private.jwt_tenant_id()
    and m.user_id = auth.uid()
    and m.active
$$;
comment on function private.member_role(uuid) is 'The calling user''s role in this tenant, if the tenant is the one in their JWT and they are an active member; else null.';

create or replace function private.has_role(tenant uuid, minimum text)
returns boolean
language sql
stable
set search_path = ''
as $$
  -- An unknown or null minimum ranks 0 and must not let everyone through.
  select coalesce(private.role_rank(minimum) > 0
                  and private.role_rank(private.member_role(tenant)) >= private.role_rank(minimum), false)
$$;
comment on function private.has_role(uuid, text) is 'Does the caller hold at least this role in this tenant? (viewer < staff < manager < owner)';

revoke all on function private.is_valid_time_zone(text), private.role_rank(text), private.jwt_tenant_id(),
  private.member_role(uuid), private.has_role(uuid, text) from public;
grant usage on schema private to authenticated;
grant execute on function private.is_valid_time_zone(text), private.role_rank(text), private.jwt_tenant_id(),
  private.member_role(uuid), private.has_role(uuid, text) to authenticated, service_role;

alter table public.tenant_members enable row level security;
revoke all on public.tenant_members from anon, authenticated;
grant select, delete on public.tenant_members to authenticated;
-- Verification timestamps are set by the system (the phone-verification flow), never by members.
grant insert (tenant_id, user_id, role, display_name, email, phone, whatsapp, language, timezone, store_ids,
  email_consent, sms_consent, whatsapp_consent, push_consent, preferences, active) on public.tenant_members to authenticated;
grant update (role, display_name, email, phone, whatsapp, language, timezone, store_ids, email_consent,
  sms_consent, whatsapp_consent, push_consent, preferences, active) on public.tenant_members to authenticated;
grant all on public.tenant_members to service_role;

create policy tenant_members_select on public.tenant_members for select to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'viewer')));
comment on policy tenant_members_select on public.tenant_members is 'Members see who else is in their tenant (to route and hand over alerts).';
create policy tenant_members_insert on public.tenant_members for insert to authenticated
  with check (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'owner')));
comment on policy tenant_members_insert on public.tenant_members is 'Only owners add members.';
create policy tenant_members_update_by_owner on public.tenant_members for update to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'owner'))) with check (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'owner')));
comment on policy tenant_members_update_by_owner on public.tenant_members is 'Owners manage every member, roles included.';
create policy tenant_members_update_self on public.tenant_members for update to authenticated
  using (user_id = (select auth.uid()) and tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'viewer')))
  with check (user_id = (select auth.uid()) and role = private.member_role(tenant_id));
comment on policy tenant_members_update_self on public.tenant_members is 'Members edit their own contact points and preferences, but cannot change their own role.';
create policy tenant_members_delete on public.tenant_members for delete to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'owner')));
comment on policy tenant_members_delete on public.tenant_members is 'Only owners remove members.';

-- Now that membership exists, tenants can be read by their members and configured by owners.
create policy tenants_select on public.tenants for select to authenticated
  using (id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'viewer')));
comment on policy tenants_select on public.tenants is 'Members read their own tenant.';
create policy tenants_update on public.tenants for update to authenticated
  using (id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'owner'))) with check (id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'owner')));
comment on policy tenants_update on public.tenants is 'Only owners change the tenant''s name, time zone and settings.';

-- A member editing their own row may change how to reach them and their preferences, not their
-- scope or standing; and a changed phone number must be verified again before it gets alerts.
create or replace function private.tg_tenant_members__guard_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user = 'authenticated' and not private.has_role(old.tenant_id, 'owner')
     and (new.role, new.store_ids, new.active) is distinct from (old.role, old.store_ids, old.active) then
    raise exception 'Only an owner can change a member''s role, store scope or active flag'
      using errcode = 'SW003', hint = 'Ask an owner of the tenant.';
  end if;
  if new.phone is distinct from old.phone then
    new.phone_verified_at := null;
  end if;
  if new.whatsapp is distinct from old.whatsapp then
    new.whatsapp_verified_at := null;
  end if;
  new.updated_at := private.now();
  return new;
end;
$$;
comment on function private.tg_tenant_members__guard_update() is 'Keeps members from widening their own scope or role, and voids phone verification when the number changes.';
create trigger _100_guard_update before update on public.tenant_members
  for each row execute function private.tg_tenant_members__guard_update();

-- A tenant must always keep an active owner, or nobody could configure it again.
create or replace function private.tg_tenant_members__keep_an_owner()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.role = 'owner' and old.active
     and (tg_op = 'DELETE' or new.role <> 'owner' or not new.active)
     and not exists (
       select 1 from public.tenant_members as m
       where m.tenant_id = old.tenant_id and m.user_id <> old.user_id and m.role = 'owner' and m.active)
     and exists (select 1 from public.tenants as t where t.id = old.tenant_id) then
    raise exception 'Cannot remove or demote the last owner of tenant %', old.tenant_id
      using errcode = 'SW004', hint = 'Make another member an owner first.';
  end if;
  return coalesce(new, old);
end;
$$;
comment on function private.tg_tenant_members__keep_an_owner() is 'Refuses (SW004) to delete, demote or deactivate a tenant''s last active owner.';
create trigger _200_keep_an_owner before update or delete on public.tenant_members
  for each row execute function private.tg_tenant_members__keep_an_owner();
