-- Stand-in for hosted Supabase Realtime's database side: the realtime.messages
-- table that Broadcast-from-database reads, realtime.topic(), realtime.send(),
-- realtime.broadcast_changes(), and the supabase_realtime publication.
-- Applied only to the local stack, on every start, as superuser postgres:
-- every statement here must be idempotent. RLS policies on realtime.messages
-- belong to the app's migrations, not to this file.

create schema if not exists realtime;
comment on schema realtime is
  'Supabase stand-in: Realtime''s schema; locally read by the stack''s Realtime gateway.';
grant usage on schema realtime to anon, authenticated, service_role;

-- Hosted partitions this table by day on inserted_at; locally it is a plain,
-- unpartitioned table with the same columns and primary key.
create table if not exists realtime.messages (
  id uuid not null default gen_random_uuid(),
  topic text not null,
  extension text not null,
  payload jsonb,
  binary_payload bytea,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  constraint messages_pkey primary key (id, inserted_at),
  constraint messages_payload_exclusivity check (payload is null or binary_payload is null)
);
comment on table realtime.messages is
  'Supabase stand-in: Broadcast messages written by realtime.send(); not partitioned locally (hosted partitions by inserted_at). RLS is on; the app''s migrations write the policies.';
create index if not exists messages_inserted_at_idx on realtime.messages (inserted_at);
comment on index realtime.messages_inserted_at_idx is
  'Supabase stand-in: lets the gateway and clean-up scan recent messages.';
create index if not exists messages_replay_idx on realtime.messages (topic, inserted_at)
  where extension = 'broadcast' and private is true;
comment on index realtime.messages_replay_idx is
  'Supabase stand-in: a private channel''s broadcast replay (the newest messages of a topic since a time).';
alter table realtime.messages enable row level security;

grant select, insert on table realtime.messages to authenticated, anon;
grant all on table realtime.messages to service_role;

create or replace function realtime.topic()
returns text
language sql
stable
set search_path = ''
as $$
  select nullif(current_setting('realtime.topic', true), '')::text
$$;
comment on function realtime.topic() is
  'Supabase stand-in: the topic being authorized or sent to (setting realtime.topic), for use in RLS policies on realtime.messages.';

-- security invoker, as hosted: the caller's rights and the RLS policies on
-- realtime.messages decide whether it may send to a topic, so a member running SQL
-- cannot forge a message on another tenant's topic (the insert is refused and, as
-- hosted, becomes a warning). Triggers that must always broadcast, whatever role
-- wrote their row, are security definer themselves (the alert broadcast triggers).
create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void
language plpgsql
security invoker
set search_path = ''
as $$
declare
  generated_id uuid;
  final_payload jsonb;
begin
  begin
    generated_id := pg_catalog.gen_random_uuid();

    -- add the generated id to the payload only when it has no id of its own
    if payload ? 'id' then
      final_payload := payload;
    else
      final_payload := pg_catalog.jsonb_set(payload, '{id}', pg_catalog.to_jsonb(generated_id));
    end if;

    perform pg_catalog.set_config('realtime.topic', topic, true);

    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (generated_id, final_payload, event, topic, private, 'broadcast');

    -- Local addition: wake the stack's Realtime gateway, which LISTENs on this
    -- channel. The payload is the transaction's timestamp (every row it sends has
    -- that inserted_at), so Postgres folds a transaction's notifications into one
    -- and the gateway reads the rows by the indexed column once it commits.
    -- With the gateway's logical-replication feed nobody listens: setting
    -- realtime.local_notify = off (per database or session) spares writers the
    -- NOTIFY and its commit-time lock.
    if pg_catalog.current_setting('realtime.local_notify', true) is distinct from 'off' then
      perform pg_catalog.pg_notify('realtime:messages', pg_catalog.now()::timestamp::text);
    end if;
  exception
    when others then
      -- as hosted: sending never aborts the caller's transaction
      raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end;
$$;
comment on function realtime.send(jsonb, text, text, boolean) is
  'Supabase stand-in: writes a Broadcast message (extension broadcast) and, locally, notifies channel realtime:messages once per transaction (payload: the transaction''s timestamp = inserted_at); errors become a warning.';

create or replace function realtime.broadcast_changes(
  topic_name text,
  event_name text,
  operation text,
  table_name text,
  table_schema text,
  new record,
  old record,
  level text default 'ROW'
)
returns void
language plpgsql
set search_path = ''
as $$
declare
  row_data jsonb := '{}'::jsonb;
begin
  if level = 'STATEMENT' then
    raise exception 'function can only be triggered for each row, not for each statement';
  end if;
  if operation = 'INSERT' or operation = 'UPDATE' or operation = 'DELETE' then
    row_data := pg_catalog.jsonb_build_object(
      'old_record', case when operation = 'INSERT' then null else pg_catalog.to_jsonb(old) end,
      'record', case when operation = 'DELETE' then null else pg_catalog.to_jsonb(new) end,
      'operation', operation,
      'table', table_name,
      'schema', table_schema);
    perform realtime.send(row_data, event_name, topic_name);
  else
    raise exception 'Unexpected operation type: %', operation;
  end if;
exception
  when others then
    raise exception 'Failed to process the row: %', sqlerrm;
end;
$$;
comment on function realtime.broadcast_changes(text, text, text, text, text, record, record, text) is
  'Supabase stand-in: sends a row change (record, old_record, operation, table, schema) as a Broadcast message; for row-level triggers only.';

revoke all on function realtime.send(jsonb, text, text, boolean) from public;
revoke all on function realtime.broadcast_changes(text, text, text, text, text, record, record, text) from public;
grant execute on function realtime.send(jsonb, text, text, boolean) to authenticated, service_role;
grant execute on function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
  to authenticated, service_role;
grant execute on function realtime.topic() to anon, authenticated, service_role;

-- The publication Postgres Changes uses; empty until the app's migrations add tables.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end $$;
comment on publication supabase_realtime is
  'Supabase stand-in: publication for Postgres Changes; tables are added by the app''s migrations.';

-- What hosted Realtime streams realtime.messages through; the local gateway's
-- optional logical-replication feed (SHELFWATCH_REALTIME_FEED=replication) too.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime_messages_publication') then
    create publication supabase_realtime_messages_publication for table realtime.messages with (publish = 'insert');
  end if;
end $$;
comment on publication supabase_realtime_messages_publication is
  'Supabase stand-in: inserts into realtime.messages, for the gateway''s logical-replication feed.';
