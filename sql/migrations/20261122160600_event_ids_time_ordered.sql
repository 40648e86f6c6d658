-- Time-ordered ids for alert_events (UUID version 7: 48 bits of Unix milliseconds, then random).
--
-- Measured (pgbench, 4 connections, single-row durable inserts of events no rule matches): with
-- gen_random_uuid() ids each insert lands on a random leaf of the primary key, so after every
-- checkpoint nearly every insert writes a full-page image of a different leaf (Btree/INSERT_LEAF
-- full-page images were ~90 % of the WAL, ~2.4 KB an event; here checkpoints come every few
-- seconds), and throughput was WAL-bound at 1,200-1,400 events/s beside 5,600-7,600 plain rows/s.
-- With time-ordered ids the key grows at the right edge like a sequence: 2,400-3,000 events/s in
-- the same runs. The index also stays dense and hot in cache as the table grows, and ids sort by
-- arrival. Ids stay UUIDs (existing ones are unchanged, and a sender can still supply its own).
-- They reveal when an event was received to the millisecond, which received_at shows anyway.

-- No `set search_path`: a SET clause would stop Postgres from inlining the function into the
-- column default (it is evaluated for every event). Every name is schema-qualified; overlay,
-- substring and extract are SQL syntax that the parser binds to pg_catalog itself.
create or replace function private.uuid_v7()
returns uuid
language sql
volatile
as $$
  select pg_catalog.encode(
    pg_catalog.set_bit(pg_catalog.set_bit(
      overlay(pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
              placing substring(pg_catalog.int8send((extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint) from 3)
              from 1 for 6),
      52, 1), 53, 1), 'hex')::uuid
$$;
comment on function private.uuid_v7() is
  'A time-ordered UUID (version 7: Unix milliseconds from the wall clock, then random bits), for ids of rows inserted at a high rate.';
revoke all on function private.uuid_v7() from public;
-- Members (staff) and services insert events; a column default runs with the inserter's rights.
grant execute on function private.uuid_v7() to authenticated, service_role;

alter table public.alert_events alter column id set default private.uuid_v7();
