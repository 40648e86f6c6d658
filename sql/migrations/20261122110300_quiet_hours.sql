-- Quiet hours: a member's nightly window ({"start": "22:00", "end": "07:00"}, local wall-clock
-- times in an IANA zone) during which non-critical deliveries wait. Routing asks when the window
-- containing a moment ends and makes that the delivery's due_at.
--
-- The end is computed on the local calendar: (local date of the end + end time) at time zone
-- zone, so it is right across DST changes (a 22:00-07:00 night in Europe/Berlin is 8 hours long
-- when the clocks go forward and 10 hours when they go back). An end time that does not exist
-- that night (inside a spring-forward gap) is read as Postgres does, one hour later on the new
-- clock (02:30 -> 03:30 CEST); an end time that happens twice (fall-back) is the later one, so
-- the quiet never ends early.
-- plpgsql rather than sql so its plan is kept for the session (see 20261122110100).
create or replace function private.quiet_hours_end(at timestamptz, quiet_hours jsonb, zone text)
returns timestamptz
language plpgsql
immutable
set search_path = ''
as $$
begin
  return (
    select case
      -- Same-day window (e.g. 01:00-06:00).
      when w.starts < w.ends and w.local_time >= w.starts and w.local_time < w.ends
        then (w.local_date + w.ends) at time zone zone
      -- Overnight window (e.g. 22:00-07:00), evening part: it ends tomorrow.
      when w.starts > w.ends and w.local_time >= w.starts
        then ((w.local_date + 1) + w.ends) at time zone zone
      -- Overnight window, morning part: it ends today.
      when w.starts > w.ends and w.local_time < w.ends
        then (w.local_date + w.ends) at time zone zone
    end
    from (
      select (quiet_hours ->> 'start')::time as starts, (quiet_hours ->> 'end')::time as ends,
             (at at time zone zone)::date as local_date, (at at time zone zone)::time as local_time
      where pg_catalog.jsonb_typeof(quiet_hours) = 'object' and zone is not null
    ) as w
  );
end;
$$;
comment on function private.quiet_hours_end(timestamptz, jsonb, text) is 'If the moment at falls inside the quiet window {"start","end"} (local times in zone), the instant that window ends (DST-correct); else null.';

revoke all on function private.quiet_hours_end(timestamptz, jsonb, text) from public;
grant execute on function private.quiet_hours_end(timestamptz, jsonb, text) to authenticated, service_role;
