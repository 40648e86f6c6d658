-- Stand-in for hosted Supabase's auth schema (owned there by GoTrue): the
-- auth.uid()/role()/email()/jwt() helpers that read the request's JWT claims
-- from the transaction settings PostgREST/Realtime set, and a minimal
-- auth.users table. Applied only to the local stack, on every start, as
-- superuser postgres: every statement here must be idempotent.

create schema if not exists auth;
comment on schema auth is
  'Supabase stand-in: authentication schema (GoTrue on hosted); locally only the JWT helpers and a minimal users table.';
grant usage on schema auth to anon, authenticated, service_role;

-- Bodies exactly as Supabase defines them: the legacy per-claim setting
-- (request.jwt.claim.*) wins, then the request.jwt.claims JSON.
create or replace function auth.uid()
returns uuid
language sql
stable
set search_path = ''
as $$
  select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid
$$;
comment on function auth.uid() is
  'Supabase stand-in: the sub claim of the request''s JWT as uuid, or null without claims.';

create or replace function auth.role()
returns text
language sql
stable
set search_path = ''
as $$
  select coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text
$$;
comment on function auth.role() is
  'Supabase stand-in: the role claim of the request''s JWT, or null without claims.';

create or replace function auth.email()
returns text
language sql
stable
set search_path = ''
as $$
  select coalesce(nullif(current_setting('request.jwt.claim.email', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email'))::text
$$;
comment on function auth.email() is
  'Supabase stand-in: the email claim of the request''s JWT, or null without claims.';

create or replace function auth.jwt()
returns jsonb
language sql
stable
set search_path = ''
as $$
  select coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                  nullif(current_setting('request.jwt.claims', true), ''))::jsonb
$$;
comment on function auth.jwt() is
  'Supabase stand-in: all claims of the request''s JWT as jsonb, or null without claims.';

grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to anon, authenticated, service_role;

-- Minimal auth.users: hosted has a much wider table; these are the columns our
-- schema may read (member lookup by id/email).
create table if not exists auth.users (
  id uuid primary key,
  email text,
  raw_app_meta_data jsonb default '{}'::jsonb,
  raw_user_meta_data jsonb default '{}'::jsonb,
  created_at timestamptz default now()
);
comment on table auth.users is
  'Supabase stand-in: minimal copy of GoTrue''s users table (id, email, metadata, created_at); locally filled by the stack or tests.';
