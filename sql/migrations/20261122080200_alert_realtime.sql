-- Realtime: every alert insert and update is broadcast on the private topic
-- tenant:<tenant_id>:alerts, in the shape realtime.broadcast_changes() uses, so the dashboard
-- (supabase-js) renders it without a refetch. Only that tenant's members may join the topic.
create or replace function private.alerts_topic(tenant uuid)
returns text
language sql
immutable
set search_path = ''
as $$
  select 'tenant:' || tenant::text || ':alerts'
$$;
comment on function private.alerts_topic(uuid) is 'The private Realtime topic carrying a tenant''s alert changes.';

create or replace function private.tg_alerts__broadcast_insert()
returns trigger
language plpgsql
security definer -- realtime.send must work whichever role created the alert
set search_path = ''
as $$
begin
  perform realtime.send(
    pg_catalog.jsonb_build_object('operation', 'INSERT', 'table', 'alerts', 'schema', 'public',
      'record', pg_catalog.to_jsonb(n), 'old_record', null),
    -- the topic written out as private.alerts_topic() makes it, without a function call per row
    'INSERT', 'tenant:' || n.tenant_id::text || ':alerts', true)
  from new_rows as n;
  return null;
end;
$$;
comment on function private.tg_alerts__broadcast_insert() is 'After insert (per statement): realtime.send of each new alert to tenant:<id>:alerts.';

create or replace function private.tg_alerts__broadcast_update()
returns trigger
language plpgsql
security definer -- realtime.send must work whichever role changed the alert
set search_path = ''
-- Transition tables have no statistics, so the planner assumes one row each and nests the old/new
-- join: quadratic for a statement that updates thousands of alerts. A hash join is always right here.
set enable_nestloop = off
as $$
begin
  -- old_record carries only what the dashboard compares, to keep messages small.
  perform realtime.send(
    pg_catalog.jsonb_build_object('operation', 'UPDATE', 'table', 'alerts', 'schema', 'public',
      'record', pg_catalog.to_jsonb(n),
      'old_record', pg_catalog.jsonb_build_object('status', o.status, 'severity', o.severity,
        'escalation_level', o.escalation_level, 'occurrence_count', o.occurrence_count)),
    -- the topic written out as private.alerts_topic() makes it, without a function call per row
    'UPDATE', 'tenant:' || n.tenant_id::text || ':alerts', true)
  from new_rows as n
  join old_rows as o on o.id = n.id;
  return null;
end;
$$;
comment on function private.tg_alerts__broadcast_update() is 'After update (per statement): realtime.send of each changed alert to tenant:<id>:alerts.';

revoke all on function private.alerts_topic(uuid), private.tg_alerts__broadcast_insert(), private.tg_alerts__broadcast_update() from public;
grant execute on function private.alerts_topic(uuid) to authenticated, service_role;

create trigger _800_broadcast_insert after insert on public.alerts
  referencing new table as new_rows
  for each statement execute function private.tg_alerts__broadcast_insert();
create trigger _800_broadcast_update after update on public.alerts
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.tg_alerts__broadcast_update();

-- Realtime Authorization: joining tenant:<id>:alerts (broadcast read) and tracking presence
-- there (who is looking at which alert) is for that tenant's members only.
create policy realtime_messages_alerts_read on realtime.messages for select to authenticated
  using (
    realtime.messages.extension in ('broadcast', 'presence')
    and realtime.messages.topic = (select realtime.topic())
    and (select realtime.topic()) = private.alerts_topic(private.jwt_tenant_id())
    and private.has_role(private.jwt_tenant_id(), 'viewer')
  );
comment on policy realtime_messages_alerts_read on realtime.messages is 'Members receive their own tenant''s alert broadcasts and presence, never another tenant''s.';
create policy realtime_messages_alerts_presence on realtime.messages for insert to authenticated
  with check (
    realtime.messages.extension = 'presence'
    and realtime.messages.topic = (select realtime.topic())
    and (select realtime.topic()) = private.alerts_topic(private.jwt_tenant_id())
    and private.has_role(private.jwt_tenant_id(), 'viewer')
  );
comment on policy realtime_messages_alerts_presence on realtime.messages is 'Members may announce presence on their tenant''s alerts topic; nobody may broadcast alerts from a client.';
