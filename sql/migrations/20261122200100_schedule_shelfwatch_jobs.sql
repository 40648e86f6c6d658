-- Every background job in one place. Each migration that adds a job schedules it where pg_cron is
-- installed and does nothing (with a notice) where it is not; a project that enables pg_cron
-- after `supabase db push` runs `select private.schedule_shelfwatch_jobs();` once to get them all.
-- It is idempotent: cron.schedule() with a job name replaces that job. A migration adding a job
-- later replaces this function with the job added.

create or replace function private.schedule_shelfwatch_jobs()
returns table (job_name text, schedule text)
language plpgsql
volatile
set search_path = ''
as $$
declare
  every_n_seconds constant text[][] := array[
    ['shelfwatch_score_stockouts', '30', 'select public.score_stockouts()'],
    ['shelfwatch_score_data_staleness', '30', 'select public.score_data_staleness()'],
    ['shelfwatch_escalate', '30', 'select private.escalate_alerts()'],
    ['shelfwatch_unsnooze', '30', 'select private.unsnooze_expired()'],
    ['shelfwatch_build_digests', '60', 'select private.build_digests()'],
    ['shelfwatch_poke_dispatcher', '10', 'select private.poke_dispatcher()'],
    ['shelfwatch_settle_early_delivery_statuses', '60', 'select private.settle_early_delivery_statuses()'],
    ['shelfwatch_fold_alert_counts', '60', 'select private.fold_alert_counts()']
  ];
  by_cron_expression constant text[][] := array[
    ['shelfwatch_score_forecast_quality', '*/15 * * * *', 'select public.score_forecast_quality()'],
    ['shelfwatch_retention', '17 * * * *', 'select private.apply_retention()'],
    ['shelfwatch_prune_inbox', '17 * * * *', 'select private.prune_inbox()'],
    ['shelfwatch_purge_action_link_uses', '41 3 * * *', 'select private.purge_action_link_uses()'],
    ['shelfwatch_purge_phone_verifications', '53 3 * * *', 'select private.purge_phone_verifications()']
  ];
  i int;
begin
  if not exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
    raise exception 'Cannot schedule Shelfwatch jobs: pg_cron is not installed in this database'
      using errcode = 'SW001', hint = 'create extension pg_cron with schema pg_catalog; (on hosted Supabase: Database -> Extensions)';
  end if;
  for i in 1 .. pg_catalog.array_length(every_n_seconds, 1) loop
    job_name := every_n_seconds[i][1];
    schedule := private.schedule_job(job_name, every_n_seconds[i][2]::int, every_n_seconds[i][3]);
    return next;
  end loop;
  for i in 1 .. pg_catalog.array_length(by_cron_expression, 1) loop
    job_name := by_cron_expression[i][1];
    schedule := by_cron_expression[i][2];
    execute pg_catalog.format('select cron.schedule(%L, %L, %L)', job_name, schedule, by_cron_expression[i][3]);
    return next;
  end loop;
end;
$$;
comment on function private.schedule_shelfwatch_jobs() is 'Schedules (or re-schedules) every Shelfwatch pg_cron job and lists them; for projects that enabled pg_cron after migrating. SW001 without pg_cron.';

revoke all on function private.schedule_shelfwatch_jobs() from public;
