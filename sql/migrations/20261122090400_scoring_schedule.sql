-- Scheduled scoring: pg_cron re-scores everything every 30 seconds where pg_cron >= 1.5 (hosted
-- Supabase), every minute on older pg_cron (Debian's 1.4), so time-driven changes (a forecast
-- day rolling over, an inbound delivery becoming overdue) are picked up. Writes are scored at once
-- by triggers and never wait for this. Where pg_cron is not installed in this database (test
-- databases, a Postgres without it) nothing is scheduled.
create or replace function private.schedule_job(job_name text, seconds int, command text)
returns text
language plpgsql
set search_path = ''
as $$
declare
  cron_version text;
  schedule text;
begin
  select extversion into cron_version from pg_catalog.pg_extension where extname = 'pg_cron';
  if cron_version is null then
    raise notice 'pg_cron is not installed in this database; job % is not scheduled', job_name;
    return null;
  end if;
  -- pg_cron 1.5 added '[1-59] seconds'; 1.4 parses only cron syntax.
  schedule := case
    when seconds < 60 and pg_catalog.regexp_match(cron_version, '^(\d+)\.(\d+)')::int[] >= array[1, 5] then seconds || ' seconds'
    else '* * * * *'
  end;
  execute pg_catalog.format('select cron.schedule(%L, %L, %L)', job_name, schedule, command);
  return schedule;
end;
$$;
comment on function private.schedule_job(text, int, text) is 'Schedules (or replaces) a pg_cron job every N seconds, degrading to every minute on pg_cron < 1.5, and doing nothing without pg_cron.';
revoke all on function private.schedule_job(text, int, text) from public;

select private.schedule_job('shelfwatch_score_stockouts', 30, 'select public.score_stockouts()');
