-- Webhook signing secrets: one per tenant. Every generic webhook delivery is signed with it
-- (Shelfwatch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>), so a
-- receiver can check that a request came from Shelfwatch and was not replayed. The dispatcher
-- creates the secret on the tenant's first webhook delivery; owners read it (to configure their
-- receiver) and rotate it by setting a new one.
create table public.webhook_secrets (
  tenant_id uuid primary key references public.tenants (id) on delete cascade,
  secret text not null default pg_catalog.encode(extensions.gen_random_bytes(32), 'hex')
    constraint webhook_secrets_secret_length check (length(secret) between 32 and 200),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.webhook_secrets is 'Each tenant''s secret for signing generic webhook deliveries (HMAC-SHA256); created by the dispatcher on first use, read and rotated by owners.';
comment on column public.webhook_secrets.secret is 'The HMAC key (at least 32 characters; by default 64 hex digits from 32 random bytes).';

create trigger _900_set_updated_at before update on public.webhook_secrets
  for each row execute function private.tg_set_updated_at();

alter table public.webhook_secrets enable row level security;
revoke all on public.webhook_secrets from anon, authenticated;
grant select on public.webhook_secrets to authenticated;
grant update (secret) on public.webhook_secrets to authenticated;
grant all on public.webhook_secrets to service_role;

create policy webhook_secrets_select on public.webhook_secrets for select to authenticated
  using (private.has_role(tenant_id, 'owner'));
comment on policy webhook_secrets_select on public.webhook_secrets is 'Only owners read the secret (as only they read destination URLs): whoever holds it can forge deliveries.';
create policy webhook_secrets_update on public.webhook_secrets for update to authenticated
  using (private.has_role(tenant_id, 'owner'))
  with check (private.has_role(tenant_id, 'owner'));
comment on policy webhook_secrets_update on public.webhook_secrets is 'Owners rotate the secret by setting a new one; nobody else may.';
