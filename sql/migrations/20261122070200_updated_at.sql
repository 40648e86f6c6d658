-- One trigger function that stamps updated_at on every row update, for tables that have it.
-- security definer: feeds may write with their own database login, which has no business with
-- the private schema; the function only stamps the row with Shelfwatch's clock.
create or replace function private.tg_set_updated_at()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.updated_at := private.now();
  return new;
end;
$$;
comment on function private.tg_set_updated_at() is 'Before-update trigger: updated_at = private.now() (Shelfwatch''s clock).';

create trigger _900_set_updated_at before update on public.tenants
  for each row execute function private.tg_set_updated_at();
