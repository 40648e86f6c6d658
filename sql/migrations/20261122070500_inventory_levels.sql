-- Inventory levels: what each store holds of each product, upserted by other systems (POS,
-- ERP, a nightly export) with plain SQL. Every write is scored for stockout risk at once.
create table public.inventory_levels (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  store_id text not null constraint inventory_levels_store_id_present check (length(store_id) between 1 and 64),
  product_id text not null constraint inventory_levels_product_id_present check (length(product_id) between 1 and 128),
  on_hand numeric not null,
  reorder_point numeric not null default 0 constraint inventory_levels_reorder_point_nonnegative check (reorder_point >= 0),
  lead_time_days numeric not null default 0 constraint inventory_levels_lead_time_nonnegative check (lead_time_days >= 0),
  on_order numeric not null default 0 constraint inventory_levels_on_order_nonnegative check (on_order >= 0),
  unit_cost numeric constraint inventory_levels_unit_cost_nonnegative check (unit_cost >= 0),
  unit_price numeric constraint inventory_levels_unit_price_nonnegative check (unit_price >= 0),
  safety_stock_days numeric constraint inventory_levels_safety_days_nonnegative check (safety_stock_days >= 0),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, store_id, product_id)
);
comment on table public.inventory_levels is 'Stock per store x product. Other systems upsert it (insert ... on conflict (tenant_id, store_id, product_id) do update). on_hand may be negative when a feed oversells; scoring treats that as empty.';
comment on column public.inventory_levels.on_order is 'Quantity ordered but not yet received, when the feed knows it without dated inbound orders.';
comment on column public.inventory_levels.safety_stock_days is 'Extra days of cover to keep on top of the lead time; null = the tenant''s default.';
comment on column public.inventory_levels.updated_at is 'When the feed last wrote this row (set on every write); a feed that stops writing raises data_stale.';

create trigger _900_set_updated_at before update on public.inventory_levels
  for each row execute function private.tg_set_updated_at();

alter table public.inventory_levels enable row level security;
revoke all on public.inventory_levels from anon, authenticated;
grant select, insert, update, delete on public.inventory_levels to authenticated;
grant all on public.inventory_levels to service_role;

create policy inventory_levels_select on public.inventory_levels for select to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'viewer')));
comment on policy inventory_levels_select on public.inventory_levels is 'Members read their tenant''s inventory.';
create policy inventory_levels_insert on public.inventory_levels for insert to authenticated
  with check (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy inventory_levels_insert on public.inventory_levels is 'Managers and owners may correct inventory by hand; feeds write as service_role.';
create policy inventory_levels_update on public.inventory_levels for update to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager'))) with check (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy inventory_levels_update on public.inventory_levels is 'Managers and owners may correct inventory by hand; feeds write as service_role.';
create policy inventory_levels_delete on public.inventory_levels for delete to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy inventory_levels_delete on public.inventory_levels is 'Managers and owners may correct inventory by hand; feeds write as service_role.';
