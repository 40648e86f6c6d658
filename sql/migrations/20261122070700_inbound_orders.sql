-- Inbound orders: stock on its way, with when it arrives, so a stockout already covered by a
-- delivery before it happens is not alerted.
create table public.inbound_orders (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  external_id text constraint inbound_orders_external_id_length check (length(external_id) between 1 and 128),
  store_id text not null constraint inbound_orders_store_id_present check (length(store_id) between 1 and 64),
  product_id text not null constraint inbound_orders_product_id_present check (length(product_id) between 1 and 128),
  quantity numeric not null constraint inbound_orders_quantity_positive check (quantity > 0),
  expected_at timestamptz not null,
  status text not null default 'open' constraint inbound_orders_status_valid check (status in ('open', 'received', 'cancelled')),
  supplier text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint inbound_orders_external_id_unique unique (tenant_id, external_id)
);
comment on table public.inbound_orders is 'Purchase orders / transfers on their way: quantity per store x product and expected arrival. Only open ones count. Upsert on (tenant_id, external_id) with the supplier''s order line id.';
create index inbound_orders_open_idx on public.inbound_orders (tenant_id, store_id, product_id, expected_at)
  where status = 'open';

create trigger _900_set_updated_at before update on public.inbound_orders
  for each row execute function private.tg_set_updated_at();

alter table public.inbound_orders enable row level security;
revoke all on public.inbound_orders from anon, authenticated;
grant select, insert, update, delete on public.inbound_orders to authenticated;
grant all on public.inbound_orders to service_role;

create policy inbound_orders_select on public.inbound_orders for select to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'viewer')));
comment on policy inbound_orders_select on public.inbound_orders is 'Members read their tenant''s inbound orders.';
create policy inbound_orders_insert on public.inbound_orders for insert to authenticated
  with check (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy inbound_orders_insert on public.inbound_orders is 'Managers and owners may correct inbound orders by hand; feeds write as service_role.';
create policy inbound_orders_update on public.inbound_orders for update to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager'))) with check (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy inbound_orders_update on public.inbound_orders is 'Managers and owners may correct inbound orders by hand; feeds write as service_role.';
create policy inbound_orders_delete on public.inbound_orders for delete to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy inbound_orders_delete on public.inbound_orders is 'Managers and owners may correct inbound orders by hand; feeds write as service_role.';
