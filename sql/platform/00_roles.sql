-- Stand-in for hosted Supabase's initial roles, schema privileges and default
-- privileges (the "initial schema" every hosted project starts with).
-- Applied only to the local stack, on every start, as superuser postgres:
-- every statement here must be idempotent.

-- API roles, created exactly like Supabase's initial schema. The alter role
-- statements re-assert the attributes on every run, so a hand-edited local role
-- is put back.
do $$
begin
  create role anon nologin noinherit;
exception when duplicate_object then null;
end $$;
alter role anon nologin noinherit;

do $$
begin
  create role authenticated nologin noinherit;
exception when duplicate_object then null;
end $$;
alter role authenticated nologin noinherit;

do $$
begin
  create role service_role nologin noinherit bypassrls;
exception when duplicate_object then null;
end $$;
alter role service_role nologin noinherit bypassrls;

do $$
begin
  create role authenticator login noinherit;
exception when duplicate_object then null;
end $$;
alter role authenticator login noinherit;

comment on role anon is
  'Supabase stand-in: role for requests without a user JWT (PostgREST/Realtime switch to it).';
comment on role authenticated is
  'Supabase stand-in: role for requests carrying a signed-in user''s JWT.';
comment on role service_role is
  'Supabase stand-in: trusted server role; bypasses row level security.';
comment on role authenticator is
  'Supabase stand-in: login role of the API gateway, which switches to anon/authenticated/service_role per request.';

-- Membership: the gateway can switch to each API role, and so can postgres
-- (hosted Supabase's postgres role can `set local role` to them too). Granting a
-- membership that already exists only raises a notice.
do $$
begin
  if not pg_has_role('authenticator', 'anon', 'member') then
    grant anon to authenticator;
  end if;
  if not pg_has_role('authenticator', 'authenticated', 'member') then
    grant authenticated to authenticator;
  end if;
  if not pg_has_role('authenticator', 'service_role', 'member') then
    grant service_role to authenticator;
  end if;
end $$;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_auth_members m
                 where m.roleid = 'anon'::regrole and m.member = 'postgres'::regrole) then
    grant anon to postgres;
  end if;
  if not exists (select 1 from pg_catalog.pg_auth_members m
                 where m.roleid = 'authenticated'::regrole and m.member = 'postgres'::regrole) then
    grant authenticated to postgres;
  end if;
  if not exists (select 1 from pg_catalog.pg_auth_members m
                 where m.roleid = 'service_role'::regrole and m.member = 'postgres'::regrole) then
    grant service_role to postgres;
  end if;
end $$;

-- Per-role statement timeouts, as on hosted Supabase. They apply to sessions
-- that log in (or are switched to by the gateway) as these roles.
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';

-- Schema public: usage for the API roles, and Supabase's default privileges on
-- objects postgres creates there. Our migrations still grant explicitly and do
-- not rely on these defaults.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;

-- Schema extensions: where Supabase installs extensions.
create schema if not exists extensions;
comment on schema extensions is
  'Supabase stand-in: schema that holds extensions (pgcrypto, pgtap locally).';
grant usage on schema extensions to anon, authenticated, service_role;
