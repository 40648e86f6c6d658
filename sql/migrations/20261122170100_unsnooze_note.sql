-- Unsnooze with a note: public.unsnooze_alert(alert_id, note) ends a snooze early like the
-- one-argument form and, like acknowledge/resolve/snooze, records the member's note in
-- alert_history (through shelfwatch.transition_note, read by the history trigger of
-- 20261122080100). The one-argument form stays for existing callers and is now exactly
-- unsnooze_alert(alert_id, null). The note has no default on purpose: with a default, a call with
-- one argument would match both forms and Postgres would refuse it as ambiguous.

-- security definer: see public.acknowledge_alert (20261122080400): members have no UPDATE on
-- alerts; the function judges the caller by their JWT itself.
create or replace function public.unsnooze_alert(alert_id uuid, note text)
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
  perform private.check_transition_note(target.id, 'unsnooze', unsnooze_alert.note);
  if target.status <> 'snoozed' then
    raise exception 'Cannot unsnooze alert %: it is not snoozed (it is %)', target.id, target.status
      using errcode = 'SW004';
  end if;
  perform pg_catalog.set_config('shelfwatch.transition_note', coalesce(unsnooze_alert.note, ''), true);
  update public.alerts as a
  set status = 'active',
      snoozed_until = null
  where a.id = target.id
  returning a.* into changed;
  perform pg_catalog.set_config('shelfwatch.transition_note', '', true);
  return changed;
end;
$$;
comment on function public.unsnooze_alert(uuid, text) is
  'Ends a snooze early: the alert is active again (also if it had been acknowledged before); the note (at most 5000 characters, SW001) goes to alert_history. Managers and owners of its tenant, or a service. SW002/SW003/SW004/SW005 as documented in docs/errors.md.';

-- security definer: kept so the one-argument form behaves exactly as before (see above); it only
-- calls the two-argument form, which makes every check.
create or replace function public.unsnooze_alert(alert_id uuid)
returns public.alerts
language sql
security definer
set search_path = ''
as $$
  select public.unsnooze_alert(alert_id, null::text)
$$;
comment on function public.unsnooze_alert(uuid) is
  'Ends a snooze early without a note: public.unsnooze_alert(alert_id, null). Managers and owners of its tenant, or a service.';

revoke all on function public.unsnooze_alert(uuid, text) from public, anon;
grant execute on function public.unsnooze_alert(uuid, text) to authenticated, service_role;
