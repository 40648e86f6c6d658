-- One clock for all of Shelfwatch's SQL. Everything that asks "what time is it?" (scoring, snooze
-- expiry, escalation, quiet hours) calls private.now(), so tests can move time with
--   select set_config('shelfwatch.now', '2026-03-29 01:30+00', true);
-- instead of sleeping. Without the setting it is the transaction's now().
-- No `set search_path`: a SET clause stops Postgres from inlining a SQL function, and this one is
-- called several times per event and per alert; its body names only pg_catalog objects.
create or replace function private.now()
returns timestamptz
language sql
stable
as $$
  select coalesce(nullif(pg_catalog.current_setting('shelfwatch.now', true), '')::timestamptz, pg_catalog.now())
$$;
comment on function private.now() is 'The current time for Shelfwatch logic: transaction now(), or the shelfwatch.now setting when a test sets it.';
revoke all on function private.now() from public;
grant execute on function private.now() to authenticated, service_role;
