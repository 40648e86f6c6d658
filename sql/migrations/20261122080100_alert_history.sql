-- Alert history: every transition of every alert (created, repeated, severity change,
-- acknowledged, snoozed, resolved, escalated, ...), who did it and when. Written by statement-level
-- triggers on alerts, so no code path can change an alert without leaving a record.
create table public.alert_history (
  id bigint generated always as identity primary key,
  alert_id uuid not null references public.alerts (id) on delete cascade,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  action text not null constraint alert_history_action_valid check (action in (
    'created', 'repeated', 'severity_raised', 'severity_lowered', 'acknowledged', 'snoozed', 'unsnoozed',
    'resolved', 'reopened', 'escalated', 'updated')),
  from_status text,
  to_status text,
  from_severity text,
  to_severity text,
  -- null actor = the system (scoring, rules, cron); otherwise the JWT's sub.
  actor_id uuid,
  note text constraint alert_history_note_length check (length(note) <= 5000),
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default private.now()
);
comment on table public.alert_history is 'Audit trail: one row per alert transition with who (actor_id; null = system), when, from/to status and severity, and the note.';
create index alert_history_alert on public.alert_history (alert_id, id);
create index alert_history_tenant_recent on public.alert_history (tenant_id, created_at desc);

alter table public.alert_history enable row level security;
revoke all on public.alert_history from anon, authenticated;
grant select on public.alert_history to authenticated;
grant select, insert on public.alert_history to service_role;

create policy alert_history_select on public.alert_history for select to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'viewer')));
comment on policy alert_history_select on public.alert_history is 'Members read their tenant''s audit trail; it is append-only for everyone.';

-- The lifecycle functions pass the member's note to the history triggers through this
-- transaction-local setting (a trigger has no other way to receive it).
create or replace function private.transition_note()
returns text
language sql
stable
set search_path = ''
as $$
  select nullif(current_setting('shelfwatch.transition_note', true), '')
$$;
comment on function private.transition_note() is 'The note the current lifecycle call attached to its transition, if any.';

create or replace function private.tg_alerts__history_insert()
returns trigger
language plpgsql
security definer -- writes history for whichever role inserted the alert; history is not writable by members
set search_path = ''
as $$
begin
  insert into public.alert_history (alert_id, tenant_id, action, to_status, to_severity, actor_id, note, details, created_at)
  select n.id, n.tenant_id, 'created', n.status, n.severity, auth.uid(), private.transition_note(),
         pg_catalog.jsonb_build_object('source', n.source, 'alert_type', n.alert_type), private.now()
  from new_rows as n;
  return null;
end;
$$;
comment on function private.tg_alerts__history_insert() is 'After insert (per statement): one created row in alert_history per new alert.';

create or replace function private.tg_alerts__history_update()
returns trigger
language plpgsql
security definer -- see tg_alerts__history_insert
set search_path = ''
-- Transition tables have no statistics, so the planner assumes one row each and nests the old/new
-- join: quadratic for a statement that updates thousands of alerts. A hash join is always right here.
set enable_nestloop = off
as $$
begin
  insert into public.alert_history (alert_id, tenant_id, action, from_status, to_status, from_severity, to_severity,
                                    actor_id, note, details, created_at)
  select n.id, n.tenant_id, change.action, o.status, n.status, o.severity, n.severity, auth.uid(),
         -- A resolution made by the system (scoring) carries its reason in resolution_notes.
         coalesce(private.transition_note(), case when change.action = 'resolved' then n.resolution_notes end),
         change.details, private.now()
  from new_rows as n
  join old_rows as o on o.id = n.id
  cross join lateral (
    -- One row per alert per statement: the most significant thing that happened to it.
    select case
      when n.status <> o.status and n.status = 'resolved' then 'resolved'
      when n.status <> o.status and o.status = 'resolved' then 'reopened'
      when n.status <> o.status and n.status = 'acknowledged' then 'acknowledged'
      when n.status <> o.status and n.status = 'snoozed' then 'snoozed'
      when n.status <> o.status and o.status = 'snoozed' then 'unsnoozed'
      when n.escalation_level > o.escalation_level then 'escalated'
      -- Severity order inline (private.severity_rank(), never inlined, costs a call per row).
      when case n.severity when 'low' then 1 when 'medium' then 2 when 'high' then 3 when 'critical' then 4 else 0 end > case o.severity when 'low' then 1 when 'medium' then 2 when 'high' then 3 when 'critical' then 4 else 0 end then 'severity_raised'
      when case n.severity when 'low' then 1 when 'medium' then 2 when 'high' then 3 when 'critical' then 4 else 0 end < case o.severity when 'low' then 1 when 'medium' then 2 when 'high' then 3 when 'critical' then 4 else 0 end then 'severity_lowered'
      when n.occurrence_count > o.occurrence_count then 'repeated'
      else 'updated'
    end as action,
    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'occurrence_count', nullif(n.occurrence_count, o.occurrence_count),
      'escalation_level', nullif(n.escalation_level, o.escalation_level),
      'snoozed_until', case when n.snoozed_until is distinct from o.snoozed_until then n.snoozed_until end
    )) as details
  ) as change
  -- A repeat that changed nothing but the counters is recorded only when the count passes a
  -- multiple of 10, so a noisy source cannot flood the audit trail; the alert row keeps the exact
  -- count. Changes to text or facts alone (a stock alert's on_hand moving) are not transitions
  -- and are not recorded either; the alert row always shows the latest.
  where not (change.action = 'repeated' and n.occurrence_count / 10 = o.occurrence_count / 10)
    and not (change.action = 'updated' and n.status = o.status and n.severity = o.severity);
  return null;
end;
$$;
comment on function private.tg_alerts__history_update() is 'After update (per statement): records each alert''s transition (status, severity, escalation; every 10th repeat) in alert_history.';

revoke all on function private.transition_note(), private.tg_alerts__history_insert(), private.tg_alerts__history_update() from public;
grant execute on function private.transition_note() to authenticated, service_role;

create trigger _500_record_history_insert after insert on public.alerts
  referencing new table as new_rows
  for each statement execute function private.tg_alerts__history_insert();
create trigger _500_record_history_update after update on public.alerts
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.tg_alerts__history_update();
