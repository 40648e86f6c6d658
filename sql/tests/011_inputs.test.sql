-- pgTAP tests for the input tables other systems and members write: stores, products,
-- inventory_levels, demand_forecasts, inbound_orders and sales. Who may read and write them per
-- role, tenant isolation, service_role feeds (upserts), check constraints and the tenant cascade.
-- Most assertions are table-driven over the temp table `cases` (one row per table).
-- Everything runs in one transaction that is rolled back.
begin;
set local search_path = extensions, public;

select plan(194);

-- ------------------------------------------------------------------ fixtures
-- Ids live in a temp table (no psql variables: the Supabase CLI runs these files too).
create temp table ids as
with t as materialized (
  select tests.create_tenant('Alpha Bakery', 'Europe/Berlin') as tenant_a,
         tests.create_tenant('Beta Grocer', 'America/New_York') as tenant_b
)
select t.tenant_a, t.tenant_b,
       tests.create_member(t.tenant_a, 'owner') as a_owner,
       tests.create_member(t.tenant_a, 'manager') as a_manager,
       tests.create_member(t.tenant_a, 'staff') as a_staff,
       tests.create_member(t.tenant_a, 'viewer') as a_viewer,
       tests.create_member(t.tenant_b, 'owner') as b_owner,
       tests.create_member(t.tenant_b, 'viewer') as b_viewer
from t;
grant select on ids to authenticated, service_role;

-- Two rows per table for A, one for B (written as the superuser, bypassing RLS).
insert into public.stores (tenant_id, id, name)
select tenant_a, 'a-1', 'Alpha Mitte' from ids union all
select tenant_a, 'a-2', 'Alpha Nord' from ids union all
select tenant_b, 'b-1', 'Beta Main St' from ids;

insert into public.products (tenant_id, id, name, perishable)
select tenant_a, 'bread', 'Sourdough loaf', true from ids union all
select tenant_a, 'milk', 'Whole milk 1l', true from ids union all
select tenant_b, 'apples', 'Apples 1kg', true from ids;

-- A's first row gets an old updated_at, to see the feed's upsert stamp a new one.
insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand, reorder_point, lead_time_days, updated_at)
select tenant_a, 'a-1', 'bread', 10, 3, 1, '2020-01-01 00:00+00'::timestamptz from ids union all
select tenant_a, 'a-2', 'milk', 5, 2, 2, now() from ids union all
select tenant_b, 'b-1', 'apples', 7, 4, 1, now() from ids;

insert into public.demand_forecasts (tenant_id, store_id, product_id, forecast_date, forecasted_demand, lower_bound, upper_bound)
select tenant_a, 'a-1', 'bread', date '2026-12-01', 4, 2, 6 from ids union all
select tenant_a, 'a-1', 'bread', date '2026-12-02', 5, 3, 7 from ids union all
select tenant_b, 'b-1', 'apples', date '2026-12-01', 3, null, null from ids;

insert into public.inbound_orders (tenant_id, external_id, store_id, product_id, quantity, expected_at)
select tenant_a, 'po-a-1', 'a-1', 'bread', 20, '2026-12-03 06:00+01'::timestamptz from ids union all
select tenant_a, 'po-a-2', 'a-2', 'milk', 12, '2026-12-04 06:00+01'::timestamptz from ids union all
select tenant_b, 'po-b-1', 'b-1', 'apples', 30, '2026-12-03 08:00-05'::timestamptz from ids;

insert into public.sales (tenant_id, store_id, product_id, sales_date, quantity, revenue)
select tenant_a, 'a-1', 'bread', date '2026-11-20', 3, 12 from ids union all
select tenant_a, 'a-1', 'bread', date '2026-11-21', 4, 16 from ids union all
select tenant_b, 'b-1', 'apples', date '2026-11-20', 2, 5 from ids;

