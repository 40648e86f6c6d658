-- Event aggregation under concurrency: exact occurrence numbers when two transactions open the
-- same new alert.
--
-- Processing locked the open alerts its events repeat, so repeats of an existing alert were
-- numbered exactly; but when two transactions planned the same new alert at the same moment,
-- both planned occurrence 1 (a new window), the second's insert became an update of the first's
-- alert (raise_alerts' on conflict), and its events were recorded aggregated yet numbered from 1,
-- notifying again, with the window's count restarted in the alert's metadata.
-- tests/engine/event_ingest_test.ts shows it with two connections.
--
-- Now stage 2 also locks the matched dedup keys themselves (transaction-scoped advisory locks,
-- taken before the alert rows, in key order), so the second transaction waits until the first
-- commits and then plans against the alert the first opened. raise_alert() takes the same locks.
-- A statement with many new keys must not fill the lock table (max_locks_per_transaction is per
-- connection on average): up to 64 keys of a tenant are locked one by one, each under a shared
-- lock on the tenant; more than that takes the tenant's lock exclusively instead, which excludes
-- every key lock of that tenant at once.

create type private.dedup_key_ref as (tenant_id uuid, dedup_key text);
comment on type private.dedup_key_ref is 'One (tenant_id, dedup_key): the identity of an alert, to lock.';

create or replace function private.lock_dedup_keys(keys private.dedup_key_ref[])
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
  -- Classes 0x5357_0001 (tenant) and 0x5357_0002 (key) keep these apart from other advisory locks.
  perform case when t.keys > 64 then pg_catalog.pg_advisory_xact_lock(1398210561, t.tenant_lock)
               else pg_catalog.pg_advisory_xact_lock_shared(1398210561, t.tenant_lock) end
  from (
    select pg_catalog.hashtext(k.tenant_id::text) as tenant_lock, pg_catalog.count(*) as keys
    from pg_catalog.unnest(keys) as k
    group by 1
    order by 1
  ) as t;
  perform pg_catalog.pg_advisory_xact_lock(1398210562, k.key_lock)
  from (
    select distinct k.key_lock
    from (
      select pg_catalog.hashtext(k.tenant_id::text || ':' || k.dedup_key) as key_lock,
             pg_catalog.count(*) over (partition by k.tenant_id) as tenant_keys
      from pg_catalog.unnest(keys) as k
    ) as k
    where k.tenant_keys <= 64
    order by 1
  ) as k;
end;
$$;
comment on function private.lock_dedup_keys(private.dedup_key_ref[]) is
  'Locks these (tenant, dedup key) pairs until the transaction ends, in a fixed order, so only one transaction at a time can open the alert for a key; more than 64 keys of one tenant lock the whole tenant instead.';
revoke all on function private.lock_dedup_keys(private.dedup_key_ref[]) from public;

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

  -- 2. lock, in one order everywhere: capped rules, then the dedup keys, then the open alerts by id
  perform 1
  from public.alert_rules as r
  where r.id = any (array(select v.rule_id from pg_catalog.unnest(verdicts) as v where v.outcome = 'matched'))
    and r.max_alerts_per_hour is not null
  order by r.id
  for no key update;
  -- The dedup keys themselves, so two transactions cannot both open the same new alert: the
  -- second waits here until the first commits, then plans against the alert the first opened
  -- (its statements below see it) and numbers its occurrences after the first's.
  perform private.lock_dedup_keys(array(
    select distinct row(v.tenant_id, v.dedup_key)::private.dedup_key_ref
    from pg_catalog.unnest(verdicts) as v
    where v.outcome = 'matched'));
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

revoke all on function private.process_events(public.alert_events[]) from public;
