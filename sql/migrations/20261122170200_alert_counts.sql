-- Alert counts by tenant x severity x status, kept current by the alert triggers, so the alert
-- summary (GET /alerts/summary, the analytics dashboard) reads a few rows instead of counting
-- every alert a tenant has ever had (on 100,000 alerts: ~17 ms even with a narrow
-- (tenant_id, severity, status) index for an index-only count, ~40 ms without, and growing with
-- the table).
--
-- Writers never wait for each other: each statement that inserts, updates (severity or status)
-- or deletes alerts appends its net change per (tenant, severity, status) to
-- private.alert_count_changes, an append-only table with no row anyone updates. A counter row
-- updated in place would serialize every concurrent alert write of a tenant on one row lock held
-- until commit. private.fold_alert_counts() (pg_cron, every minute) moves the changes into
-- private.alert_counts in one statement; public.alert_counts adds both up, so a reader sees the
-- same numbers before and after a fold (one statement, one snapshot: a change is either still
-- pending or folded, never both).
--
-- Writes made with triggers off (session_replication_role = replica, a bulk load) are not counted;
-- private.recount_alerts(tenant) recounts from the alerts themselves and is safe to run at any
-- time, also while alerts change.
--
-- Both tables are read by members through public.alert_counts (security invoker), so RLS decides
-- with the same rule as public.alerts (alerts_select): members of the tenant, any role. If that
-- rule ever narrows (say, to a member's stores), these policies must narrow with it. Nobody but
-- the triggers and the two functions writes them (no write grants, so no write policies).

create table private.alert_counts (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  severity text not null,
  status text not null,
  alerts bigint not null,
  primary key (tenant_id, severity, status)
);
comment on table private.alert_counts is
  'Alerts per tenant x severity x status as of the last fold; add private.alert_count_changes (public.alert_counts does) for the current numbers.';

-- No foreign key: a tenant's deletion cascades to its alerts, whose delete trigger appends
-- changes for that tenant while it is being deleted. The fold drops changes of tenants that are gone.
create table private.alert_count_changes (
  tenant_id uuid not null,
  severity text not null,
  status text not null,
  change bigint not null
);
create index alert_count_changes_tenant on private.alert_count_changes (tenant_id);
comment on table private.alert_count_changes is
  'Net changes to private.alert_counts appended by each statement that writes alerts, until private.fold_alert_counts() folds them in.';

alter table private.alert_counts enable row level security;
alter table private.alert_count_changes enable row level security;
revoke all on private.alert_counts, private.alert_count_changes from public, anon, authenticated;
grant select on private.alert_counts, private.alert_count_changes to authenticated, service_role;

create policy alert_counts_select on private.alert_counts for select to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'viewer')));
comment on policy alert_counts_select on private.alert_counts is
  'Members of the tenant (any role) read its counts, as they read its alerts (alerts_select); nobody else.';
create policy alert_count_changes_select on private.alert_count_changes for select to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'viewer')));
comment on policy alert_count_changes_select on private.alert_count_changes is
  'Members of the tenant (any role) read its pending count changes, as they read its alerts (alerts_select); nobody else.';

create view public.alert_counts
with (security_invoker = true)
as
  select c.tenant_id, c.severity, c.status, pg_catalog.sum(c.alerts)::bigint as alerts
  from (
    select tenant_id, severity, status, alerts from private.alert_counts
    union all
    select tenant_id, severity, status, change from private.alert_count_changes
  ) as c
  group by c.tenant_id, c.severity, c.status;
comment on view public.alert_counts is
  'How many alerts each tenant has by severity x status, current to the last committed write; RLS shows members their own tenant only.';
revoke all on public.alert_counts from public, anon;
grant select on public.alert_counts to authenticated, service_role;

-- security definer (the four trigger functions): members and services write alerts through
-- functions and triggers running as various roles; none of them may write the count tables.
create or replace function private.tg_alerts__count_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.alert_count_changes (tenant_id, severity, status, change)
  select n.tenant_id, n.severity, n.status, pg_catalog.count(*)
  from new_rows as n
  group by n.tenant_id, n.severity, n.status;
  return null;
end;
$$;
comment on function private.tg_alerts__count_insert() is 'After insert (per statement): appends the new alerts to the count changes.';

create or replace function private.tg_alerts__count_update()
returns trigger
language plpgsql
security definer
set search_path = ''
-- Transition tables have no statistics (see tg_alerts__history_update): always hash-join them.
set enable_nestloop = off
as $$
begin
  insert into private.alert_count_changes (tenant_id, severity, status, change)
  select c.tenant_id, c.severity, c.status, pg_catalog.sum(c.change)
  from new_rows as n
  join old_rows as o on o.id = n.id
  cross join lateral (values (n.tenant_id, n.severity, n.status, 1),
                             (o.tenant_id, o.severity, o.status, -1)) as c (tenant_id, severity, status, change)
  where n.status <> o.status or n.severity <> o.severity or n.tenant_id <> o.tenant_id
  group by c.tenant_id, c.severity, c.status
  having pg_catalog.sum(c.change) <> 0;
  return null;