-- One row per table under test:
--   writer    the least role that may write it (stores: owner; the rest: manager)
--   ins       an insert of one row, format() template: %1$L = tenant id, %2$L = the row's key
--   keycol    the column holding that key
--   conflict  the upsert's conflict target
--   change    a harmless change, usable both as `set <change>` and as `where <change>`
create temp table cases as
select c.*, ids.tenant_a, ids.tenant_b
from ids, (values
  (1, 'stores', 'a store', 'stores', 'owner',
   $$insert into public.stores (tenant_id, id, name) values (%1$L, %2$L, 'New store')$$,
   'id', '(tenant_id, id)', $$name = 'Changed'$$),
  (2, 'products', 'a product', 'products', 'manager',
   $$insert into public.products (tenant_id, id, name) values (%1$L, %2$L, 'New product')$$,
   'id', '(tenant_id, id)', $$name = 'Changed'$$),
  (3, 'inventory_levels', 'an inventory level', 'inventory levels', 'manager',
   $$insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand) values (%1$L, 's-1', %2$L, 1)$$,
   'product_id', '(tenant_id, store_id, product_id)', $$on_hand = 999$$),
  (4, 'demand_forecasts', 'a demand forecast', 'demand forecasts', 'manager',
   $$insert into public.demand_forecasts (tenant_id, store_id, product_id, forecast_date, forecasted_demand)
     values (%1$L, 's-1', %2$L, '2026-12-01', 1)$$,
   'product_id', '(tenant_id, store_id, product_id, forecast_date)', $$forecasted_demand = 999$$),
  (5, 'inbound_orders', 'an inbound order', 'inbound orders', 'manager',
   $$insert into public.inbound_orders (tenant_id, external_id, store_id, product_id, quantity, expected_at)
     values (%1$L, %2$L, 's-1', 'bread', 1, '2026-12-05 06:00+00')$$,
   'external_id', '(tenant_id, external_id)', $$quantity = 999$$),
  (6, 'sales', 'a sales row', 'sales rows', 'manager',
   $$insert into public.sales (tenant_id, store_id, product_id, sales_date, quantity) values (%1$L, 's-1', %2$L, '2026-11-22', 1)$$,
   'product_id', '(tenant_id, store_id, product_id, sales_date)', $$quantity = 999$$)
) as c(pos, tbl, noun, plural, writer, ins, keycol, conflict, change)
order by c.pos;
grant select on cases to authenticated, service_role;

-- ================================================================== reads (24)

select tests.authenticate_as((select a_viewer from ids), (select tenant_a from ids));
select results_eq(
  format('select count(*)::int, count(*) filter (where tenant_id <> %L)::int from public.%I', c.tenant_a, c.tbl),
  $$ values (2, 0) $$,
  format('a viewer of A reads A''s two %s and none of B''s', c.plural))
from cases as c;
select tests.clear_authentication();

select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
select results_eq(
  format('select count(*)::int, count(*) filter (where tenant_id <> %L)::int from public.%I', c.tenant_a, c.tbl),
  $$ values (2, 0) $$,
  format('a staff member of A reads A''s two %s and none of B''s', c.plural))
from cases as c;
select tests.clear_authentication();

select tests.authenticate_as((select b_viewer from ids), (select tenant_b from ids));
select results_eq(
  format('select count(*)::int, count(*) filter (where tenant_id <> %L)::int from public.%I', c.tenant_b, c.tbl),
  $$ values (1, 0) $$,
  format('a viewer of B reads B''s one %s and none of A''s', regexp_replace(c.noun, '^an? ', '')))
from cases as c;
select tests.clear_authentication();

select tests.authenticate_as((select a_owner from ids), (select tenant_b from ids));
select is_empty(format('select * from public.%I', c.tbl),
  format('an owner of A whose JWT names B reads no %s at all', c.plural))
from cases as c;
select tests.clear_authentication();

-- ================================================= refused writes: viewer (24)
-- A refused insert raises 42501; a refused update or delete silently matches no row.

select tests.authenticate_as((select a_viewer from ids), (select tenant_a from ids));
select throws_ok(format(c.ins, c.tenant_a, 'by-viewer'),
  '42501', format('new row violates row-level security policy for table "%s"', c.tbl),
  format('a viewer cannot add %s', c.noun))
from cases as c;
select results_eq(
  format('with w as (update public.%I set %s where tenant_id = %L returning 1) select count(*)::int from w', c.tbl, c.change, c.tenant_a),
  $$ values (0) $$,
  format('a viewer''s update of %s changes no row', c.plural))
from cases as c;
select results_eq(
  format('with w as (delete from public.%I where tenant_id = %L returning 1) select count(*)::int from w', c.tbl, c.tenant_a),
  $$ values (0) $$,
  format('a viewer''s delete of %s removes no row', c.plural))
