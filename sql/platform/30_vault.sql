-- Stand-in for hosted Supabase Vault (supabase_vault extension): the
-- vault.secrets table, vault.create_secret(), vault.update_secret() and the
-- vault.decrypted_secrets view, with the same names and signatures.
--
-- WARNING: this local vault does NOT encrypt anything. Hosted Vault encrypts
-- secrets with pgsodium / transparent column encryption; here `secret` is stored
-- in plain text and decrypted_secret is simply a copy of it. It exists for local
-- development only: never put a real secret in it.
--
-- Applied only to the local stack, on every start, as superuser postgres:
-- every statement here must be idempotent.

create schema if not exists vault;
comment on schema vault is
  'Supabase stand-in: Vault''s schema. LOCAL ONLY, NOT ENCRYPTED (hosted uses pgsodium).';

create table if not exists vault.secrets (
  id uuid primary key default gen_random_uuid(),
  name text,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table vault.secrets is
  'Supabase stand-in: Vault secrets. LOCAL ONLY: secret is stored in PLAIN TEXT, not encrypted as on hosted (pgsodium/TCE); key_id and nonce are kept for shape only.';

create unique index if not exists secrets_name_idx on vault.secrets (name) where name is not null;
comment on index vault.secrets_name_idx is
  'Supabase stand-in: a secret''s name, when given, is unique.';

create or replace function vault.create_secret(
  new_secret text,
  new_name text = null,
  new_description text = '',
  new_key_id uuid = null
)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  rec record;
begin
  insert into vault.secrets (secret, name, description, key_id)
  values (new_secret, new_name, new_description, new_key_id)
  returning * into rec;
  return rec.id;
end;
$$;
comment on function vault.create_secret(text, text, text, uuid) is
  'Supabase stand-in: stores a secret and returns its id. LOCAL ONLY: stored unencrypted.';

create or replace function vault.update_secret(
  secret_id uuid,
  new_secret text = null,
  new_name text = null,
  new_description text = null,
  new_key_id uuid = null
)
returns void
language plpgsql
set search_path = ''
as $$
begin
  update vault.secrets s
     set secret = coalesce(new_secret, s.secret),
         name = coalesce(new_name, s.name),
         description = coalesce(new_description, s.description),
         key_id = coalesce(new_key_id, s.key_id),
         updated_at = pg_catalog.now()
   where s.id = secret_id;
end;
$$;
comment on function vault.update_secret(uuid, text, text, text, uuid) is
  'Supabase stand-in: changes the given (non-null) fields of a secret. LOCAL ONLY: stored unencrypted.';

create or replace view vault.decrypted_secrets as
select s.id,
       s.name,
       s.description,
       s.secret,
       s.secret as decrypted_secret,
       s.key_id,
       s.nonce,
       s.created_at,
       s.updated_at
  from vault.secrets s;
comment on view vault.decrypted_secrets is
  'Supabase stand-in: secrets with decrypted_secret. LOCAL ONLY: nothing is encrypted, decrypted_secret is a plain copy of secret.';

-- Access: only service_role and postgres (owner). Nothing for public, anon or
-- authenticated, not even usage on the schema.
revoke all on schema vault from public, anon, authenticated;
revoke all on table vault.secrets, vault.decrypted_secrets from public, anon, authenticated;
revoke all on function vault.create_secret(text, text, text, uuid) from public, anon, authenticated;
revoke all on function vault.update_secret(uuid, text, text, text, uuid) from public, anon, authenticated;

grant usage on schema vault to postgres, service_role;
grant select, insert, update, delete on table vault.secrets to postgres, service_role;
grant select on table vault.decrypted_secrets to postgres, service_role;
grant execute on function vault.create_secret(text, text, text, uuid) to postgres, service_role;
grant execute on function vault.update_secret(uuid, text, text, text, uuid) to postgres, service_role;
