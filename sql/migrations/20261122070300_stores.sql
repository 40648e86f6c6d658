-- Stores: where stock sits. Quiet hours and digests use the store's time zone when it has one.
create table public.stores (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  id text not null constraint stores_id_format check (id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
  name text not null constraint stores_name_present check (length(btrim(name)) between 1 and 200),
  timezone text constraint stores_timezone_valid check (timezone is null or private.is_valid_time_zone(timezone)),
  -- {"mon": [["07:00","19:00"]], ..., "sun": []}: when the store is open, in its own time zone.
  opening_hours jsonb not null default '{}'::jsonb constraint stores_opening_hours_object check (jsonb_typeof(opening_hours) = 'object'),
  address text,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
comment on table public.stores is 'A tenant''s stores (or warehouses). id is the tenant''s own store code, as other systems use it.';

create trigger _900_set_updated_at before update on public.stores
  for each row execute function private.tg_set_updated_at();

alter table public.stores enable row level security;
revoke all on public.stores from anon, authenticated;
grant select, insert, update, delete on public.stores to authenticated;
grant all on public.stores to service_role;

create policy stores_select on public.stores for select to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'viewer')));
comment on policy stores_select on public.stores is 'Members see their tenant''s stores.';
create policy stores_insert on public.stores for insert to authenticated
  with check (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'owner')));
comment on policy stores_insert on public.stores is 'Owners configure stores.';
create policy stores_update on public.stores for update to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'owner'))) with check (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'owner')));
comment on policy stores_update on public.stores is 'Owners configure stores.';
create policy stores_delete on public.stores for delete to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'owner')));
comment on policy stores_delete on public.stores is 'Owners configure stores.';
