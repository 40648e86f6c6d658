-- Event routing before insert: an event that no active rule routes to, or whose routed rules'
-- conditions all fail, is decided while it is being inserted (status no_rule, its reason and
-- processed_at set on the new row), so it is written once and never updated. Only events that
-- some rule may match stay pending for the statement-level processing trigger (20261122100600),
-- which evaluates them fully (severity, templates, rejection), aggregates and raises alerts.
--
-- Why: processing wrote every event's outcome with an UPDATE after the insert, so each event was
-- written twice (plus a foreign-key re-check, since the row was inserted by the same transaction),
-- and a single-row insert of an informational event paid for the whole set-based pipeline. Most
-- events in practice are informational or fall below their rule's thresholds.
--
-- The outcome is the one private.event_outcomes() gives the same event (same status, reason
-- text and rule order), so the contract is unchanged: every event ends with a status and reason.
-- Rows inserted with a status other than pending (a replay) are left alone, as before.
-- Conditions are evaluated with private.condition_failure(), which never raises by construction
-- (a type mismatch or a missing value simply does not hold); should it raise anyway, the event
-- stays pending and the processing trigger's guarded evaluation keeps it as rejected with the error.

-- security definer: events may be inserted by members (staff), who cannot read every rule of
-- their tenant through RLS in every case; routing must see all active rules of the event's tenant.
create or replace function private.tg_alert_events__route()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  keys text[];
  rule record;
  failure text;
  reasons text;
  routed boolean := false;
begin
  if new.status <> 'pending' then
    return new;
  end if;
  keys := private.routing_keys(new.event_type);
  begin
    for rule in
      select r.name, r.conditions
      from public.alert_rules as r
      where r.tenant_id = new.tenant_id and r.active and r.event_types && keys
      order by r.name, r.id
    loop
      routed := true;
      failure := case when rule.conditions <> '[]'::jsonb then private.condition_failure(new.payload, rule.conditions) end;
      if failure is null then
        -- This rule may match: processing decides (alerted, aggregated, rejected, ...).
        return new;
      end if;
      reasons := case when reasons is null then '' else reasons || '; ' end
        || pg_catalog.format('rule "%s": %s', rule.name, failure);
    end loop;
  exception when others then
    return new;
  end;
  new.status := 'no_rule';
  new.reason := pg_catalog.left(case
    when routed then 'no rule''s conditions hold: ' || reasons
    else pg_catalog.format('no active rule matches event type %s', new.event_type)
  end, 2000);
  new.processed_at := private.now();
  return new;
end;
$$;
comment on function private.tg_alert_events__route() is
  'Before insert (per row): decides a pending event no_rule in place when no active rule of its tenant routes its event type or every routed rule''s conditions fail (the reason private.event_outcomes would give); leaves it pending for the processing trigger when some rule may match.';

revoke all on function private.tg_alert_events__route() from public;

create trigger _100_route before insert on public.alert_events
  for each row execute function private.tg_alert_events__route();
comment on trigger _100_route on public.alert_events is
  'Decides events no rule can match while they are inserted (no_rule with a reason), so only candidates for an alert reach the statement-level trigger _500_process.';
