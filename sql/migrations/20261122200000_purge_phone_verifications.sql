-- Phone verification codes are useful for minutes (a code lives 10 minutes) and count towards the
-- per-hour request limit for an hour; after a day they are only clutter holding phone numbers.
-- A daily job deletes them in batches, like the other retention jobs.

create or replace function private.purge_phone_verifications(batch_size int default 10000)
returns int
language plpgsql
volatile
set search_path = ''
as $$
declare
  removed int := 0;
  batch int;
begin
  loop
    delete from public.phone_verifications as v
    where v.id in (
      select x.id from public.phone_verifications as x
      where x.created_at < private.now() - interval '1 day'
      limit batch_size
    );
    get diagnostics batch = row_count;
    removed := removed + batch;
    exit when batch < batch_size;
  end loop;
  return removed;
end;
$$;
comment on function private.purge_phone_verifications(int) is 'Deletes phone verification codes older than a day (expired, and past the per-hour request limit), in batches; returns how many. Daily by pg_cron.';

revoke all on function private.purge_phone_verifications(int) from public;
grant execute on function private.purge_phone_verifications(int) to service_role;

do $$
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
    perform cron.schedule('shelfwatch_purge_phone_verifications', '53 3 * * *', 'select private.purge_phone_verifications()');
  end if;
end;
$$;
