-- Event processing: every statement that inserts alert_events is processed by one
-- statement-level trigger, set-based, in stages with one job each (as in Alertmanager):
--   1. route     match each event to its tenant's active rules by event type and evaluate them
--                (private.evaluate_rule: conditions, severity, templates, dedup key)
--   2. lock      the rules with a rate cap and the open alerts the verdicts would touch, so
--                concurrent inserts count occurrences and caps exactly
--   3. plan      (private.plan_event_alerts) silence (suppressions), throttle after a resolve,
--                cap new alerts per rule per hour, aggregate repeats into windows and mark which
--                occurrences notify, and build one private.alert_candidate per event and alert
--   4. dedup     one call of private.raise_alerts() for the whole statement
--   5. record    each event's status, reason, alert_id, rule_id, occurrence, notify, processed_at
-- Nothing loops over events; 10,000 events in one insert are a handful of statements. Events that
-- no rule routes to, or that no rule's conditions match, skip stages 2-4 (the common case of
-- informational events).
--
-- Choices where the contract leaves room:
-- - Several rules may match one event: each raises its own alert (unless their dedup keys are
--   equal: one key is one problem and one alert, and the event counts once in it). The event's
--   own status is the best outcome of its rules (alerted > aggregated > throttled > suppressed >
--   rejected), rule_id/alert_id are that rule's and alert's, and reason lists every rule's outcome.
-- - Within one dedup key the most severe verdict (then the latest event) is the representative:
--   its rule governs windows, notify_every, throttling and the cap, and its texts go on the alert.
-- - "Now" for windows, throttling and caps is private.now() at processing time (the events of one
--   statement share it), not the events' occurred_at, which senders may backdate.
-- - Aggregation windows: the first event of an alert, or the first repeat at least
--   aggregation_window_minutes after its window began, starts a window (occurrence 1); later
--   repeats are occurrences 2, 3, ... of that window. Without a window the alert's whole open life
--   is one window. Occurrence 1 and every notify_every-th (occurrence % notify_every = 0) notify;
--   without notify_every only occurrence 1. The alert's metadata says so (notify, notify_every,
--   notify_occurrences, window_started_at, window_occurrence) for the notification outbox, and each
--   event carries its own occurrence and notify flag.
-- - status alerted means the event opened a new alert; a repeat is aggregated, also when it starts
--   a new window (it notifies then, but opens nothing).
-- - max_alerts_per_hour counts alerts the rule opened in the last hour (alerts.metadata.rule_id);
--   repeats of open alerts are never capped. throttle_minutes looks for a resolved alert with the
--   same dedup key; while an alert with the key is open, events repeat it instead.
-- - Under concurrency the occurrence numbers are exact for alerts that already exist (they are
--   locked first). When two transactions open the same new alert at the same moment, the second
--   one's events become aggregated (raise_alerts reports it) but keep the occurrence numbers it
--   planned from 1.

-- Throttling asks "was an alert with this key resolved recently?"; resolved alerts had no index
-- by dedup key (the unique one covers open alerts only).
create index alerts_resolved_by_dedup_key on public.alerts (tenant_id, dedup_key, resolved_at desc) where status = 'resolved';

create or replace function private.jsonb_int(value jsonb)
returns int
language plpgsql
immutable
set search_path = ''
as $$
begin
  -- The range test stands in for an exception handler (a subtransaction per call): numeric to int
  -- rounds half away from zero, so exactly these numbers convert without overflow.
  return case when pg_catalog.jsonb_typeof(value) = 'number'
                   and value::numeric > -2147483648.5 and value::numeric < 2147483647.5
              then value::int end;
end;
$$;
comment on function private.jsonb_int(jsonb) is 'A JSON number as int, or null when it is not a number or out of range (for reading back metadata someone else may have written).';

