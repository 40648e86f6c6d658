-- Alerts: one row per open problem (and its closed predecessors). At most one open alert per
-- (tenant_id, dedup_key): a repeat updates it and bumps occurrence_count, a re-fire after resolve
-- opens a new one. Members read alerts; every change goes through the lifecycle functions.
create or replace function private.severity_rank(severity text)
returns int
language sql
immutable
set search_path = ''
as $$
  select case severity when 'low' then 1 when 'medium' then 2 when 'high' then 3 when 'critical' then 4 else 0 end
$$;
comment on function private.severity_rank(text) is 'Orders severities: low 1 < medium 2 < high 3 < critical 4; anything else 0.';
revoke all on function private.severity_rank(text) from public;
grant execute on function private.severity_rank(text) to authenticated, service_role;

create table public.alerts (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  alert_type text not null constraint alerts_alert_type_format check (alert_type ~ '^[a-z][a-z0-9_.]{0,63}$'),
  category text not null default 'inventory' constraint alerts_category_format check (category ~ '^[a-z][a-z0-9_]{0,31}$'),
  severity text not null constraint alerts_severity_valid check (severity in ('low', 'medium', 'high', 'critical')),
  -- 0..100, higher is more urgent; orders the outbox. Defaults from severity.
  priority int not null default 50 constraint alerts_priority_range check (priority between 0 and 100),
  status text not null default 'active' constraint alerts_status_valid check (status in ('active', 'acknowledged', 'snoozed', 'resolved')),
  title text not null constraint alerts_title_length check (length(btrim(title)) between 1 and 300),
  description text not null default '' constraint alerts_description_length check (length(description) <= 5000),
  recommended_action text constraint alerts_recommended_action_length check (length(recommended_action) <= 2000),
  business_impact text constraint alerts_business_impact_length check (length(business_impact) <= 2000),
  impact_value numeric,
  store_id text,
  product_id text,
  source text not null default 'shelfwatch' constraint alerts_source_length check (length(source) between 1 and 100),
  dedup_key text not null constraint alerts_dedup_key_length check (length(dedup_key) between 1 and 500),
  occurrence_count int not null default 1 constraint alerts_occurrence_count_positive check (occurrence_count >= 1),
  first_seen_at timestamptz not null default private.now(),
  last_seen_at timestamptz not null default private.now(),
  created_at timestamptz not null default private.now(),
  updated_at timestamptz not null default now(),
  acknowledged_at timestamptz,
  acknowledged_by uuid,
  resolved_at timestamptz,
  resolved_by uuid,
  resolution_notes text constraint alerts_resolution_notes_length check (length(resolution_notes) <= 5000),
  snoozed_until timestamptz,
  escalation_level int not null default 0 constraint alerts_escalation_level_nonnegative check (escalation_level >= 0),
  -- The tenant's escalation policy for this severity, copied when the alert is created, so a
  -- later policy change does not rewrite the rules an open alert is escalated under.
  escalation_policy jsonb,
  metadata jsonb not null default '{}'::jsonb constraint alerts_metadata_object check (jsonb_typeof(metadata) = 'object'),
  response_time_seconds numeric generated always as (extract(epoch from acknowledged_at - created_at)) stored,
  resolution_time_seconds numeric generated always as (extract(epoch from resolved_at - created_at)) stored,
  constraint alerts_snoozed_has_until check (status <> 'snoozed' or snoozed_until is not null),
  constraint alerts_resolved_has_time check (status <> 'resolved' or resolved_at is not null)
);
comment on table public.alerts is 'Alerts with their lifecycle (active -> acknowledged/snoozed -> resolved), dedup (one open alert per tenant_id + dedup_key), actionable text and metadata.';
comment on column public.alerts.dedup_key is 'Identity of the problem: repeats with the same key update the open alert instead of opening another.';
comment on column public.alerts.metadata is 'Actionable facts: for stock alerts on_hand, daily_demand, days_until_stockout, reorder_point, reorder_quantity, units_short, ...';
comment on column public.alerts.response_time_seconds is 'Seconds from creation to the first acknowledgement.';
comment on column public.alerts.resolution_time_seconds is 'Seconds from creation to resolution.';

create unique index alerts_one_open_per_dedup_key on public.alerts (tenant_id, dedup_key) where status <> 'resolved';
create index alerts_tenant_recent on public.alerts (tenant_id, created_at desc, id desc);
create index alerts_tenant_open on public.alerts (tenant_id, severity, created_at desc) where status <> 'resolved';
create index alerts_tenant_item on public.alerts (tenant_id, store_id, product_id);
create index alerts_snoozed_due on public.alerts (snoozed_until) where status = 'snoozed';

create trigger _900_set_updated_at before update on public.alerts
  for each row execute function private.tg_set_updated_at();

alter table public.alerts enable row level security;
revoke all on public.alerts from anon, authenticated;
-- Read only: acknowledge/resolve/snooze go through functions that check the member's role and
-- write history; a direct UPDATE (e.g. through PostgREST on hosted Supabase) is not granted.
grant select on public.alerts to authenticated;
grant all on public.alerts to service_role;

create policy alerts_select on public.alerts for select to authenticated
  using (tenant_id = (select private.jwt_tenant_id()) and (select private.has_role(private.jwt_tenant_id(), 'viewer')));
comment on policy alerts_select on public.alerts is 'Members of the tenant (any role) read its alerts; nobody else.';
