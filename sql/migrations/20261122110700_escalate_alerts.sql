-- Escalation: an alert nobody has acknowledged is escalated step by step under the policy
-- snapshotted on it (20261122110400). Raising escalation_level is all this does: the history
-- trigger records it as escalated, and routing (20261122110500) sends the escalated notices to
-- the policy's roles on the policy's channels.
--
-- Timing, precisely. With the snapshot's started_at (the alert's created_at, or the moment its
-- severity changed), after_minutes, repeat_minutes, repeats and base_level, and
-- done = escalation_level - base_level steps already taken:
--   the next step is due at started_at + after_minutes + done * repeat_minutes
--   while done < repeats, and only while the alert is active (acknowledged, snoozed or resolved
--   alerts are not escalated; the clock keeps running, so an alert whose snooze ends after a step
--   was due is escalated at the next run).
-- Default critical policy: steps at +15, +30 and +45 minutes; high: +60 and +120.
-- A run that finds several steps overdue (the alert was snoozed, or cron was down) jumps to the
-- level now due in one update, so people get one escalated notice, not a burst.
create or replace function private.escalate_alerts()
returns int
language sql
volatile
set search_path = ''
-- Act as the system: history records a null actor, whoever runs it.
set request.jwt.claims = ''
set request.jwt.claim.sub = ''
set shelfwatch.transition_note = ''
as $$
  with due as (
    select a.id,
           p.base_level + least(p.repeats,
             pg_catalog.floor((extract(epoch from private.now() - p.started_at) / 60 - p.after_minutes) / p.repeat_minutes)::int + 1)
             as target_level
    from public.alerts as a
    cross join lateral (
      select (a.escalation_policy ->> 'after_minutes')::int as after_minutes,
             (a.escalation_policy ->> 'repeat_minutes')::int as repeat_minutes,
             (a.escalation_policy ->> 'repeats')::int as repeats,
             coalesce((a.escalation_policy ->> 'base_level')::int, 0) as base_level,
             coalesce((a.escalation_policy ->> 'started_at')::timestamptz, a.created_at) as started_at
    ) as p
    where a.status = 'active'
      and a.escalation_policy is not null
      and a.escalation_level < p.base_level + p.repeats
      and private.now() >= p.started_at
            + pg_catalog.make_interval(mins => p.after_minutes + greatest(a.escalation_level - p.base_level, 0) * p.repeat_minutes)
    -- A row another transaction is changing right now (someone acknowledging it) waits for the next run.
    for update of a skip locked
  ),
  escalated as (
    update public.alerts as a
    set escalation_level = due.target_level
    from due
    where a.id = due.id
      and due.target_level > a.escalation_level
    returning 1
  )
  select pg_catalog.count(*)::int from escalated
$$;
comment on function private.escalate_alerts() is 'Escalates every active alert whose next policy step is due (started_at + after_minutes + steps taken x repeat_minutes, at most repeats steps), as the system; returns how many. Run by pg_cron.';

-- The escalation job scans only active alerts that have a policy.
create index alerts_escalation_candidates on public.alerts (created_at) where status = 'active' and escalation_policy is not null;

revoke all on function private.escalate_alerts() from public;
grant execute on function private.escalate_alerts() to service_role;

select private.schedule_job('shelfwatch_escalate', 30, 'select private.escalate_alerts()');
-- Snoozes end on time too (the lifecycle migration defines the function but does not schedule it).
select private.schedule_job('shelfwatch_unsnooze', 30, 'select private.unsnooze_expired()')
where pg_catalog.to_regprocedure('private.unsnooze_expired()') is not null;
