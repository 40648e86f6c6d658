-- Demand forecasts: expected sales per store x product x day, from the tenant's forecasting
-- system. Scoring turns them into days of cover.
create table public.demand_forecasts (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  store_id text not null constraint demand_forecasts_store_id_present check (length(store_id) between 1 and 64),
  product_id text not null constraint demand_forecasts_product_id_present check (length(product_id) between 1 and 128),
  forecast_date date not null,
  forecasted_demand numeric not null constraint demand_forecasts_demand_nonnegative check (forecasted_demand >= 0),
  lower_bound numeric constraint demand_forecasts_lower_bound_nonnegative check (lower_bound >= 0),
  upper_bound numeric constraint demand_forecasts_bounds_ordered check (upper_bound >= coalesce(lower_bound, 0)),
  model text,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, store_id, product_id, forecast_date)
);
comment on table public.demand_forecasts is 'Forecast units sold per store x product x day. Other systems upsert it on the primary key.';

create trigger _900_set_updated_at before update on public.demand_forecasts
  for each row execute function private.tg_set_updated_at();

alter table public.demand_forecasts enable row level security;
revoke all on public.demand_forecasts from anon, authenticated;
grant select, insert, update, delete on public.demand_forecasts to authenticated;
grant all on public.demand_forecasts to service_role;

create policy demand_forecasts_select on public.demand_forecasts for select to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'viewer')));
comment on policy demand_forecasts_select on public.demand_forecasts is 'Members read their tenant''s forecasts.';
create policy demand_forecasts_insert on public.demand_forecasts for insert to authenticated
  with check (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy demand_forecasts_insert on public.demand_forecasts is 'Managers and owners may correct forecasts by hand; feeds write as service_role.';
create policy demand_forecasts_update on public.demand_forecasts for update to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager'))) with check (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy demand_forecasts_update on public.demand_forecasts is 'Managers and owners may correct forecasts by hand; feeds write as service_role.';
create policy demand_forecasts_delete on public.demand_forecasts for delete to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'manager')));
comment on policy demand_forecasts_delete on public.demand_forecasts is 'Managers and owners may correct forecasts by hand; feeds write as service_role.';
