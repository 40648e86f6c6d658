-- Stand-in for the extensions hosted Supabase has enabled: pgcrypto (in schema
-- extensions) and pg_cron. Applied only to the local stack, on every start, as
-- superuser postgres: every statement here must be idempotent.
-- pgtap is not created here (the test runner creates it); uuid-ossp is not
-- created at all (gen_random_uuid() is built into Postgres).

create extension if not exists pgcrypto with schema extensions;
comment on extension pgcrypto is
  'Supabase stand-in: cryptographic functions, in schema extensions as on hosted.';

-- pg_cron can only be created in the database named by cron.database_name
-- (pg_cron 1.4 refuses any other), so it is created only there; throwaway test
-- databases simply have no pg_cron.
do $$
begin
  if pg_catalog.current_setting('cron.database_name', true) = pg_catalog.current_database()
     and exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_cron') then
    create extension if not exists pg_cron;
    comment on extension pg_cron is
      'Supabase stand-in: job scheduler, as enabled on hosted.';
    grant usage on schema cron to postgres;
  end if;
end $$;
