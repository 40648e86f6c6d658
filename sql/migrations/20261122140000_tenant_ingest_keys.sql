-- Per-tenant ingest keys: other systems (a POS, a warehouse feed) post events to
-- POST /alerts/events with an `X-Ingest-Key` header instead of a user's JWT. Only the key's
-- sha256 is stored; the plaintext is shown once, when an owner creates the key. Owners list,
-- create and revoke their tenant's keys; nobody (owners included) reads the hash back.
-- public.verify_ingest_key(key) answers the tenant of a live key, or null.
create table public.tenant_ingest_keys (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null default private.jwt_tenant_id()
    references public.tenants (id) on delete cascade,
  name text not null constraint tenant_ingest_keys_name_length check (length(name) between 1 and 100),
  key_hash bytea not null constraint tenant_ingest_keys_key_hash_sha256 check (length(key_hash) = 32),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default private.now(),
  revoked_at timestamptz,
  constraint tenant_ingest_keys_key_hash_unique unique (key_hash)
);
comment on table public.tenant_ingest_keys is 'Keys other systems post events with (X-Ingest-Key), one tenant each. Only the sha256 of a key is stored; the plaintext is shown once at creation.';
comment on column public.tenant_ingest_keys.key_hash is 'sha256 of the key''s UTF-8 bytes; readable by no API role, compared only by public.verify_ingest_key.';
comment on column public.tenant_ingest_keys.revoked_at is 'When an owner revoked the key; a revoked key resolves to no tenant and cannot be un-revoked.';
create index tenant_ingest_keys_tenant_idx on public.tenant_ingest_keys (tenant_id, created_at);

alter table public.tenant_ingest_keys enable row level security;
revoke all on public.tenant_ingest_keys from anon, authenticated, service_role;
-- Every column but key_hash: the hash is a password equivalent for offline guessing.
grant select (id, tenant_id, name, created_by, created_at, revoked_at) on public.tenant_ingest_keys to authenticated, service_role;
grant insert (tenant_id, name, key_hash) on public.tenant_ingest_keys to authenticated, service_role;
grant update (revoked_at) on public.tenant_ingest_keys to authenticated, service_role;

create policy tenant_ingest_keys_select on public.tenant_ingest_keys for select to authenticated
  using (private.has_role(tenant_id, 'owner'));
comment on policy tenant_ingest_keys_select on public.tenant_ingest_keys is 'Owners list their tenant''s keys (names and dates; the hash column is not granted).';
create policy tenant_ingest_keys_insert on public.tenant_ingest_keys for insert to authenticated
  with check (private.has_role(tenant_id, 'owner') and revoked_at is null);
comment on policy tenant_ingest_keys_insert on public.tenant_ingest_keys is 'Only owners create keys, for their own tenant: a key lets anyone holding it report events.';
create policy tenant_ingest_keys_update on public.tenant_ingest_keys for update to authenticated
  using (private.has_role(tenant_id, 'owner') and revoked_at is null)
  with check (private.has_role(tenant_id, 'owner') and revoked_at is not null);
comment on policy tenant_ingest_keys_update on public.tenant_ingest_keys is 'Owners revoke live keys of their tenant; the only change allowed is setting revoked_at, once.';
create policy tenant_ingest_keys_service on public.tenant_ingest_keys for all to service_role
  using (true) with check (true);
comment on policy tenant_ingest_keys_service on public.tenant_ingest_keys is 'The service role manages keys of any tenant (provisioning scripts); it cannot read hashes either.';

-- security definer: callers of POST /alerts/events have no JWT (they run as anon) and may not
-- read the table; this function answers only "which tenant, if any" for one presented key.
create or replace function public.verify_ingest_key(key text)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  -- Compares hashes inside an index lookup, so timing reveals nothing useful about the stored
  -- key: an attacker controls the input to sha256, not the hash being compared, and equality on
  -- 32 random-looking bytes leaks no prefix of the key. Constant-time comparison is moot here.
  select k.tenant_id
  from public.tenant_ingest_keys as k
  where k.key_hash = pg_catalog.sha256(pg_catalog.convert_to(key, 'UTF8'))
    and k.revoked_at is null
    and length(key) between 16 and 200
$$;
comment on function public.verify_ingest_key(text) is 'The tenant of a live (unrevoked) ingest key, or null. Security definer so keyless callers can check a key without reading the table.';
revoke all on function public.verify_ingest_key(text) from public;
grant execute on function public.verify_ingest_key(text) to anon, authenticated, service_role;
