-- Waking the dispatcher only when a statement wrote deliveries. A statement-level AFTER INSERT
-- trigger fires even when the statement inserted no row, and routing runs its insert for every
-- alert change, most of which reach nobody: each of those paid a NOTIFY (a global lock at commit)
-- and a pg_net poke for nothing. The trigger now reads its transition table and stays quiet when
-- it is empty. Replaces the trigger of 20261122150300.
create or replace function private.tg_deliveries__wake_dispatcher()
returns trigger
language plpgsql
security definer -- calls poke_dispatcher(), which reads Vault; see 20261122150300
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

drop trigger _950_wake_dispatcher on public.deliveries;
create trigger _950_wake_dispatcher after insert on public.deliveries
  referencing new table as new_rows
  for each statement execute function private.tg_deliveries__wake_dispatcher();
