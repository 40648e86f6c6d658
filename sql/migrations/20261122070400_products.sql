-- Products: optional catalogue data that makes alerts readable (names, images, categories).
-- Inventory does not require a product row: an unknown product_id is shown as its id.
create table public.products (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  id text not null constraint products_id_format check (id ~ '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$'),
  name text not null constraint products_name_present check (length(btrim(name)) between 1 and 300),
  category text,
  unit text not null default 'unit',
  image_url text constraint products_image_url_web check (image_url is null or image_url ~ '^https?://'),
  perishable boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
comment on table public.products is 'A tenant''s product catalogue: display name, category, unit and image for alerts.';

create trigger _900_set_updated_at before update on public.products
  for each row execute function private.tg_set_updated_at();

alter table public.products enable row level security;
revoke all on public.products from anon, authenticated;
grant select, insert, update, delete on public.products to authenticated;
grant all on public.products to service_role;

create policy products_select on public.products for select to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'viewer')));
comment on policy products_select on public.products is 'Members see their tenant''s catalogue.';
create policy products_insert on public.products for insert to authenticated
  with check (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy products_insert on public.products is 'Managers and owners maintain the catalogue.';
create policy products_update on public.products for update to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager'))) with check (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy products_update on public.products is 'Managers and owners maintain the catalogue.';
create policy products_delete on public.products for delete to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy products_delete on public.products is 'Managers and owners maintain the catalogue.';