create or replace function private.jsonb_timestamptz(value jsonb)
returns timestamptz
language plpgsql
stable
set search_path = ''
as $$
begin
  return case when pg_catalog.jsonb_typeof(value) = 'string' then (value #>> '{}')::timestamptz end;
exception when others then
  return null;
end;
$$;
comment on function private.jsonb_timestamptz(jsonb) is 'A JSON string as timestamptz, or null when it is not a readable time (for reading back metadata).';

create type private.event_plan as (
  event_id uuid,
  tenant_id uuid,
  rule_id uuid,
  rule_name text,
  status text,          -- alerted | aggregated | throttled | suppressed | rejected | not_matched
  reason text,
  dedup_key text,
  alert_id uuid,        -- the open alert repeated, or the resolved alert that throttled; null for new alerts
  occurrence int,
  notify boolean,
  raises boolean,       -- exactly one plan per event and alert carries the candidate
  candidate private.alert_candidate
);
comment on type private.event_plan is 'What processing decided for one event and one of its rules: status, reason, occurrence, notify, and the alert candidate to raise.';

-- Severity order is written out inline (as in private.severity_rank(), which with its set clause
-- is a function call per row, never inlined); keep the two in step.
-- plpgsql, not sql: a SQL function that cannot be inlined (it has set clauses) is parsed and
-- planned again on every call, and planning this statement cost more (~3 ms) than running it for
-- a single event. In plpgsql the plan is cached for the session; force_generic_plan keeps one
-- plan for every batch size instead of re-planning a custom plan per call.
-- enable_nestloop = off: every join here is between in-memory sets (unnested arrays and the CTEs
-- built from them), whose sizes the planner cannot estimate (it guesses a row or two). Left to
-- itself it joins them with nested loops, which is quadratic for 10,000 events; hash joins are
-- right for any size. Lookups into tables are laterals, which remain index nested loops.
create or replace function private.plan_event_alerts(events public.alert_events[], rules public.alert_rules[],
                                                     verdicts private.rule_verdict[], at timestamptz)
returns setof private.event_plan
language plpgsql
stable
set search_path = ''
set enable_nestloop = off
set plan_cache_mode = force_generic_plan
as $$
begin
  return query
  with event as (
    select e.id, e.source, e.event_type, e.payload, e.occurred_at, e.ordinality as seq
    from pg_catalog.unnest(events) with ordinality as e
  ),
  verdict as (
    select v.event_id, v.tenant_id, v.rule_id, v.outcome, v.reason, v.alert_type, v.category, v.severity, v.priority, v.title,
           v.description, v.recommended_action, v.store_id, v.product_id, v.dedup_key,
           e.seq, e.source, e.event_type, e.payload, e.occurred_at,
           r.name as rule_name, r.aggregation_window_minutes, r.notify_every, r.throttle_minutes, r.max_alerts_per_hour,
           r.channels, r.notify_roles
    from pg_catalog.unnest(verdicts) as v
    join event as e on e.id = v.event_id
    join pg_catalog.unnest(rules) as r on r.id = v.rule_id
  ),
  -- silence: suppressions in force now, for the tenants in this batch
  live_suppression as materialized (
    select s.*
    from public.alert_suppressions as s
    where s.tenant_id = any (array(select distinct v.tenant_id from verdict as v where v.outcome = 'matched'))
      and s.ends_at > at
      and private.suppression_in_force(s, at)
  ),
  suppressing as (
    select distinct on (v.event_id, v.rule_id) v.event_id, v.rule_id, l.id,
           pg_catalog.format('suppressed by suppression %s ("%s") until %s', l.id, pg_catalog.left(l.reason, 200),
                             coalesce(l.ended_early_at, l.ends_at)) as reason
    from verdict as v
    join live_suppression as l on l.tenant_id = v.tenant_id
    where v.outcome = 'matched'
      and private.suppression_covers(l, v.alert_type, v.store_id, v.product_id)
    order by v.event_id, v.rule_id, l.starts_at, l.id
  ),
  silenced as (
    select v.*, s.id as suppression_id, s.reason as suppression_reason
    from verdict as v
    left join suppressing as s on s.event_id = v.event_id and s.rule_id = v.rule_id
  ),
  -- one verdict per alert and event: an event counts once in an alert, however many rules say so
  raisable as (
    select distinct on (v.tenant_id, v.dedup_key, v.event_id) v.*
    from silenced as v
    where v.outcome = 'matched' and v.suppression_id is null
    order by v.tenant_id, v.dedup_key, v.event_id,
             case v.severity when 'low' then 1 when 'medium' then 2 when 'high' then 3 when 'critical' then 4 else 0 end desc, v.rule_id
  ),
  grouped as (
    select r.tenant_id, r.dedup_key, pg_catalog.count(*)::int as events, pg_catalog.min(r.seq) as first_seq,
           (pg_catalog.array_agg(r.event_id order by case r.severity when 'low' then 1 when 'medium' then 2 when 'high' then 3 when 'critical' then 4 else 0 end desc,
                                 r.seq desc))[1] as lead_event_id
    from raisable as r
    group by r.tenant_id, r.dedup_key
  ),
  -- the state each alert is in: open (locked by the caller), or recently resolved when throttled
  stated as (
    select g.events, g.first_seq, r.*,
           open.id as open_id, open.first_seen_at as open_first_seen_at, open.occurrence_count as open_occurrences,
           open.metadata as open_metadata, resolved.id as resolved_id, resolved.resolved_at
    from grouped as g
    join raisable as r on r.tenant_id = g.tenant_id and r.dedup_key = g.dedup_key and r.event_id = g.lead_event_id
    left join lateral (
      select a.id, a.first_seen_at, a.occurrence_count, a.metadata
      from public.alerts as a
      where a.tenant_id = g.tenant_id and a.dedup_key = g.dedup_key and a.status <> 'resolved'
    ) as open on true
    left join lateral (
      select a.id, a.resolved_at
      from public.alerts as a
      where r.throttle_minutes is not null and open.id is null
        and a.tenant_id = g.tenant_id and a.dedup_key = g.dedup_key and a.status = 'resolved'
        and a.resolved_at > at - pg_catalog.make_interval(mins => r.throttle_minutes)
      order by a.resolved_at desc
      limit 1
    ) as resolved on true
  ),
  -- cap: new alerts per rule per hour, counting what the rule opened in the last hour
  opened_recently as (
    select r.id as rule_id, n.opened
    from pg_catalog.unnest(rules) as r
    cross join lateral (
      select pg_catalog.count(*)::int as opened
      from public.alerts as a
      where a.tenant_id = r.tenant_id and a.created_at > at - interval '1 hour'
        and a.metadata ->> 'rule_id' = r.id::text
    ) as n
    where r.max_alerts_per_hour is not null
      and r.id in (select s.rule_id from stated as s where s.open_id is null and s.resolved_id is null)
  ),
  capped as (
    select s.*, o.opened,
           coalesce(s.open_id is null and s.resolved_id is null and s.max_alerts_per_hour is not null
                    and o.opened + pg_catalog.row_number() over (partition by s.rule_id, s.open_id is null and s.resolved_id is null
                                                                 order by s.first_seq) > s.max_alerts_per_hour, false) as over_cap
    from stated as s
    left join opened_recently as o on o.rule_id = s.rule_id
  ),
  -- aggregate: which window the alert is in and where its occurrence numbering stands
  windowed as (
    select c.*, w.new_window,
           case when w.new_window then 0
                else coalesce(private.jsonb_int(c.open_metadata -> 'window_occurrence'), c.open_occurrences) end as base,
           case when w.new_window then at else w.started end as window_started_at
    from capped as c
    cross join lateral (
      select coalesce(private.jsonb_timestamptz(c.open_metadata -> 'window_started_at'), c.open_first_seen_at) as started
    ) as ws
    cross join lateral (
      select c.open_id is null
             or (c.aggregation_window_minutes is not null
                 and at >= ws.started + pg_catalog.make_interval(mins => c.aggregation_window_minutes)) as new_window,
             ws.started
    ) as w
    where c.resolved_id is null and not c.over_cap
  ),
  occurrence as (
    select o.event_id, o.tenant_id, o.dedup_key, o.n,
           o.n = 1 or (o.notify_every is not null and o.n % o.notify_every = 0) as notify
    from (
      select r.event_id, r.tenant_id, r.dedup_key, w.notify_every,
             (w.base + pg_catalog.row_number() over (partition by r.tenant_id, r.dedup_key order by r.seq))::int as n
      from raisable as r
      join windowed as w on w.tenant_id = r.tenant_id and w.dedup_key = r.dedup_key
    ) as o
  ),
  notified as (
    select o.tenant_id, o.dedup_key, pg_catalog.bool_or(o.notify) as any_notify,
           coalesce(pg_catalog.jsonb_agg(o.n order by o.n) filter (where o.notify), '[]'::jsonb) as occurrences
    from occurrence as o
    group by o.tenant_id, o.dedup_key
  ),
  alert as (
    select w.tenant_id, w.dedup_key,
           row(w.tenant_id, w.alert_type, w.category, w.severity, w.priority, w.title, w.description, w.recommended_action,
               null, null, w.store_id, w.product_id, w.source, w.dedup_key,
               pg_catalog.jsonb_build_object(
                 'rule_id', w.rule_id, 'rule_name', w.rule_name, 'event_id', w.event_id, 'event_type', w.event_type,
                 'occurred_at', w.occurred_at, 'payload', w.payload,
                 'channels', pg_catalog.to_jsonb(w.channels), 'notify_roles', pg_catalog.to_jsonb(w.notify_roles),
                 'aggregation_window_minutes', w.aggregation_window_minutes, 'window_started_at', w.window_started_at,
                 'window_occurrence', w.base + w.events, 'notify_every', w.notify_every,
                 'notify', n.any_notify, 'notify_occurrences', n.occurrences)
           )::private.alert_candidate as candidate
    from windowed as w
    join notified as n on n.tenant_id = w.tenant_id and n.dedup_key = w.dedup_key
  )
  -- one plan per verdict
  select v.event_id, v.tenant_id, v.rule_id, v.rule_name,
         case
           when v.outcome <> 'matched' then v.outcome
           when v.suppression_id is not null then 'suppressed'
           when c.resolved_id is not null or c.over_cap then 'throttled'
           when w.open_id is null and o.n = 1 and w.new_window then 'alerted'
           else 'aggregated'
         end,
         case
           when v.outcome <> 'matched' then v.reason
           when v.suppression_id is not null then pg_catalog.format('rule "%s": %s', v.rule_name, v.suppression_reason)
           when c.resolved_id is not null then pg_catalog.format(
             'rule "%s": throttled, re-fired within throttle_minutes = %s of alert %s being resolved at %s',
             c.rule_name, c.throttle_minutes, c.resolved_id, c.resolved_at)
           when c.over_cap then pg_catalog.format(
             'rule "%s": throttled, it opened its max_alerts_per_hour = %s alerts in the last hour',
             c.rule_name, c.max_alerts_per_hour)
           when w.open_id is null and o.n = 1 then pg_catalog.format('rule "%s": opened an alert', w.rule_name)
           when w.new_window and o.n = 1 then pg_catalog.format(
             'rule "%s": repeat of the open alert; its aggregation window of %s minutes had passed, so a new one began',
             w.rule_name, w.aggregation_window_minutes)
           else pg_catalog.format('rule "%s": occurrence %s of the open alert''s aggregation window', w.rule_name, o.n)
         end,
         case when v.outcome = 'matched' then v.dedup_key end,
         coalesce(w.open_id, c.resolved_id),
         o.n,
         o.notify,
         r.rule_id is not null,
         case when r.rule_id is not null then a.candidate end
  from silenced as v
  left join capped as c on c.tenant_id = v.tenant_id and c.dedup_key = v.dedup_key and v.outcome = 'matched' and v.suppression_id is null
  left join windowed as w on w.tenant_id = c.tenant_id and w.dedup_key = c.dedup_key
  left join occurrence as o on o.tenant_id = w.tenant_id and o.dedup_key = w.dedup_key and o.event_id = v.event_id
  left join raisable as r on r.tenant_id = w.tenant_id and r.dedup_key = w.dedup_key and r.event_id = v.event_id and r.rule_id = v.rule_id
  left join alert as a on a.tenant_id = w.tenant_id and a.dedup_key = w.dedup_key;
end;
$$;
comment on function private.plan_event_alerts(public.alert_events[], public.alert_rules[], private.rule_verdict[], timestamptz) is
  'Stage 3 of event processing, for a batch of events and their rule verdicts at time "at": suppressions, throttling after resolve, the hourly cap, aggregation windows and notify markers; one plan per verdict, with the alert candidate on one plan per event and alert. Reads, never writes.';

create type private.event_outcome as (
  event_id uuid,
  status text,
  reason text,
  alert_id uuid,
  rule_id uuid,
  occurrence int,
  notify boolean
);
comment on type private.event_outcome is 'The final outcome of one event: the status, reason, alert, rule, occurrence and notify flag written onto it.';

-- plpgsql (a cached plan), enable_nestloop = off and force_generic_plan: see plan_event_alerts.
create or replace function private.event_outcomes(events public.alert_events[], plans private.event_plan[],
                                                  raised_ids uuid[], raised_created boolean[])
returns setof private.event_outcome
language plpgsql
stable
set search_path = ''
set enable_nestloop = off
set plan_cache_mode = force_generic_plan
as $$
begin
  return query
  with raised as (
    select a.tenant_id, a.dedup_key, a.id, r.created
    from rows from (pg_catalog.unnest(raised_ids), pg_catalog.unnest(raised_created)) as r(alert_id, created)
    cross join lateral (select a.tenant_id, a.dedup_key, a.id from public.alerts as a where a.id = r.alert_id) as a
  ),
  outcome as (
    select p.event_id, p.rule_id, p.rule_name, p.occurrence, p.notify,
           coalesce(p.alert_id, d.id) as alert_id,
           s.status,
           case when s.status = p.status then p.reason
                else pg_catalog.format('rule "%s": repeat of an alert opened at the same moment by another transaction', p.rule_name)
           end as reason,
           pg_catalog.array_position(array['alerted', 'aggregated', 'throttled', 'suppressed', 'rejected', 'not_matched'], s.status) as rank
    from pg_catalog.unnest(plans) as p
    left join raised as d on d.tenant_id = p.tenant_id and d.dedup_key = p.dedup_key and p.status in ('alerted', 'aggregated')
    cross join lateral (
      select case when p.status = 'alerted' and d.created is false then 'aggregated' else p.status end as status
    ) as s
  ),
  decided as (
    select distinct on (o.event_id) o.event_id, o.status, o.alert_id, o.rule_id, o.occurrence, o.notify
    from outcome as o
    order by o.event_id, o.rank, o.rule_name, o.rule_id
  ),
  explained as (
    select o.event_id,
           pg_catalog.string_agg(o.reason, '; ' order by o.rank, o.rule_name, o.rule_id) filter (where o.status <> 'not_matched') as matched,
           pg_catalog.string_agg(o.reason, '; ' order by o.rule_name, o.rule_id) filter (where o.status = 'not_matched') as unmatched
    from outcome as o
    group by o.event_id
  )
  select e.id,
         case when d.status is null or d.status = 'not_matched' then 'no_rule' else d.status end,
         pg_catalog.left(case
           when d.status is null then pg_catalog.format('no active rule matches event type %s', e.event_type)
           when d.status = 'not_matched' then 'no rule''s conditions hold: ' || x.unmatched
           else x.matched
         end, 2000),
         d.alert_id,
         case when d.status <> 'not_matched' then d.rule_id end,
         d.occurrence,
         d.notify
  from pg_catalog.unnest(events) as e
  left join decided as d on d.event_id = e.id
  left join explained as x on x.event_id = e.id;
end;
$$;
comment on function private.event_outcomes(public.alert_events[], private.event_plan[], uuid[], boolean[]) is
  'Stage 5 of event processing: each event''s final outcome from its plans and what private.raise_alerts() reported (alert ids, created): the best status of its rules, a reason naming every rule''s outcome, or no_rule.';

-- Stage 5's writing half. The events are found by primary key (id = any): joined to the outcomes
-- alone, the planner cannot size them and may hash the whole alert_events table for one event.
create or replace function private.record_event_outcomes(events public.alert_events[], plans private.event_plan[],
                                                         raised_ids uuid[], raised_created boolean[], at timestamptz)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  outcomes private.event_outcome[];
begin
  outcomes := array(select o from private.event_outcomes(events, plans, raised_ids, raised_created) as o);
  update public.alert_events as e
  set status = o.status,
      reason = o.reason,
      alert_id = o.alert_id,
      rule_id = o.rule_id,
      occurrence = o.occurrence,
      notify = o.notify,
      processed_at = at
  from pg_catalog.unnest(outcomes) as o
  where e.id = any (array(select x.event_id from pg_catalog.unnest(outcomes) as x))
    and e.id = o.event_id;
end;
$$;
comment on function private.record_event_outcomes(public.alert_events[], private.event_plan[], uuid[], boolean[], timestamptz) is
  'Stage 5 of event processing: writes each event''s outcome (private.event_outcomes) onto it, processed at "at".';

create or replace function private.process_events(events public.alert_events[])
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  at constant timestamptz := private.now();
  rules public.alert_rules[];
  verdicts private.rule_verdict[];
  plans private.event_plan[];
  candidates private.alert_candidate[];
  raised_ids uuid[];
  raised_created boolean[];
begin
  rules := array(
    select r
    from public.alert_rules as r
    where r.active and r.tenant_id = any (array(select distinct e.tenant_id from pg_catalog.unnest(events) as e)));

  -- 1. route: each event against its tenant's active rules whose event_types match its type.
  -- The batch is evaluated without a per-event exception block (a subtransaction each); only if
  -- something in it raises is it evaluated again with the guarded private.evaluate_rule.
  if pg_catalog.cardinality(rules) > 0 then
    begin
      verdicts := array(
        select private.evaluate_rule_unguarded(r, k.event)
        from (select e as event, private.routing_keys(e.event_type) as keys from pg_catalog.unnest(events) as e offset 0) as k
        join pg_catalog.unnest(rules) as r on r.tenant_id = (k.event).tenant_id and r.event_types && k.keys);
    exception when others then
      verdicts := array(
        select private.evaluate_rule(r, k.event)
        from (select e as event, private.routing_keys(e.event_type) as keys from pg_catalog.unnest(events) as e offset 0) as k
        join pg_catalog.unnest(rules) as r on r.tenant_id = (k.event).tenant_id and r.event_types && k.keys);
    end;
  end if;

  -- Fast path: no event's type routes to an active rule of its tenant (the common informational
  -- event). Each is no_rule, as private.event_outcomes would say, without the rest of the pipeline.
  if coalesce(pg_catalog.cardinality(verdicts), 0) = 0 then
    update public.alert_events as e
    set status = 'no_rule',
        reason = pg_catalog.left(pg_catalog.format('no active rule matches event type %s', e.event_type), 2000),
        alert_id = null,
        rule_id = null,
        occurrence = null,
        notify = null,
        processed_at = at
    where e.id = any (array(select x.id from pg_catalog.unnest(events) as x));
    return;
  end if;

  -- Fast path: rules were evaluated but none matched, so nothing can be locked, silenced or
  -- raised: each verdict is its own plan, as private.plan_event_alerts would make it.
  if not exists (select from pg_catalog.unnest(verdicts) as v where v.outcome = 'matched') then
    plans := array(
      select row(v.event_id, v.tenant_id, v.rule_id, r.name, v.outcome, v.reason,
                 null, null, null, null, false, null)::private.event_plan
      from pg_catalog.unnest(verdicts) as v
      join pg_catalog.unnest(rules) as r on r.id = v.rule_id);
    perform private.record_event_outcomes(events, plans, '{}', '{}', at);
    return;
  end if;

  -- 2. lock, in one order everywhere: capped rules, then the open alerts by id
  perform 1
  from public.alert_rules as r
  where r.id = any (array(select v.rule_id from pg_catalog.unnest(verdicts) as v where v.outcome = 'matched'))
    and r.max_alerts_per_hour is not null
  order by r.id
  for no key update;
  perform 1
  from public.alerts as a
  where a.id = any (array(
    select open.id
    from (select distinct v.tenant_id, v.dedup_key from pg_catalog.unnest(verdicts) as v where v.outcome = 'matched') as k
    cross join lateral (
      select o.id from public.alerts as o where o.tenant_id = k.tenant_id and o.dedup_key = k.dedup_key and o.status <> 'resolved'
    ) as open))
  order by a.id
  for update;

  -- 3. plan
  plans := array(select p from private.plan_event_alerts(events, rules, verdicts, at) as p);

  -- 4. dedup: one call for the whole statement
  candidates := array(select p.candidate from pg_catalog.unnest(plans) as p where p.raises);
  if pg_catalog.cardinality(candidates) > 0 then
    select pg_catalog.array_agg(r.alert_id), pg_catalog.array_agg(r.created)
    into raised_ids, raised_created
    from private.raise_alerts(candidates, true) as r;
  end if;

  -- 5. record
  perform private.record_event_outcomes(events, plans, coalesce(raised_ids, '{}'), coalesce(raised_created, '{}'), at);
