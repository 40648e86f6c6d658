-- pgTAP tests for push subscriptions on a shared device (migration 20261122160400): the same
-- endpoint subscribed by a second member of the tenant moves to that member; subscribing again
-- oneself replaces one's row; another tenant's subscription of the same browser is untouched; nobody
-- can subscribe a browser for someone else. One transaction, rolled back.
begin;
set local search_path = extensions, public;

select plan(7);

create temp table who on commit drop as
select t.a, t.b, tests.create_member(t.a, 'staff') as staff, tests.create_member(t.a, 'manager') as manager,
       tests.create_member(t.b, 'staff') as staff_b
from (select tests.create_tenant('Shared tablet A') as a, tests.create_tenant('Shared tablet B') as b) as t;
grant select on who to authenticated;

create function pg_temp.subscribe(member uuid, tenant uuid, p256dh text default 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0')
returns void
language plpgsql
as $$
begin
  perform tests.authenticate_as(member, tenant);
  insert into public.push_subscriptions (endpoint, p256dh, auth)
  values ('https://push.example.test/tablet', p256dh, 'tBHItJI5svbpez7KI4CCXg');
  perform tests.clear_authentication();
end;
$$;

select pg_temp.subscribe(staff, a) from who;
select pg_temp.subscribe(staff_b, b) from who;
select lives_ok($$ select pg_temp.subscribe(manager, a) from who $$,
  'a second member of the tenant subscribes the same browser (no conflict)');
select is((select array_agg(user_id) from public.push_subscriptions where tenant_id = (select a from who)),
          (select array[manager] from who), 'the browser now belongs to that member alone');
select is((select count(*)::int from public.push_subscriptions where tenant_id = (select b from who) and user_id = (select staff_b from who)), 1,
  'the same browser subscribed in another tenant is untouched');

select tests.authenticate_as((select staff from who), (select a from who));
select is((select count(*)::int from public.push_subscriptions), 0, 'the first member no longer has it (no pushes for them on this device)');
select tests.clear_authentication();

select lives_ok($$ select pg_temp.subscribe(manager, a, 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls1') from who $$,
  'the same member subscribing that browser again (new keys) is no conflict either...');
select is((select count(*)::int || ' ' || max(p256dh) from public.push_subscriptions where tenant_id = (select a from who)),
  '1 BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls1', '...and leaves one row, with the new keys');

select tests.authenticate_as((select staff from who), (select a from who));
select throws_ok(format($$ insert into public.push_subscriptions (user_id, endpoint, p256dh, auth) values
  (%L, 'https://push.example.test/other', 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0', 'tBHItJI5svbpez7KI4CCXg') $$,
  (select manager from who)), '42501', null, 'nobody subscribes a browser for someone else');
select tests.clear_authentication();

select * from finish();
rollback;
