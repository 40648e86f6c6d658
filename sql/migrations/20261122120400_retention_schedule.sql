-- Scheduled retention: private.apply_retention() every hour at minute 17 (off the hour, when
-- other jobs cluster). An hourly cron expression, so private.schedule_job (every N seconds or
-- every minute) does not fit; like 20261122090900, nothing is scheduled where pg_cron is not
-- installed in this database (test databases, a Postgres without it).
do $$
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
    perform cron.schedule('shelfwatch_retention', '17 * * * *', 'select private.apply_retention()');
  end if;
end $$;
