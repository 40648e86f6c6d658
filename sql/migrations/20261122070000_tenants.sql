-- Tenants: one business (a bakery chain, a grocer) whose stores, stock and alerts Shelfwatch
-- watches. Everything else hangs off a tenant, and RLS keeps each tenant's rows to its members.
create or replace function private.is_valid_time_zone(zone text)
returns boolean
language sql
immutable -- as immutable as the installed tzdata; only a Postgres upgrade changes the answer
set search_path = ''
as $$
  select exists (select 1 from pg_catalog.pg_timezone_names where name = zone)
$$;
comment on function private.is_valid_time_zone(text) is 'Is this an IANA time zone name Postgres knows (e.g. Europe/Berlin)?';

create table public.tenants (
  id uuid primary key default gen_random_uuid(),
  name text not null constraint tenants_name_present check (length(btrim(name)) between 1 and 200),
  timezone text not null default 'UTC' constraint tenants_timezone_valid check (private.is_valid_time_zone(timezone)),
  settings jsonb not null default '{}'::jsonb constraint tenants_settings_object check (jsonb_typeof(settings) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.tenants is 'A business using Shelfwatch. settings holds thresholds, quiet hours, digest, channels per severity, escalation, SLA and retention (see the engine docs).';
comment on column public.tenants.timezone is 'IANA time zone for the tenant''s schedules (digests, quiet hours) where a store or member has none of its own.';

alter table public.tenants enable row level security;
revoke all on public.tenants from anon, authenticated;
grant select, update (name, timezone, settings) on public.tenants to authenticated;
grant all on public.tenants to service_role;
