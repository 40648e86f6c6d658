-- One trigger function that stamps updated_at on every row update, for tables that have it.
create or replace function private.tg_set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end;
$$;
comment on function private.tg_set_updated_at() is 'Before-update trigger: updated_at = now().';

create trigger _900_set_updated_at before update on public.tenants
  for each row execute function private.tg_set_updated_at();
