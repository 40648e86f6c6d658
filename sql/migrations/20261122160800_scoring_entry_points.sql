-- The scoring entry points run for the services they are granted to.
--
-- public.score_stockouts, score_data_staleness and score_forecast_quality are granted to
-- service_role (a feed or an operator re-scoring on demand) but ran as their caller, and the
-- private functions they call (score_items, raise_alerts, the cache refresh, ...) are executable
-- by no API role, so a service got "permission denied for function score_items"; only pg_cron (as
-- the owner) could score. They become security definer: each is a whole, fixed job (score a
-- tenant, or every tenant) with no caller-supplied SQL, execute stays granted to service_role
-- only, and search_path is already ''.
alter function public.score_stockouts(uuid) security definer;
alter function public.score_data_staleness(uuid) security definer;
alter function public.score_forecast_quality(uuid) security definer;
