-- Scheduled data-quality checks: silent feeds every minute (every 30 s on pg_cron >= 1.5);
-- forecast quality every 15 minutes (its inputs change daily, and sales writes score their own
-- items at once). Nothing is scheduled where pg_cron is not installed in this database.
select private.schedule_job('shelfwatch_score_data_staleness', 30, 'select public.score_data_staleness()');

do $$
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
    perform cron.schedule('shelfwatch_score_forecast_quality', '*/15 * * * *', 'select public.score_forecast_quality()');
  end if;
end $$;
