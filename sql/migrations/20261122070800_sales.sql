-- Sales: actual units sold per store x product x day (optional). Where there is no forecast,
-- recent sales velocity stands in for demand; against a forecast it reveals anomalies and
-- forecast error.
create table public.sales (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  store_id text not null constraint sales_store_id_present check (length(store_id) between 1 and 64),
  product_id text not null constraint sales_product_id_present check (length(product_id) between 1 and 128),
  sales_date date not null,
  quantity numeric not null constraint sales_quantity_nonnegative check (quantity >= 0),
  revenue numeric constraint sales_revenue_nonnegative check (revenue >= 0),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, store_id, product_id, sales_date)
);
comment on table public.sales is 'Daily units sold per store x product. Other systems upsert the day''s total on the primary key.';

create trigger _900_set_updated_at before update on public.sales
  for each row execute function private.tg_set_updated_at();

alter table public.sales enable row level security;
revoke all on public.sales from anon, authenticated;
grant select, insert, update, delete on public.sales to authenticated;
grant all on public.sales to service_role;

create policy sales_select on public.sales for select to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'viewer')));
comment on policy sales_select on public.sales is 'Members read their tenant''s sales.';
create policy sales_insert on public.sales for insert to authenticated
  with check (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy sales_insert on public.sales is 'Managers and owners may correct sales by hand; feeds write as service_role.';
create policy sales_update on public.sales for update to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager'))) with check (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy sales_update on public.sales is 'Managers and owners may correct sales by hand; feeds write as service_role.';
create policy sales_delete on public.sales for delete to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy sales_delete on public.sales is 'Managers and owners may correct sales by hand; feeds write as service_role.';
