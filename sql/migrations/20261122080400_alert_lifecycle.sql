-- Alert lifecycle: acknowledge, resolve, snooze and unsnooze, the only way a member changes an
-- alert (members have no UPDATE on alerts). Each call judges the caller by their JWT, locks the
-- alert row (select ... for update) so concurrent transitions on one alert serialize, refuses a
-- transition that makes no sense, and hands the member's note to the history triggers
-- (20261122080100) through the transaction-local setting shelfwatch.transition_note; the
-- broadcast triggers (20261122080200) tell the dashboards. private.unsnooze_expired() ends the
-- snoozes whose time has come (pg_cron, and tests after moving shelfwatch.now).
--
-- Who may do what: a caller with service_role claims, or with no claims at all (a direct SQL
-- session of a privileged database login), acts as the system, on any tenant's alerts. Any other
-- caller must be an active member of the tenant named in their JWT: staff or above acknowledge;
-- managers and owners also resolve, snooze and unsnooze; viewers do none of these.
--
-- Checks run in this order, so an answer never reveals more than the caller may know:
--   SW005 the caller is not an active member of the tenant in their JWT;
--   SW003 their role is too low for this action (decided before the alert is looked at);
--   SW002 no such alert in the caller's tenant (another tenant's alert is "not found" too);
--   SW001 invalid input (a note over 5000 characters, a snooze time not within the next 30 days);
--   SW004 the alert's status does not allow the transition.
--
-- Choices where the contract leaves room:
-- - acknowledged_at/acknowledged_by keep the FIRST acknowledgement (an alert acknowledged,
--   snoozed, and acknowledged again after the snooze ended keeps its first time and member), so
--   response_time_seconds is the time to first response; alert_history has every acknowledgement.
-- - Unsnoozing, by a member or by expiry, always returns the alert to active, also one that was
--   acknowledged before it was snoozed: a snooze means "remind me later", and when it ends the
--   alert asks for attention again (and is escalated again if nobody acts).
-- - Acknowledging a snoozed alert is allowed and ends the snooze ("I am on it now").
-- - Snoozing an already snoozed alert is refused (SW004: unsnooze it first): the history trigger
--   records only status changes, so a changed snooze time would leave no audit row.
-- - Resolving clears snoozed_until and leaves acknowledged_at as it was (null if never acknowledged).

-- Judges the caller and locks the alert they act on. Security invoker: it is called only by the
-- security definer lifecycle functions below, so it runs as their owner; nobody else may execute it.
create or replace function private.lock_alert_for_action(alert_id uuid, action text, minimum_role text)
returns public.alerts
language plpgsql
volatile
set search_path = ''
as $$
declare
  tenant uuid;
  caller_role text;
  target public.alerts;
begin
  if auth.role() is null or auth.role() = 'service_role' then
    select a.* into target
    from public.alerts as a
    where a.id = lock_alert_for_action.alert_id
    for update;
  else
    tenant := private.jwt_tenant_id();
    caller_role := private.member_role(tenant);
    if caller_role is null then
      raise exception 'Cannot % alert %: the caller is not an active member of the tenant named in their token',
        action, coalesce(lock_alert_for_action.alert_id::text, 'null')
        using errcode = 'SW005', hint = 'Sign in with a token whose app_metadata.tenant_id names a tenant you belong to.';
    end if;
    if private.role_rank(caller_role) < private.role_rank(minimum_role) then
      raise exception 'Cannot % alert %: needs the % role or above (the caller is %)',
        action, coalesce(lock_alert_for_action.alert_id::text, 'null'), minimum_role, caller_role
        using errcode = 'SW003';
    end if;
    select a.* into target
    from public.alerts as a
    where a.id = lock_alert_for_action.alert_id
      and a.tenant_id = tenant
    for update;
  end if;
  if target.id is null then
    raise exception 'Cannot % alert %: no such alert', action, coalesce(lock_alert_for_action.alert_id::text, 'null')
      using errcode = 'SW002';
  end if;
  return target;