from cases as c;
select tests.clear_authentication();
select results_eq(
  format('select count(*)::int, count(*) filter (where %s)::int from public.%I where tenant_id = %L', c.change, c.tbl, c.tenant_a),
  $$ values (2, 0) $$,
  format('A''s %s are all there and unchanged after the viewer''s attempts', c.plural))
from cases as c;

-- ============================================ refused writes: staff (24)

select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
select throws_ok(format(c.ins, c.tenant_a, 'by-staff'),
  '42501', format('new row violates row-level security policy for table "%s"', c.tbl),
  format('a staff member cannot add %s', c.noun))
from cases as c;
select results_eq(
  format('with w as (update public.%I set %s where tenant_id = %L returning 1) select count(*)::int from w', c.tbl, c.change, c.tenant_a),
  $$ values (0) $$,
  format('a staff member''s update of %s changes no row', c.plural))
from cases as c;
select results_eq(
  format('with w as (delete from public.%I where tenant_id = %L returning 1) select count(*)::int from w', c.tbl, c.tenant_a),
  $$ values (0) $$,
  format('a staff member''s delete of %s removes no row', c.plural))
from cases as c;
select tests.clear_authentication();
select results_eq(
  format('select count(*)::int, count(*) filter (where %s)::int from public.%I where tenant_id = %L', c.change, c.tbl, c.tenant_a),
  $$ values (2, 0) $$,
  format('A''s %s are all there and unchanged after the staff member''s attempts', c.plural))
from cases as c;

-- ============================== refused writes: manager on owner-only tables (4)

select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select throws_ok(format(c.ins, c.tenant_a, 'by-manager'),
  '42501', format('new row violates row-level security policy for table "%s"', c.tbl),
  format('a manager cannot add %s', c.noun))
from cases as c where c.writer = 'owner';
select results_eq(
  format('with w as (update public.%I set %s where tenant_id = %L returning 1) select count(*)::int from w', c.tbl, c.change, c.tenant_a),
  $$ values (0) $$,
  format('a manager''s update of %s changes no row', c.plural))
from cases as c where c.writer = 'owner';
select results_eq(
  format('with w as (delete from public.%I where tenant_id = %L returning 1) select count(*)::int from w', c.tbl, c.tenant_a),
  $$ values (0) $$,
  format('a manager''s delete of %s removes no row', c.plural))
from cases as c where c.writer = 'owner';
select tests.clear_authentication();
select results_eq(
  format('select count(*)::int, count(*) filter (where %s)::int from public.%I where tenant_id = %L', c.change, c.tbl, c.tenant_a),
  $$ values (2, 0) $$,
  format('A''s %s are all there and unchanged after the manager''s attempts', c.plural))
from cases as c where c.writer = 'owner';

-- ============================== allowed writes: manager (15) and owner (18)

select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select lives_ok(format(c.ins, c.tenant_a, 'by-manager'), format('a manager can add %s', c.noun))
from cases as c where c.writer = 'manager';
select results_eq(
  format('with w as (update public.%I set %s where tenant_id = %L and %I = %L returning 1) select count(*)::int from w',
         c.tbl, c.change, c.tenant_a, c.keycol, 'by-manager'),
  $$ values (1) $$,
  format('a manager can change %s', c.noun))
from cases as c where c.writer = 'manager';
select results_eq(
  format('with w as (delete from public.%I where tenant_id = %L and %I = %L returning 1) select count(*)::int from w',
         c.tbl, c.tenant_a, c.keycol, 'by-manager'),
  $$ values (1) $$,
  format('a manager can delete %s', c.noun))
from cases as c where c.writer = 'manager';
select tests.clear_authentication();

select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select lives_ok(format(c.ins, c.tenant_a, 'by-owner'), format('an owner can add %s', c.noun))
from cases as c;
select results_eq(
  format('with w as (update public.%I set %s where tenant_id = %L and %I = %L returning 1) select count(*)::int from w',
         c.tbl, c.change, c.tenant_a, c.keycol, 'by-owner'),
  $$ values (1) $$,
  format('an owner can change %s', c.noun))
