-- Alert SLA: per alert, the tenant's acknowledgement target for its severity
-- (settings.notifications.sla, defaults critical 15 min and high 60 min, none for medium and low;
-- see private.notification_settings) and whether it was met.
--
-- sla_status:
--   none      no target for this severity;
--   met       responded to (acknowledged; or resolved without an acknowledgement) at or before
--             created_at + target;
--   violated  responded to after the target, or still unanswered after it;
--   pending   not responded to yet and the target has not passed (at exactly created_at + target
--             it is still pending; a moment later it is violated).
-- The response is the first acknowledgement, or the resolution when the alert was resolved
-- without being acknowledged (someone dealt with it; leaving it unanswered forever would count
-- it as violated however quickly it was fixed). The clock is private.now().
--
-- Members have no SELECT on tenants.settings (it holds webhook secrets since 20261122110900), so
-- the view reads the targets through private.sla_minutes(), a security definer function that
-- returns only the acknowledgement minutes. The view calls it once per tenant and severity (a
-- function scan over the caller's visible tenants), not once per alert.
create or replace function private.sla_minutes(tenant_id uuid, severity text)
returns int
language plpgsql
stable
-- security definer: members cannot read tenants.settings, which also holds secrets; this reads
-- it for them and returns only one SLA target of a tenant the caller is a member of.
security definer
cost 1000 -- a table read per call: the planner should call it per tenant, not per alert
set search_path = ''
as $$
declare
  settings jsonb;
begin
  if auth.role() is not null and auth.role() <> 'service_role' and not private.has_role(sla_minutes.tenant_id, 'viewer') then
    return null;
  end if;
  select t.settings into settings from public.tenants as t where t.id = sla_minutes.tenant_id;
  return (private.notification_settings(settings) -> 'sla' -> sla_minutes.severity ->> 'acknowledge_minutes')::int;
end;
$$;
comment on function private.sla_minutes(uuid, text) is
  'The tenant''s SLA target (minutes to acknowledge) for a severity, from settings.notifications.sla over the defaults; null = no target, or the caller is not a member of the tenant.';
revoke all on function private.sla_minutes(uuid, text) from public;
grant execute on function private.sla_minutes(uuid, text) to authenticated, service_role;

create view public.alert_sla
with (security_invoker = true)
as
select
  a.id as alert_id,
  a.tenant_id,
  a.alert_type,
  a.category,
  a.store_id,
  a.severity,
  a.status,
  a.created_at,
  a.acknowledged_at,
  a.resolved_at,
  target.minutes as target_minutes,
  a.created_at + pg_catalog.make_interval(mins => target.minutes) as due_at,
  case
    when target.minutes is null then 'none'
    when least(a.acknowledged_at, a.resolved_at) is not null then
      case when least(a.acknowledged_at, a.resolved_at) <= a.created_at + pg_catalog.make_interval(mins => target.minutes)
           then 'met' else 'violated' end
    when private.now() > a.created_at + pg_catalog.make_interval(mins => target.minutes) then 'violated'
    else 'pending'
  end as sla_status
from public.alerts as a
join (
  select t.id as tenant_id, severities.severity, minutes.minutes
  from public.tenants as t
  cross join (values ('low'), ('medium'), ('high'), ('critical')) as severities (severity)
  cross join lateral private.sla_minutes(t.id, severities.severity) as minutes (minutes)
) as target on target.tenant_id = a.tenant_id and target.severity = a.severity;

comment on view public.alert_sla is
  'Per alert: the SLA target (minutes to acknowledge) for its severity, when it falls due, and sla_status met / violated / pending / none (see the migration header). Security invoker: RLS on alerts decides what a member sees.';
comment on column public.alert_sla.target_minutes is 'Minutes to acknowledge allowed for this severity by the tenant''s settings; null = no target.';
comment on column public.alert_sla.due_at is 'created_at + target_minutes: the last instant at which a response still meets the SLA.';
comment on column public.alert_sla.sla_status is 'met (responded by due_at), violated (responded later, or unanswered past due_at), pending (unanswered, due_at not passed), none (no target).';

revoke all on public.alert_sla from anon, authenticated;
grant select on public.alert_sla to authenticated, service_role;
