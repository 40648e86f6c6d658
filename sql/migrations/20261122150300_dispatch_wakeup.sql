-- Waking the dispatcher. A statement that writes deliveries (routing, digests) ends with one
-- pg_notify('deliveries', '') per statement, never per row (every NOTIFYing transaction takes a
-- global lock at commit): the local stack's worker LISTENs and dispatches within milliseconds.
-- On hosted Supabase there is no such worker; there the same trigger pokes the notify function's
-- /dispatch with pg_net (net.http_post queues the request and sends it after commit, so it adds
-- no wait to the writing transaction), and a pg_cron job pokes it every 10 seconds (every minute
-- on pg_cron < 1.5) for retries, deferred rows and expired leases.
--
-- The poke needs two Vault secrets, set once per project:
--   select vault.create_secret('https://<ref>.supabase.co/functions/v1/notify/dispatch', 'shelfwatch_dispatch_url');
--   select vault.create_secret('<service_role key>', 'shelfwatch_service_key');
-- Without them, or without pg_net (the net schema), it does nothing; locally neither is set, so
-- the stub's queue stays empty.

-- security definer: reads the service key from Vault, which only the owner may read; the insert
-- that fires it may run as any role.
create or replace function private.poke_dispatcher()
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  dispatch_url text;
  service_key text;
begin
  if pg_catalog.to_regprocedure('net.http_post(text, jsonb, jsonb, jsonb, integer)') is null
     or pg_catalog.to_regclass('vault.decrypted_secrets') is null then
    return false;
  end if;
  execute $q$select pg_catalog.max(s.decrypted_secret) filter (where s.name = 'shelfwatch_dispatch_url'),
                    pg_catalog.max(s.decrypted_secret) filter (where s.name = 'shelfwatch_service_key')
             from vault.decrypted_secrets as s
             where s.name in ('shelfwatch_dispatch_url', 'shelfwatch_service_key')$q$
    into dispatch_url, service_key;
  if dispatch_url is null or service_key is null then
    return false;
  end if;
  execute 'select net.http_post(url => $1, body => $2, headers => $3, timeout_milliseconds => 10000)'
    using dispatch_url, '{}'::jsonb,
          pg_catalog.jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || service_key);
  return true;
end;
$$;
comment on function private.poke_dispatcher() is 'Asks the notify function to dispatch (pg_net POST to the Vault secret shelfwatch_dispatch_url with shelfwatch_service_key); does nothing and returns false without pg_net or those secrets.';

-- A statement-level AFTER INSERT trigger fires even when the statement inserted no row, and
-- routing runs its insert for every alert change, most of which reach nobody: the trigger reads
-- its transition table and stays quiet when it is empty, so those pay no NOTIFY (a global lock at
-- commit) and no pg_net poke.
create or replace function private.tg_deliveries__wake_dispatcher()
returns trigger
language plpgsql
security definer -- calls poke_dispatcher(), which reads Vault; see there
set search_path = ''
as $$
begin
  if exists (select 1 from new_rows) then
    perform pg_catalog.pg_notify('deliveries', '');
    perform private.poke_dispatcher();
  end if;
  return null;
end;
$$;
comment on function private.tg_deliveries__wake_dispatcher() is 'After insert (per statement, when it wrote any row): one NOTIFY deliveries for the local worker, and a pg_net poke of /dispatch where configured.';

create trigger _950_wake_dispatcher after insert on public.deliveries
  referencing new table as new_rows
  for each statement execute function private.tg_deliveries__wake_dispatcher();

revoke all on function private.poke_dispatcher(), private.tg_deliveries__wake_dispatcher() from public;
grant execute on function private.poke_dispatcher() to service_role;

-- For retries, quiet-hours ends, deferred rows and expired leases (the local worker also polls).
select private.schedule_job('shelfwatch_poke_dispatcher', 10, 'select private.poke_dispatcher()');