end;
$$;
comment on function private.process_events(public.alert_events[]) is
  'Processes a batch of new events set-based: route and evaluate rules, lock, plan (suppress, throttle, cap, aggregate), raise all alerts with one private.raise_alerts() call, and record every event''s outcome; events that no rule matches skip the middle stages.';
-- security definer: events may be inserted by members (staff), who may neither read other
-- members' rules and suppressions through RLS in every case nor write alerts or the events'
-- processing columns; processing must see and write all of them for the events' own tenant.
create or replace function private.tg_alert_events__process()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  events public.alert_events[];
begin
  events := array(select n from new_events as n where n.status = 'pending');
  if pg_catalog.cardinality(events) > 0 then
    perform private.process_events(events);
  end if;
  return null;
end;
$$;
comment on function private.tg_alert_events__process() is 'After insert (per statement): processes the new pending events into alerts (private.process_events).';

revoke all on function private.jsonb_int(jsonb), private.jsonb_timestamptz(jsonb),
  private.plan_event_alerts(public.alert_events[], public.alert_rules[], private.rule_verdict[], timestamptz),
  private.event_outcomes(public.alert_events[], private.event_plan[], uuid[], boolean[]),
  private.record_event_outcomes(public.alert_events[], private.event_plan[], uuid[], boolean[], timestamptz),
  private.process_events(public.alert_events[]), private.tg_alert_events__process() from public;

create trigger _500_process after insert on public.alert_events
  referencing new table as new_events
  for each statement execute function private.tg_alert_events__process();