from cases as c;
select results_eq(
  format('with w as (delete from public.%I where tenant_id = %L and %I = %L returning 1) select count(*)::int from w',
         c.tbl, c.tenant_a, c.keycol, 'by-owner'),
  $$ values (1) $$,
  format('an owner can delete %s', c.noun))
from cases as c;
select tests.clear_authentication();

-- ============================================== tenant isolation of writes (41)

select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select throws_ok(format(c.ins, c.tenant_b, 'into-b'),
  '42501', format('new row violates row-level security policy for table "%s"', c.tbl),
  format('an owner of A cannot add %s for tenant B', c.noun))
from cases as c;
select throws_ok(format('update public.%I set tenant_id = %L where tenant_id = %L', c.tbl, c.tenant_b, c.tenant_a),
  '42501', format('new row violates row-level security policy for table "%s"', c.tbl),
  format('an owner of A cannot move A''s %s to tenant B', c.plural))
from cases as c;
select results_eq(
  format('with w as (update public.%I set %s where tenant_id = %L returning 1) select count(*)::int from w', c.tbl, c.change, c.tenant_b),
  $$ values (0) $$,
  format('an owner of A cannot change B''s %s', c.plural))
from cases as c;
select results_eq(
  format('with w as (delete from public.%I where tenant_id = %L returning 1) select count(*)::int from w', c.tbl, c.tenant_b),
  $$ values (0) $$,
  format('an owner of A cannot delete B''s %s', c.plural))
from cases as c;
select tests.clear_authentication();

select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select throws_ok(format(c.ins, c.tenant_b, 'into-b'),
  '42501', format('new row violates row-level security policy for table "%s"', c.tbl),
  format('a manager of A cannot add %s for tenant B', c.noun))
from cases as c;
select throws_ok(format('update public.%I set tenant_id = %L where tenant_id = %L', c.tbl, c.tenant_b, c.tenant_a),
  '42501', format('new row violates row-level security policy for table "%s"', c.tbl),
  format('a manager of A cannot move A''s %s to tenant B', c.plural))
from cases as c where c.writer = 'manager';
select tests.clear_authentication();

select results_eq(
  format('select count(*) filter (where tenant_id = %L)::int, count(*) filter (where tenant_id = %L)::int, count(*) filter (where %s)::int from public.%I',
         c.tenant_a, c.tenant_b, c.change, c.tbl),
  $$ values (2, 1, 0) $$,
  format('A still has its two %s and B its one, all unchanged, after the cross-tenant attempts', c.plural))
from cases as c;

-- ===================================================== service_role feeds (24)

select tests.authenticate_as_service();
select results_eq(
  format('select count(*) filter (where tenant_id = %L)::int, count(*) filter (where tenant_id = %L)::int from public.%I', c.tenant_a, c.tenant_b, c.tbl),
  $$ values (2, 1) $$,
  format('service_role reads the %s of every tenant', c.plural))
from cases as c;
select lives_ok(format(c.ins, c.tenant_b, 'by-service'), format('service_role can add %s for any tenant', c.noun))
from cases as c;
select lives_ok(format(c.ins, c.tenant_b, 'by-service') || format(' on conflict %s do update set %s', c.conflict, c.change),
  format('service_role can upsert %s on %s', c.noun, c.conflict))
from cases as c;
select tests.clear_authentication();
select results_eq(
  format('select count(*)::int, count(*) filter (where %s)::int from public.%I where tenant_id = %L and %I = %L',
         c.change, c.tbl, c.tenant_b, c.keycol, 'by-service'),
  $$ values (1, 1) $$,
  format('the upsert updated the existing %s in place', regexp_replace(c.noun, '^an? ', '')))
from cases as c;

-- ========================================= the feed's inventory upsert (3)

select is((select updated_at from public.inventory_levels
            where tenant_id = (select tenant_a from ids) and store_id = 'a-1' and product_id = 'bread'),
  '2020-01-01 00:00+00'::timestamptz, 'the inventory row starts with an old updated_at');
select tests.authenticate_as_service();
select lives_ok(
  $$ insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand)
     select tenant_a, 'a-1', 'bread', 42 from ids
     on conflict (tenant_id, store_id, product_id) do update set on_hand = excluded.on_hand $$,
  'service_role''s plain inventory upsert (on conflict do update set on_hand) works');
