-- Rule evaluation: what one rule makes of one event, as a verdict. Shared by event processing
-- (20261122100600) and the dry run (public.test_rule), so both decide identically. The verdict
-- is one of
--   matched      the conditions hold and the alert rendered: severity, texts, type, dedup key
--   not_matched  a condition does not hold (reason names it and what the payload had)
--   rejected     the conditions hold but no alert can be made from this payload (a severity_map
--                without an entry for the value and no default, a title or dedup key rendering
--                empty); the event is kept as rejected with this reason.
-- Evaluation never raises for any payload: conditions are type-checked before comparing, and a
-- last-resort handler turns an unforeseen error into a rejected verdict instead of aborting the
-- whole insert.
create type private.rule_verdict as (
  event_id uuid,
  tenant_id uuid,
  rule_id uuid,
  outcome text,        -- matched | not_matched | rejected
  reason text,         -- why not matched or rejected; null when matched
  alert_type text,
  category text,
  severity text,
  priority int,
  title text,
  description text,
  recommended_action text,
  store_id text,
  product_id text,
  dedup_key text
);
comment on type private.rule_verdict is 'What one rule makes of one event: matched (with the rendered alert), not_matched or rejected (with a reason).';

-- The evaluation itself, without a safety net: it may raise for a payload nobody foresaw.
-- Event processing evaluates a whole batch with it inside one exception block and only when that
-- raises evaluates the batch again with private.evaluate_rule (an exception block per event, a
-- subtransaction each: about half the evaluation time when every event pays for it).
create or replace function private.evaluate_rule_unguarded(rule public.alert_rules, event public.alert_events)
returns private.rule_verdict
language plpgsql
immutable
set search_path = ''
as $$
declare
  verdict private.rule_verdict;
  failure text;
  mapped_value text;
begin
  verdict.event_id := event.id;
  verdict.tenant_id := event.tenant_id;
  verdict.rule_id := rule.id;
  if rule.conditions <> '[]'::jsonb then
    failure := private.condition_failure(event.payload, rule.conditions);
  end if;
  if failure is not null then
    verdict.outcome := 'not_matched';
    verdict.reason := pg_catalog.format('rule "%s": %s', rule.name, failure);
    return verdict;
  end if;
  if rule.severity is not null then
    verdict.severity := rule.severity;
  else
    mapped_value := event.payload #>> pg_catalog.string_to_array(rule.severity_map ->> 'path', '.');
    verdict.severity := coalesce(rule.severity_map -> 'map' ->> mapped_value, rule.severity_map ->> 'default');
    if verdict.severity is null then
      verdict.outcome := 'rejected';
      verdict.reason := pg_catalog.format('rule "%s": severity_map has no severity for %s = %s and no default', rule.name,
        rule.severity_map ->> 'path',
        private.describe_json(event.payload #> pg_catalog.string_to_array(rule.severity_map ->> 'path', '.')));
      return verdict;
    end if;
  end if;
  -- By default the event type, lowercased, with anything but a-z 0-9 _ . replaced by _.
  verdict.alert_type := coalesce(rule.alert_type,
    pg_catalog.left(pg_catalog.regexp_replace(pg_catalog.lower(event.event_type), '[^a-z0-9_.]', '_', 'g'), 64));
  verdict.category := rule.category;
  verdict.priority := rule.priority;
  verdict.title := pg_catalog.btrim(private.render_template(rule.title_template, event, 300));
  if verdict.title = '' then
    verdict.outcome := 'rejected';
    verdict.reason := pg_catalog.format('rule "%s": title_template rendered an empty title for this payload', rule.name);
    return verdict;
  end if;
  verdict.description := '';
  if rule.description_template is not null then
    verdict.description := private.render_template(rule.description_template, event, 5000);
  end if;
  if rule.recommended_action_template is not null then
    verdict.recommended_action := nullif(pg_catalog.btrim(private.render_template(rule.recommended_action_template, event, 2000)), '');
  end if;
  if rule.dedup_key_template is null then
    verdict.dedup_key := verdict.alert_type || ':' || coalesce(event.dedup_key, event.id::text);
  else
    verdict.dedup_key := pg_catalog.btrim(private.render_template(rule.dedup_key_template, event, 500));
    if verdict.dedup_key = '' then
      verdict.outcome := 'rejected';
      verdict.reason := pg_catalog.format('rule "%s": dedup_key_template rendered an empty key for this payload', rule.name);
      return verdict;
    end if;
  end if;
  verdict.store_id := pg_catalog.left(event.payload ->> 'store_id', 128);
  verdict.product_id := pg_catalog.left(event.payload ->> 'product_id', 128);
  verdict.outcome := 'matched';
  return verdict;
end;
$$;
comment on function private.evaluate_rule_unguarded(public.alert_rules, public.alert_events) is
  'private.evaluate_rule without its last-resort exception handler: the same verdict, but an unforeseen error raises. For batch evaluation that falls back to evaluate_rule when it does.';

create or replace function private.evaluate_rule(rule public.alert_rules, event public.alert_events)
returns private.rule_verdict
language plpgsql
immutable
set search_path = ''
as $$
declare
  verdict private.rule_verdict;
begin
  return private.evaluate_rule_unguarded(rule, event);
exception when others then
  -- Not expected (evaluation is total by construction), but one odd payload must never abort
  -- the insert of a whole batch: the event is kept as rejected with the error.
  verdict.event_id := event.id;
  verdict.tenant_id := event.tenant_id;
  verdict.rule_id := rule.id;
  verdict.outcome := 'rejected';
  verdict.reason := pg_catalog.left(pg_catalog.format('rule "%s" could not be evaluated for this payload: %s', rule.name, sqlerrm), 1000);
  return verdict;
end;
$$;
comment on function private.evaluate_rule(public.alert_rules, public.alert_events) is
  'Evaluates one (validated) rule against one event: conditions, severity, templates, alert type and dedup key; returns a matched, not_matched or rejected verdict and never raises. Does not look at event types (callers match them with routing_keys).';

revoke all on function private.evaluate_rule_unguarded(public.alert_rules, public.alert_events),
  private.evaluate_rule(public.alert_rules, public.alert_events) from public;
grant execute on function private.evaluate_rule_unguarded(public.alert_rules, public.alert_events),
  private.evaluate_rule(public.alert_rules, public.alert_events) to authenticated, service_role;