end;
$$;
comment on function private.lock_alert_for_action(uuid, text, text) is
  'For the lifecycle functions: checks the caller (system, or an active member with at least minimum_role: SW005/SW003), then locks and returns the alert in their scope (SW002 if none).';

create or replace function private.check_transition_note(alert_id uuid, action text, note text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if pg_catalog.length(note) > 5000 then
    raise exception 'Cannot % alert %: note must be at most 5000 characters (got %)', action, alert_id, pg_catalog.length(note)
      using errcode = 'SW001';
  end if;
end;
$$;
comment on function private.check_transition_note(uuid, text, text) is 'Raises SW001 when a lifecycle note is longer than 5000 characters.';

-- security definer: members have no UPDATE on alerts (a direct update would skip these checks);
-- the function checks the caller itself, judged by their JWT, since current_user is the owner here.
create or replace function public.acknowledge_alert(alert_id uuid, note text default null)
returns public.alerts
language plpgsql
security definer
set search_path = ''
as $$
declare
  target public.alerts;
  changed public.alerts;
begin
  target := private.lock_alert_for_action(acknowledge_alert.alert_id, 'acknowledge', 'staff');
  perform private.check_transition_note(target.id, 'acknowledge', acknowledge_alert.note);
  if target.status in ('acknowledged', 'resolved') then
    raise exception 'Cannot acknowledge alert %: it is already %', target.id, target.status
      using errcode = 'SW004';
  end if;
  perform pg_catalog.set_config('shelfwatch.transition_note', coalesce(acknowledge_alert.note, ''), true);
  update public.alerts as a
  set status = 'acknowledged',
      acknowledged_at = coalesce(a.acknowledged_at, private.now()),
      acknowledged_by = case when a.acknowledged_at is null then auth.uid() else a.acknowledged_by end,
      snoozed_until = null
  where a.id = target.id
  returning a.* into changed;
  perform pg_catalog.set_config('shelfwatch.transition_note', '', true);
  return changed;
end;
$$;
comment on function public.acknowledge_alert(uuid, text) is
  'Acknowledges an active or snoozed alert ("I am on it"): staff and above of its tenant, or a service. Keeps the first acknowledged_at/_by; records the note in alert_history. SW002/SW003/SW004/SW005 as documented in docs/errors.md.';

-- security definer: see acknowledge_alert.
create or replace function public.resolve_alert(alert_id uuid, note text default null)
returns public.alerts
language plpgsql
security definer
set search_path = ''
as $$
declare
  target public.alerts;
  changed public.alerts;
begin
  target := private.lock_alert_for_action(resolve_alert.alert_id, 'resolve', 'manager');
  perform private.check_transition_note(target.id, 'resolve', resolve_alert.note);
  if target.status = 'resolved' then
    raise exception 'Cannot resolve alert %: it is already resolved', target.id
      using errcode = 'SW004';
  end if;
  perform pg_catalog.set_config('shelfwatch.transition_note', coalesce(resolve_alert.note, ''), true);
  update public.alerts as a
  set status = 'resolved',
      resolved_at = private.now(),
      resolved_by = auth.uid(),
      resolution_notes = nullif(resolve_alert.note, ''),
      snoozed_until = null
  where a.id = target.id
  returning a.* into changed;
  perform pg_catalog.set_config('shelfwatch.transition_note', '', true);
  return changed;
end;
$$;
comment on function public.resolve_alert(uuid, text) is
  'Resolves an open alert (active, acknowledged or snoozed); the note becomes resolution_notes and goes to alert_history. Managers and owners of its tenant, or a service. A later repeat of the same problem opens a new alert.';

-- security definer: see acknowledge_alert.
create or replace function public.snooze_alert(alert_id uuid, until timestamptz, note text default null)
returns public.alerts
language plpgsql
security definer
set search_path = ''
as $$
declare
  target public.alerts;
  changed public.alerts;
begin
  target := private.lock_alert_for_action(snooze_alert.alert_id, 'snooze', 'manager');
  perform private.check_transition_note(target.id, 'snooze', snooze_alert.note);
  if snooze_alert.until is null
     or snooze_alert.until <= private.now()
     or snooze_alert.until > private.now() + interval '30 days' then
    raise exception 'Cannot snooze alert %: until must be in the future and at most 30 days ahead (got %)',
      target.id, coalesce(snooze_alert.until::text, 'null')
      using errcode = 'SW001';
  end if;
  if target.status in ('snoozed', 'resolved') then
    raise exception 'Cannot snooze alert %: it is %', target.id,
      case target.status when 'snoozed' then 'already snoozed (unsnooze it first)' else 'resolved' end
      using errcode = 'SW004';
  end if;
  perform pg_catalog.set_config('shelfwatch.transition_note', coalesce(snooze_alert.note, ''), true);
  update public.alerts as a
  set status = 'snoozed',
      snoozed_until = snooze_alert.until
  where a.id = target.id
  returning a.* into changed;
  perform pg_catalog.set_config('shelfwatch.transition_note', '', true);
  return changed;
end;
$$;
comment on function public.snooze_alert(uuid, timestamptz, text) is
  'Snoozes an active or acknowledged alert until a time in the next 30 days, when private.unsnooze_expired() makes it active again. Managers and owners of its tenant, or a service.';

-- security definer: see acknowledge_alert.
create or replace function public.unsnooze_alert(alert_id uuid)
returns public.alerts
language plpgsql
security definer
set search_path = ''
as $$
declare
  target public.alerts;
  changed public.alerts;
begin
  target := private.lock_alert_for_action(unsnooze_alert.alert_id, 'unsnooze', 'manager');
  if target.status <> 'snoozed' then
    raise exception 'Cannot unsnooze alert %: it is not snoozed (it is %)', target.id, target.status
      using errcode = 'SW004';
  end if;
  -- No note: make sure one left by an earlier call in this transaction is not recorded here.
  perform pg_catalog.set_config('shelfwatch.transition_note', '', true);
  update public.alerts as a
  set status = 'active',
      snoozed_until = null
  where a.id = target.id
  returning a.* into changed;
  return changed;
end;
$$;
comment on function public.unsnooze_alert(uuid) is
  'Ends a snooze early: the alert is active again (also if it had been acknowledged before). Managers and owners of its tenant, or a service.';

-- Set-based and run by the system: the function's own settings blank the JWT claims (so
-- alert_history records a null actor whoever calls it) and the note, and restore them on return.
-- Rows another transaction is changing right now are skipped and left for the next run, so a
-- long member transaction never holds up the cron job.
create or replace function private.unsnooze_expired()
returns int
language sql
volatile
set search_path = ''
set request.jwt.claims = ''
set request.jwt.claim.sub = ''
set shelfwatch.transition_note = ''
as $$
  with due as (
    select a.id
    from public.alerts as a
    where a.status = 'snoozed'
      and a.snoozed_until <= private.now()
    for update skip locked
  ),
  woken as (
    update public.alerts as a
    set status = 'active',
        snoozed_until = null
    from due
    where a.id = due.id
    returning 1
  )
  select pg_catalog.count(*)::int from woken
$$;
comment on function private.unsnooze_expired() is
  'Makes every snoozed alert whose snoozed_until has passed (private.now()) active again, as the system (history actor null); returns how many. Run by pg_cron.';

revoke all on function private.lock_alert_for_action(uuid, text, text), private.check_transition_note(uuid, text, text),
  private.unsnooze_expired() from public;
grant execute on function private.unsnooze_expired() to service_role;

revoke all on function public.acknowledge_alert(uuid, text), public.resolve_alert(uuid, text),
  public.snooze_alert(uuid, timestamptz, text), public.unsnooze_alert(uuid) from public, anon;
grant execute on function public.acknowledge_alert(uuid, text), public.resolve_alert(uuid, text),
  public.snooze_alert(uuid, timestamptz, text), public.unsnooze_alert(uuid) to authenticated, service_role;
