-- The local inbox keeps a week: it shows what would have been sent while no provider was
-- configured, for someone trying Shelfwatch out, not an archive (deliveries are the record).
-- private.prune_inbox() deletes older messages in bounded batches; pg_cron runs it hourly.
create or replace function private.prune_inbox(keep interval default interval '7 days', batch_size int default 10000)
returns int
language plpgsql
volatile
set search_path = ''
as $$
declare
  removed int;
begin
  with old as (
    select m.id from public.inbox_messages as m
    where m.created_at < private.now() - keep
    order by m.id
    limit batch_size
  )
  delete from public.inbox_messages as m using old where m.id = old.id;
  get diagnostics removed = row_count;
  return removed;
end;
$$;
comment on function private.prune_inbox(interval, int) is 'Deletes up to batch_size local inbox messages older than keep (default 7 days); returns how many. Run hourly by pg_cron.';

revoke all on function private.prune_inbox(interval, int) from public;
grant execute on function private.prune_inbox(interval, int) to service_role;

create index inbox_messages_created_idx on public.inbox_messages (created_at);

-- Hourly (private.schedule_job() schedules by seconds and runs anything of a minute or more every
-- minute); without pg_cron (throwaway test databases) nothing is scheduled.
do $$
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
    execute $q$select cron.schedule('shelfwatch_prune_inbox', '17 * * * *', 'select private.prune_inbox()')$q$;
  end if;
end $$;
