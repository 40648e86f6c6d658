-- pgTAP tests for per-tenant ingest keys (migration 20261122140000): RLS on
-- public.tenant_ingest_keys (owners list, create and revoke their own tenant's keys; managers,
-- viewers and other tenants' owners cannot; nobody reads key_hash) and
-- public.verify_ingest_key(): live keys resolve to their tenant, revoked and unknown keys to null,
-- a key never resolves to another tenant. One transaction, rolled back.
begin;
set local search_path = extensions, public;

select plan(22);

-- ------------------------------------------------------------------ fixtures
create temp table ids as
with t as materialized (
  select tests.create_tenant('Alpha Bakery') as tenant_a, tests.create_tenant('Beta Grocer') as tenant_b
)
select t.tenant_a, t.tenant_b,
       tests.create_member(t.tenant_a, 'owner') as a_owner,
       tests.create_member(t.tenant_a, 'manager') as a_manager,
       tests.create_member(t.tenant_a, 'viewer') as a_viewer,
       tests.create_member(t.tenant_b, 'owner') as b_owner
from t;
grant select on ids to anon, authenticated, service_role;

-- One live key per tenant and a revoked one of A, inserted as the superuser.
insert into public.tenant_ingest_keys (tenant_id, name, key_hash, revoked_at)
select tenant_a, 'pos', sha256(convert_to('swk_alpha_live_key_0000000000', 'UTF8')), null from ids
union all
select tenant_a, 'old', sha256(convert_to('swk_alpha_revoked_key_00000000', 'UTF8')), now() from ids
union all
select tenant_b, 'feed', sha256(convert_to('swk_beta_live_key_00000000000', 'UTF8')), null from ids;

-- =================================================================== verify_ingest_key (7)
select is(verify_ingest_key('swk_alpha_live_key_0000000000'), (select tenant_a from ids),
  'a live key resolves to its tenant');
select is(verify_ingest_key('swk_beta_live_key_00000000000'), (select tenant_b from ids),
  'another tenant''s live key resolves to that tenant only');
select is(verify_ingest_key('swk_alpha_revoked_key_00000000'), null::uuid,
  'a revoked key resolves to no tenant');
select is(verify_ingest_key('swk_unknown_key_000000000000000'), null::uuid,
  'an unknown key resolves to no tenant');
select is(verify_ingest_key(''), null::uuid, 'an empty key resolves to no tenant');

set local role anon;
select is(verify_ingest_key('swk_alpha_live_key_0000000000'), (select tenant_a from ids),
  'anon (a keyless caller) may call verify_ingest_key');
select throws_ok('select count(*) from public.tenant_ingest_keys', '42501', null,
  'anon cannot read the keys table');
reset role;

-- =================================================================== RLS (15)
select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select results_eq('select name from public.tenant_ingest_keys order by name',
  $$ values ('old'), ('pos') $$, 'an owner of A lists exactly A''s keys');
select throws_ok('select key_hash from public.tenant_ingest_keys', '42501', null,
  'an owner cannot read key hashes');
select lives_ok(
  $$ insert into public.tenant_ingest_keys (name, key_hash) values ('new', sha256('swk_new_key_of_alpha_0000000'::bytea)) $$,
  'an owner of A creates a key (tenant from their JWT)');
select is((select created_by from public.tenant_ingest_keys where name = 'new'), (select a_owner from ids),
  'created_by is the creating owner');
select throws_ok(
  $$ insert into public.tenant_ingest_keys (tenant_id, name, key_hash) select tenant_b, 'sneaky', sha256('swk_sneaky_key_000000000000'::bytea) from ids $$,
  '42501', null, 'an owner of A cannot create a key for B');
select results_eq(
  $$ with w as (update public.tenant_ingest_keys set revoked_at = now() where name = 'pos' returning 1) select count(*)::int from w $$,
  $$ values (1) $$, 'an owner of A revokes a live key of A');
select results_eq(
  $$ with w as (update public.tenant_ingest_keys set revoked_at = null where name = 'old' returning 1) select count(*)::int from w $$,
  $$ values (0) $$, 'a revoked key cannot be un-revoked');
select results_eq(
  $$ with w as (update public.tenant_ingest_keys set revoked_at = now() where tenant_id = (select tenant_b from ids) returning 1) select count(*)::int from w $$,
  $$ values (0) $$, 'an owner of A cannot revoke B''s keys');
select throws_ok($$ delete from public.tenant_ingest_keys $$, '42501', null,
  'keys are revoked, never deleted, through the API roles');
select tests.clear_authentication();

select is(verify_ingest_key('swk_alpha_live_key_0000000000'), null::uuid,
  'the key the owner revoked no longer resolves');
select is(verify_ingest_key('swk_beta_live_key_00000000000'), (select tenant_b from ids),
  'B''s key still resolves after A''s owner tried to revoke it');

select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select is_empty('select id from public.tenant_ingest_keys', 'a manager of A sees no keys');
select throws_ok(
  $$ insert into public.tenant_ingest_keys (name, key_hash) values ('m', sha256('swk_manager_key_0000000000'::bytea)) $$,
  '42501', null, 'a manager cannot create keys');
select tests.clear_authentication();

select tests.authenticate_as((select a_viewer from ids), (select tenant_a from ids));
select is_empty('select id from public.tenant_ingest_keys', 'a viewer of A sees no keys');
select tests.clear_authentication();

select tests.authenticate_as((select b_owner from ids), (select tenant_b from ids));
select results_eq('select name from public.tenant_ingest_keys', $$ values ('feed') $$,
  'an owner of B lists only B''s keys');
select tests.clear_authentication();

select * from finish();
rollback;
