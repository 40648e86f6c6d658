-- pgTAP tests for who may run the scoring entry points (migration 20261122160800): a service
-- (service_role) runs each of them; members and anonymous callers may not. One transaction,
-- rolled back.
begin;
set local search_path = extensions, public;

select plan(5);

select tests.create_tenant('Entry points');
select tests.authenticate_as_service();
select lives_ok($$ select * from public.score_stockouts() $$, 'a service runs score_stockouts');
select lives_ok($$ select * from public.score_data_staleness() $$, 'a service runs score_data_staleness');
select lives_ok($$ select * from public.score_forecast_quality() $$, 'a service runs score_forecast_quality');
select tests.authenticate_as(gen_random_uuid(), gen_random_uuid());
select throws_ok($$ select * from public.score_stockouts() $$, '42501', null, 'a member may not run a scoring pass');
select tests.clear_authentication();
set local role anon;
select throws_ok($$ select * from public.score_stockouts() $$, '42501', null, 'nor may an anonymous caller');
reset role;

select * from finish();
rollback;