end;
$$;
comment on function private.tg_alerts__count_update() is 'After update (per statement): appends each alert moved to another severity or status to the count changes (repeats and text changes append nothing).';

create or replace function private.tg_alerts__count_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.alert_count_changes (tenant_id, severity, status, change)
  select o.tenant_id, o.severity, o.status, -pg_catalog.count(*)
  from old_rows as o
  group by o.tenant_id, o.severity, o.status;
  return null;
end;
$$;
comment on function private.tg_alerts__count_delete() is 'After delete (per statement, e.g. retention): takes the deleted alerts off the counts.';

create or replace function private.tg_alerts__count_truncate()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from private.alert_count_changes;
  delete from private.alert_counts;
  return null;
end;
$$;
comment on function private.tg_alerts__count_truncate() is 'After truncate: no alerts, no counts.';

create trigger _700_count_insert after insert on public.alerts
  referencing new table as new_rows
  for each statement execute function private.tg_alerts__count_insert();
create trigger _700_count_update after update on public.alerts
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.tg_alerts__count_update();
create trigger _700_count_delete after delete on public.alerts
  referencing old table as old_rows
  for each statement execute function private.tg_alerts__count_delete();
create trigger _700_count_truncate after truncate on public.alerts
  for each statement execute function private.tg_alerts__count_truncate();

-- Folds and recounts take one transaction-level advisory lock, so they run one at a time (both
-- delete changes and upsert counts, in different orders: two at once could deadlock). Writers
-- never take it. After the lock, one statement does the work: the changes it deletes are exactly
-- the ones it adds (rows appended meanwhile are not in its snapshot and wait for the next fold).
create or replace function private.fold_alert_counts()
returns int
language plpgsql
volatile
set search_path = ''
as $$
declare
  touched int;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('shelfwatch.alert_counts'));
  with moved as (
    delete from private.alert_count_changes
    returning tenant_id, severity, status, change
  ),
  summed as (
    select m.tenant_id, m.severity, m.status, pg_catalog.sum(m.change)::bigint as change
    from moved as m
    where exists (select 1 from public.tenants as t where t.id = m.tenant_id)
    group by m.tenant_id, m.severity, m.status
  ),
  folded as (
    insert into private.alert_counts as c (tenant_id, severity, status, alerts)
    select s.tenant_id, s.severity, s.status, s.change from summed as s
    on conflict (tenant_id, severity, status) do update set alerts = c.alerts + excluded.alerts
    returning 1
  )
  select pg_catalog.count(*)::int into touched from folded;
  return touched;
end;
$$;
comment on function private.fold_alert_counts() is
  'Moves the pending count changes into private.alert_counts; returns how many counts it touched. Run by pg_cron every minute.';

-- The same lock, then one statement that counts a tenant's alerts in one pass (grouped by
-- severity and status): the alerts it counts and the changes it deletes are those of one
-- snapshot, so a write committed before it is counted once (its change deleted) and one committed
-- after it stays pending (its change survives).
create or replace function private.recount_alerts(tenant uuid default null)
returns int
language plpgsql
volatile
set search_path = ''
as $$
declare
  written int;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('shelfwatch.alert_counts'));
  with dropped as (
    delete from private.alert_count_changes as d
    where recount_alerts.tenant is null or d.tenant_id = recount_alerts.tenant
    returning 1
  ),
  counted as (
    select a.tenant_id, a.severity, a.status, pg_catalog.count(*) as alerts
    from public.alerts as a
    where recount_alerts.tenant is null or a.tenant_id = recount_alerts.tenant
    group by a.tenant_id, a.severity, a.status
  ),
  exact as (
    select t.id as tenant_id, s.severity, st.status, coalesce(c.alerts, 0) as alerts
    from public.tenants as t
    cross join (values ('low'), ('medium'), ('high'), ('critical')) as s (severity)
    cross join (values ('active'), ('acknowledged'), ('snoozed'), ('resolved')) as st (status)
    left join counted as c on c.tenant_id = t.id and c.severity = s.severity and c.status = st.status
    where recount_alerts.tenant is null or t.id = recount_alerts.tenant
  ),
  upserted as (
    insert into private.alert_counts as c (tenant_id, severity, status, alerts)
    select e.tenant_id, e.severity, e.status, e.alerts from exact as e
    on conflict (tenant_id, severity, status) do update set alerts = excluded.alerts
    returning 1
  )
  select pg_catalog.count(*)::int into written from upserted;
  return written;
end;
$$;
comment on function private.recount_alerts(uuid) is
  'Recounts a tenant''s alerts (all tenants when null) from public.alerts in one pass, replacing its counts and pending changes; for after writes made with triggers off. Returns how many counts it wrote.';

revoke all on function private.tg_alerts__count_insert(), private.tg_alerts__count_update(),
  private.tg_alerts__count_delete(), private.tg_alerts__count_truncate(), private.fold_alert_counts(),
  private.recount_alerts(uuid) from public;
grant execute on function private.fold_alert_counts(), private.recount_alerts(uuid) to service_role;

select private.recount_alerts();
select private.schedule_job('shelfwatch_fold_alert_counts', 60, 'select private.fold_alert_counts()');
