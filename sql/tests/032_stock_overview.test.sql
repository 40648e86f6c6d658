-- public.stock_overview(): the dashboard's stock view computes positions for the caller's own
-- tenant only (any member role), for the tenant a service names, and for nobody else — not for a
-- member naming another tenant, a stranger, or anon.
begin;
set local search_path = extensions, public;
select plan(8);

create temp table ids as
select tests.create_tenant('Overview A') as tenant_a, tests.create_tenant('Overview B') as tenant_b;
alter table ids add column viewer_a uuid, add column stranger uuid;
update ids set viewer_a = tests.create_member(tenant_a, 'viewer'), stranger = gen_random_uuid();
grant select on ids to authenticated, service_role, anon;

insert into inventory_levels (tenant_id, store_id, product_id, on_hand, reorder_point, lead_time_days)
values ((select tenant_a from ids), 's1', 'milk', 5, 10, 1),
       ((select tenant_a from ids), 's2', 'milk', 50, 10, 1),
       ((select tenant_b from ids), 's9', 'secret', 1, 10, 1);

select tests.authenticate_as((select viewer_a from ids), (select tenant_a from ids));
select is((select count(*)::int from stock_overview()), 2, 'a viewer sees every item of their tenant');
select is((select count(*)::int from stock_overview() where tenant_id <> (select tenant_a from ids)), 0,
  'and none of another tenant');
select is((select on_hand from stock_overview() where store_id = 's1'), 5::numeric, 'with its position');
select is((select count(*)::int from stock_overview((select tenant_b from ids))), 0,
  'naming another tenant gives nothing');

select tests.authenticate_as((select stranger from ids), (select tenant_a from ids));
select is((select count(*)::int from stock_overview()), 0,
  'a token naming a tenant its user is no member of gives nothing');

select tests.authenticate_as_service();
select is((select count(*)::int from stock_overview((select tenant_b from ids))), 1,
  'a service caller reads the tenant it names');
select is((select count(*)::int from stock_overview()), 0, 'and nothing without naming one');

select tests.clear_authentication();
set local role anon;
select throws_ok('select * from public.stock_overview()', '42501', null, 'anon may not call it');

select * from finish();
rollback;