select tests.clear_authentication();
select results_eq(
  $$ select on_hand, reorder_point, lead_time_days, updated_at from public.inventory_levels
      where tenant_id = (select tenant_a from ids) and store_id = 'a-1' and product_id = 'bread' $$,
  $$ values (42::numeric, 3::numeric, 1::numeric, now()) $$,
  'the upsert replaced on_hand, kept the other columns and stamped updated_at with now()');

-- ======================================================= check constraints (9)

select tests.authenticate_as_service();
select throws_ok(format(bad.stmt, ids.tenant_a),
  '23514', format('new row for relation "%s" violates check constraint "%s"', bad.tbl, bad.constraint_name),
  bad.what)
from ids, (values
  ('inventory_levels', 'inventory_levels_reorder_point_nonnegative',
   $$insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand, reorder_point) values (%L, 'a-1', 'c-1', 5, -1)$$,
   'a negative reorder_point is rejected'),
  ('inventory_levels', 'inventory_levels_lead_time_nonnegative',
   $$insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand, lead_time_days) values (%L, 'a-1', 'c-2', 5, -0.5)$$,
   'a negative lead_time_days is rejected'),
  ('demand_forecasts', 'demand_forecasts_demand_nonnegative',
   $$insert into public.demand_forecasts (tenant_id, store_id, product_id, forecast_date, forecasted_demand) values (%L, 'a-1', 'c-3', '2026-12-01', -1)$$,
   'a forecast demand below 0 is rejected'),
  ('demand_forecasts', 'demand_forecasts_bounds_ordered',
   $$insert into public.demand_forecasts (tenant_id, store_id, product_id, forecast_date, forecasted_demand, lower_bound, upper_bound)
     values (%L, 'a-1', 'c-4', '2026-12-01', 4, 5, 3)$$,
   'a forecast whose upper_bound is below its lower_bound is rejected'),
  ('inbound_orders', 'inbound_orders_quantity_positive',
   $$insert into public.inbound_orders (tenant_id, store_id, product_id, quantity, expected_at) values (%L, 'a-1', 'c-5', 0, '2026-12-05')$$,
   'an inbound order of quantity 0 is rejected'),
  ('inbound_orders', 'inbound_orders_status_valid',
   $$insert into public.inbound_orders (tenant_id, store_id, product_id, quantity, expected_at, status) values (%L, 'a-1', 'c-6', 1, '2026-12-05', 'shipped')$$,
   'an inbound order with an unknown status is rejected'),
  ('stores', 'stores_id_format',
   $$insert into public.stores (tenant_id, id, name) values (%L, 'store 7', 'Store seven')$$,
   'a store id with a space is rejected'),
  ('inventory_levels', 'inventory_levels_reorder_point_nonnegative',
   $$insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand) values (%L, 'a-2', 'milk', 1)
     on conflict (tenant_id, store_id, product_id) do update set reorder_point = -2$$,
   'an upsert that updates reorder_point to a negative number is rejected')
) as bad(tbl, constraint_name, stmt, what);
select lives_ok(
  $$ insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand) select tenant_a, 'a-2', 'oversold', -3 from ids $$,
  'a negative on_hand is accepted (feeds oversell)');
select tests.clear_authentication();

-- ==================================================== the tenant cascade (8)

select tests.authenticate_as_service();
select results_eq(
  $$ with w as (delete from public.tenants where id = (select tenant_a from ids) returning 1) select count(*)::int from w $$,
  $$ values (1) $$,
  'service_role can delete tenant A');
select tests.clear_authentication();
select results_eq(
  format('select count(*) filter (where tenant_id = %L)::int, count(*) filter (where tenant_id = %L) > 0 from public.%I',
         c.tenant_a, c.tenant_b, c.tbl),
  $$ values (0, true) $$,
  format('deleting tenant A deleted all of A''s %s and none of B''s', c.plural))
from cases as c;
select results_eq(
  $$ select count(*) filter (where tenant_id = (select tenant_a from ids))::int,
            count(*) filter (where tenant_id = (select tenant_b from ids))::int
       from public.tenant_members $$,
  $$ values (0, 2) $$,
  'deleting tenant A deleted its members and none of B''s');

select * from finish();
rollback;
