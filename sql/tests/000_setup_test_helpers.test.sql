-- Installs the `tests` schema of helpers every other pgTAP file uses. Runs first (pg_prove takes
-- files in name order) and commits, so the helpers outlive this file; they live only in test
-- databases. Modelled on basejump's supabase_test_helpers.
begin;
set local search_path = extensions, public;
select plan(1);

create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

-- Act as a signed-in member: the role and JWT claims Supabase would set for their request.
create or replace function tests.authenticate_as(user_id uuid, tenant_id uuid)
returns void
language plpgsql
as $$
begin
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims', json_build_object(
    'sub', user_id, 'role', 'authenticated', 'aud', 'authenticated',
    'app_metadata', json_build_object('tenant_id', tenant_id))::text, true);
end;
$$;

-- Act as a system caller with the service_role key.
create or replace function tests.authenticate_as_service()
returns void
language plpgsql
as $$
begin
  perform set_config('role', 'service_role', true);
  perform set_config('request.jwt.claims', '{"role": "service_role"}', true);
end;
$$;

-- Back to the superuser that runs the tests.
create or replace function tests.clear_authentication()
returns void
language plpgsql
as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
end;
$$;

create or replace function tests.create_tenant(name text default 'Test tenant', timezone text default 'UTC')
returns uuid
language sql
as $$
  insert into public.tenants (name, timezone) values (name, timezone) returning id
$$;

-- A new member of `tenant` with `role`; returns their user id.
create or replace function tests.create_member(tenant uuid, role text, store_ids text[] default null)
returns uuid
language sql
as $$
  insert into public.tenant_members (tenant_id, user_id, role, display_name, email, store_ids)
  values (tenant, gen_random_uuid(), role, role || ' member', role || '.' || substr(md5(random()::text), 1, 8) || '@example.test', store_ids)
  returning user_id
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

select has_function('tests', 'authenticate_as', array['uuid', 'uuid'], 'test helpers are installed');
select * from finish();
commit;
