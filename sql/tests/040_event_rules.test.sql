-- pgTAP tests for events -> alerts through rules (migrations 20261122100000..100700): every
-- condition operator (with type mismatches), event type patterns, fixed and mapped severity,
-- templates fed hostile payloads, dedup key templates, aggregation windows and notify markers,
-- throttling after resolve, the hourly cap, suppression windows (and raise_alert honouring them),
-- no_rule and rejected events, rule and suppression validation (SW001 naming the field), RLS on
-- rules, events and suppressions, and the test_rule dry run. One transaction, rolled back.
begin;
set local search_path = extensions, public;

select plan(153);

-- ---------------------------------------------------------------- fixtures
select set_config('shelfwatch.now', '2026-03-02 10:00+00', true);

create temp table ids (
  tenant_a uuid, tenant_b uuid, tenant_c uuid,
  owner_a uuid, manager_a uuid, staff_a uuid, viewer_a uuid, manager_b uuid,
  rule_b uuid, suppression_b uuid
) on commit drop;
insert into ids (tenant_a, tenant_b, tenant_c)
values (tests.create_tenant('Rules A'), tests.create_tenant('Rules B'), tests.create_tenant('Rules C'));
update ids set owner_a = tests.create_member(tenant_a, 'owner'),
               manager_a = tests.create_member(tenant_a, 'manager'),
               staff_a = tests.create_member(tenant_a, 'staff'),
               viewer_a = tests.create_member(tenant_a, 'viewer'),
               manager_b = tests.create_member(tenant_b, 'manager');
grant select on ids to authenticated, service_role;

-- Rules by name, for the tests below.
create temp table rule_ids (name text primary key, id uuid) on commit drop;

-- Inserts one event (as the caller) and returns it as processing left it.
create function pg_temp.emit(tenant uuid, event_type text, payload jsonb, dedup_key text default null)
returns public.alert_events
language plpgsql
as $$
declare
  new_id uuid;
  event public.alert_events;
begin
  insert into public.alert_events (tenant_id, source, event_type, payload, dedup_key)
  values (tenant, 'pgtap', event_type, payload, dedup_key)
  returning id into new_id;
  select * into event from public.alert_events as e where e.id = new_id;
  return event;
end;
$$;

-- Adds a rule to tenant A (as the superuser) from a JSON object of alert_rules columns.
create function pg_temp.add_rule(rule jsonb, tenant uuid default null)
returns uuid
language sql
as $$
  with added as (
    insert into public.alert_rules
    select (jsonb_populate_record(null::public.alert_rules,
      jsonb_build_object('id', gen_random_uuid(), 'tenant_id', coalesce(tenant, (select tenant_a from ids)),
                         'conditions', '[]'::jsonb, 'category', 'operations', 'channels', '{}'::text[],
                         'notify_roles', '{}'::text[], 'active', true, 'created_at', private.now(), 'updated_at', now())
      || rule)).*
    returning id, name
  )
  insert into rule_ids select name, id from added returning id
$$;

-- ------------------------------------------------ condition operators (38)
create function pg_temp.holds(payload jsonb, conditions jsonb) returns boolean language sql
as $$ select private.condition_failure(payload, conditions) is null $$;

select ok(pg_temp.holds('{"t": 5}', '[{"path": "t", "op": "eq", "value": 5}]'), 'eq: 5 = 5 holds');
select ok(not pg_temp.holds('{"t": 5}', '[{"path": "t", "op": "eq", "value": 6}]'), 'eq: 5 = 6 does not');
select ok(not pg_temp.holds('{"t": "5"}', '[{"path": "t", "op": "eq", "value": 5}]'), 'eq: the string "5" is not the number 5');
select ok(not pg_temp.holds('{}', '[{"path": "t", "op": "eq", "value": 5}]'), 'eq: a missing value does not match');
select ok(pg_temp.holds('{"t": 5}', '[{"path": "t", "op": "neq", "value": 6}]'), 'neq: 5 <> 6 holds');
select ok(not pg_temp.holds('{"t": 5}', '[{"path": "t", "op": "neq", "value": 5}]'), 'neq: 5 <> 5 does not');
select ok(not pg_temp.holds('{}', '[{"path": "t", "op": "neq", "value": 5}]'), 'neq: a missing value does not match (use exists)');
select ok(pg_temp.holds('{"t": 9}', '[{"path": "t", "op": "gt", "value": 8}]'), 'gt: 9 > 8 holds');
select ok(not pg_temp.holds('{"t": 8}', '[{"path": "t", "op": "gt", "value": 8}]'), 'gt: 8 > 8 does not');
select ok(not pg_temp.holds('{"t": "9"}', '[{"path": "t", "op": "gt", "value": 8}]'), 'gt: a string never compares as a number');
select ok(pg_temp.holds('{"t": 8}', '[{"path": "t", "op": "gte", "value": 8}]'), 'gte: 8 >= 8 holds');
select ok(not pg_temp.holds('{"t": 7.99}', '[{"path": "t", "op": "gte", "value": 8}]'), 'gte: 7.99 >= 8 does not');
select ok(pg_temp.holds('{"t": -3}', '[{"path": "t", "op": "lt", "value": 5}]'), 'lt: -3 < 5 holds');
select ok(not pg_temp.holds('{"t": 5}', '[{"path": "t", "op": "lt", "value": 5}]'), 'lt: 5 < 5 does not');
select ok(not pg_temp.holds('{"t": true}', '[{"path": "t", "op": "lt", "value": 5}]'), 'lt: a boolean never compares as a number');
select ok(pg_temp.holds('{"t": 5}', '[{"path": "t", "op": "lte", "value": 5.0}]'), 'lte: 5 <= 5.0 holds');
select ok(not pg_temp.holds('{"t": 6}', '[{"path": "t", "op": "lte", "value": 5}]'), 'lte: 6 <= 5 does not');
select ok(not pg_temp.holds('{"t": null}', '[{"path": "t", "op": "lte", "value": 5}]'), 'lte: a JSON null does not match');
select ok(pg_temp.holds('{"t": "b"}', '[{"path": "t", "op": "in", "value": ["a", "b"]}]'), 'in: "b" in ["a", "b"] holds');
select ok(not pg_temp.holds('{"t": "c"}', '[{"path": "t", "op": "in", "value": ["a", "b"]}]'), 'in: "c" in ["a", "b"] does not');
select ok(not pg_temp.holds('{"t": 1}', '[{"path": "t", "op": "in", "value": ["1"]}]'), 'in: the number 1 is not the string "1"');
select ok(not pg_temp.holds('{"t": ["a"]}', '[{"path": "t", "op": "in", "value": ["a"]}]'), 'in: an array value is not a member');
select ok(pg_temp.holds('{"t": 0}', '[{"path": "t", "op": "exists"}]'), 'exists: a present value (even 0) holds');
select ok(not pg_temp.holds('{"t": null}', '[{"path": "t", "op": "exists"}]'), 'exists: a JSON null counts as missing');
select ok(pg_temp.holds('{}', '[{"path": "t", "op": "exists", "value": false}]'), 'exists false: holds when missing');
select ok(not pg_temp.holds('{"t": 1}', '[{"path": "t", "op": "exists", "value": false}]'), 'exists false: does not hold when present');
select ok(pg_temp.holds('{"t": "fridge door open"}', '[{"path": "t", "op": "contains", "value": "door"}]'), 'contains: substring holds');
select ok(not pg_temp.holds('{"t": "fridge"}', '[{"path": "t", "op": "contains", "value": "Fridge"}]'), 'contains: substrings are case-sensitive');
select ok(pg_temp.holds('{"t": ["a", "b"]}', '[{"path": "t", "op": "contains", "value": "a"}]'), 'contains: an array element holds');
select ok(not pg_temp.holds('{"t": ["a"]}', '[{"path": "t", "op": "contains", "value": ["a", "b"]}]'), 'contains: a sub-array must be contained');
select ok(pg_temp.holds('{"t": {"a": 1, "b": 2}}', '[{"path": "t", "op": "contains", "value": {"a": 1}}]'), 'contains: a sub-object holds');
select ok(not pg_temp.holds('{"t": 15}', '[{"path": "t", "op": "contains", "value": 5}]'), 'contains: a number contains nothing');
select ok(pg_temp.holds('{"batch": {"line": 3, "items": [{"sku": "x"}, {"sku": "y"}]}}',
  '[{"path": "batch.line", "op": "eq", "value": 3}, {"path": "batch.items.1.sku", "op": "eq", "value": "y"}]'),
  'dotted paths reach nested objects and array elements; all conditions hold');
select is(private.condition_failure('{"t": 9, "u": "hot"}',
  '[{"path": "t", "op": "gt", "value": 8}, {"path": "u", "op": "gt", "value": 8}]'),
  'u gt 8 does not hold (got string "hot")', 'the first failing condition is named with what the payload had');
select is(private.condition_failure('{}', '[{"path": "x.y", "op": "eq", "value": "a"}]'),
  'x.y eq "a" does not hold (got missing)', 'a missing value is described as missing');
select ok(pg_temp.holds('{"t": 1}', '[]'), 'an empty condition list always holds');
select is(private.routing_keys('inventory.low_stock.bakery'), array['*', 'inventory.low_stock.bakery', 'inventory.*', 'inventory.low_stock.*'],
  'routing_keys: *, the type itself and each prefix wildcard');
select ok(not (array['inventory.*'] && private.routing_keys('inventory')), 'inventory.* does not match the bare type inventory');

-- ---------------------------------------- event type patterns, processing (6)
select pg_temp.add_rule('{"name": "exact", "event_types": ["quality.batch_failed"], "severity": "high", "title_template": "exact"}',
  (select tenant_c from ids));
select pg_temp.add_rule('{"name": "wildcard", "event_types": ["inventory.*"], "severity": "medium", "title_template": "wildcard"}',
  (select tenant_c from ids));
select pg_temp.add_rule('{"name": "everything", "event_types": ["*"], "severity": "low", "title_template": "everything",
  "conditions": [{"path": "all", "op": "eq", "value": true}]}', (select tenant_c from ids));
create temp table routed on commit drop as
  select e.*
  from (values ('quality.batch_failed', '{}'::jsonb), ('quality.batch_failed.late', '{}'), ('inventory.low_stock', '{}'),
               ('inventory.count.mismatch', '{}'), ('inventoryx.low', '{}'), ('misc.thing', '{"all": true}')) as t(event_type, payload)
  cross join lateral pg_temp.emit((select tenant_c from ids), t.event_type, t.payload) as e;
select is((select r.name from routed as e join rule_ids as r on r.id = e.rule_id where e.event_type = 'quality.batch_failed'),
  'exact', 'an exact pattern matches its event type');
select is((select e.status from routed as e where e.event_type = 'quality.batch_failed.late'), 'no_rule',
  'an exact pattern matches nothing longer');
select results_eq($$ select r.name from routed as e join rule_ids as r on r.id = e.rule_id
                     where e.event_type in ('inventory.low_stock', 'inventory.count.mismatch') order by e.event_type desc $$,
  $$ values ('wildcard'), ('wildcard') $$, 'a prefix wildcard matches every type below the prefix');
select is((select e.status from routed as e where e.event_type = 'inventoryx.low'), 'no_rule',
  'a prefix wildcard does not match a type that merely starts with the same letters');
select is((select r.name from routed as e join rule_ids as r on r.id = e.rule_id where e.event_type = 'misc.thing'),
  'everything', '* matches any event type');
select is((select pg_catalog.count(*)::int from public.alerts as a where a.tenant_id = (select tenant_c from ids)), 4,
  'one alert per matching event and rule');

-- ---------------------------------------------- severity and alert type (6)
select pg_temp.add_rule('{"name": "mapped", "event_types": ["Line.Batch-Failed"],
  "severity_map": {"path": "level", "map": {"warn": "medium", "fatal": "critical"}, "default": "low"},
  "title_template": "Batch {{payload.batch}} failed"}');
select pg_temp.add_rule('{"name": "mapped without default", "event_types": ["line.no_default"],
  "severity_map": {"path": "level", "map": {"fatal": "critical"}}, "title_template": "No default"}');
create temp table mapped on commit drop as
  select t.level, t.batch, e.*
  from (values ('warn', 'b1'), ('fatal', 'b2'), ('other', 'b3')) as t(level, batch)
  cross join lateral pg_temp.emit((select tenant_a from ids), 'Line.Batch-Failed', jsonb_build_object('level', t.level, 'batch', t.batch)) as e;
select results_eq($$ select m.level, a.severity from mapped as m join public.alerts as a on a.id = m.alert_id order by m.batch $$,
  $$ values ('warn'::text, 'medium'::text), ('fatal', 'critical'), ('other', 'low') $$,
  'severity_map maps the payload value, else its default');
select is((select distinct a.alert_type from mapped as m join public.alerts as a on a.id = m.alert_id), 'line.batch_failed',
  'the default alert_type is the event type lowercased with other characters replaced by _');
select results_eq($$ select e.status, e.reason from pg_temp.emit((select tenant_a from ids), 'line.no_default', '{"level": "warn"}') as e $$,
  $$ values ('rejected'::text, 'rule "mapped without default": severity_map has no severity for level = string "warn" and no default'::text) $$,
  'an unmapped value without a default is rejected, with the reason');
select pg_temp.add_rule('{"name": "fixed", "event_types": ["line.fixed"], "severity": "high", "priority": 12, "category": "quality",
  "alert_type": "line_stop", "title_template": "Line {{payload.line}} stopped", "description_template": "Reported by {{source}} as {{event_type}}",
  "recommended_action_template": " {{payload.contact}} "}');
create temp table fixed on commit drop as select e.* from pg_temp.emit((select tenant_a from ids), 'line.fixed', '{"line": 4}', 'L4') as e;
select results_eq(
  $$ select a.severity, a.priority, a.category, a.alert_type, a.title, a.description, a.recommended_action, a.source, a.dedup_key
     from public.alerts as a where a.id = (select alert_id from fixed) $$,
  $$ values ('high'::text, 12, 'quality'::text, 'line_stop'::text, 'Line 4 stopped'::text, 'Reported by pgtap as line.fixed'::text,
             null::text, 'pgtap'::text, 'line_stop:L4'::text) $$,
  'a fixed severity, priority, category and alert_type; placeholders; a recommended action that renders empty is null');
select is((select metadata ->> 'rule_id' from public.alerts where id = (select alert_id from fixed)),
  (select id::text from rule_ids where name = 'fixed'), 'the alert''s metadata names its rule');
select results_eq($$ select status, rule_id, occurrence, notify, processed_at from fixed $$,
  $$ select 'alerted'::text, (select id from rule_ids where name = 'fixed'), 1, true, '2026-03-02 10:00+00'::timestamptz $$,
  'the event records its status, rule, occurrence, notify flag and processing time');

-- ------------------------------------------------- hostile templates (7)
select pg_temp.add_rule('{"name": "echo", "event_types": ["echo.*"], "severity": "low",
  "title_template": "Hello {{payload.name}}{{ payload.missing }}!", "description_template": "x={{payload.x}} y={{payload.y}} p={{payload.obj}}",
  "dedup_key_template": "echo:{{payload.name}}"}');
create temp table echoed on commit drop as
  select e.* from pg_temp.emit((select tenant_a from ids), 'echo.say',
    jsonb_build_object('name', '''); drop table alerts; --', 'x', '{{payload.y}}', 'y', 'Y', 'obj', jsonb_build_object('k', 1))) as e;
select is((select title from public.alerts where id = (select alert_id from echoed)), 'Hello ''); drop table alerts; --!',
  'payload text is inserted verbatim as plain text, a missing value is empty');
select is((select description from public.alerts where id = (select alert_id from echoed)), 'x={{payload.y}} y=Y p={"k": 1}',
  'a value that looks like a placeholder is never expanded again; objects appear as JSON');
select has_table('public', 'alerts', 'the alerts table is still there');
select is(private.render_template('{{{payload.a}}} {{ {{payload.a}} {{a}b}} {{payload.a',
            jsonb_populate_record(null::public.alert_events, '{"payload": {"a": "x"}}'), 100),
  '{x} {{ x {{a}b}} {{payload.a', 'stray braces stay text; only well-formed placeholders are filled');
select is((select dedup_key from public.alerts where id = (select alert_id from echoed)), 'echo:''); drop table alerts; --',
  'dedup_key_template renders the key');
create temp table echoed_long on commit drop as
  select e.* from pg_temp.emit((select tenant_a from ids), 'echo.long', jsonb_build_object('name', repeat('x', 5000))) as e;
select results_eq($$ select pg_catalog.length(title), pg_catalog.length(dedup_key) from public.alerts where id = (select alert_id from echoed_long) $$,
  $$ values (300, 500) $$, 'a long title is cut to 300 characters, a dedup key to 500');
select pg_temp.add_rule('{"name": "blank", "event_types": ["blank.title"], "severity": "low", "title_template": " {{payload.name}} "}');
select results_eq($$ select e.status, e.reason from pg_temp.emit((select tenant_a from ids), 'blank.title', '{"name": "  "}') as e $$,
  $$ values ('rejected'::text, 'rule "blank": title_template rendered an empty title for this payload'::text) $$,
  'a title that renders blank is rejected with the reason');

-- ------------------------------------------------------- dedup keys (4)
select pg_temp.add_rule('{"name": "fridge", "event_types": ["fridge.temperature"], "severity": "high",
  "conditions": [{"path": "celsius", "op": "gt", "value": 8}], "title_template": "Fridge {{payload.fridge}} at {{payload.celsius}} C",
  "dedup_key_template": "fridge:{{payload.fridge}}"}');
select pg_temp.emit((select tenant_a from ids), 'fridge.temperature', '{"fridge": "F1", "celsius": 9}');
select set_config('shelfwatch.now', '2026-03-02 10:01+00', true);
select pg_temp.emit((select tenant_a from ids), 'fridge.temperature', '{"fridge": "F1", "celsius": 12}');
select results_eq($$ select dedup_key, occurrence_count, title from public.alerts where dedup_key like 'fridge:%' $$,
  $$ values ('fridge:F1'::text, 2, 'Fridge F1 at 12 C'::text) $$,
  'events with the same rendered key repeat one alert, whose text follows the latest');
select pg_temp.add_rule('{"name": "default key", "event_types": ["door.open"], "severity": "low", "title_template": "Door open"}');
create temp table keyed on commit drop as select e.* from pg_temp.emit((select tenant_a from ids), 'door.open', '{}', 'back-door') as e;
select is((select a.dedup_key from public.alerts as a where a.id = (select alert_id from keyed)),
  'door.open:back-door', 'the default key is <alert_type>:<the event''s dedup_key>');
create temp table keyless on commit drop as select e.* from pg_temp.emit((select tenant_a from ids), 'door.open', '{}') as e;
select is((select a.dedup_key from public.alerts as a where a.id = (select alert_id from keyless)),
  'door.open:' || (select id from keyless), 'without a dedup_key the default key uses the event id (every event its own alert)');
select is((select pg_catalog.count(*)::int from public.alerts where alert_type = 'door.open'), 2, 'so the two door events opened two alerts');

-- -------------------------------------------------------- aggregation (9)
select set_config('shelfwatch.now', '2026-03-02 11:00+00', true);
select pg_temp.add_rule('{"name": "scale", "event_types": ["scale.error"], "severity": "medium", "title_template": "Scale {{payload.n}}",
  "dedup_key_template": "scale", "aggregation_window_minutes": 30, "notify_every": 2}');
create temp table scale_events (n int, event public.alert_events) on commit drop;
insert into scale_events select 1, pg_temp.emit((select tenant_a from ids), 'scale.error', '{"n": 1}');
select set_config('shelfwatch.now', '2026-03-02 11:05+00', true);
-- occurrences 2..4 in one statement, 5 on its own
insert into scale_events select n, pg_temp.emit((select tenant_a from ids), 'scale.error', jsonb_build_object('n', n))
  from generate_series(2, 4) as n;
select set_config('shelfwatch.now', '2026-03-02 11:20+00', true);
insert into scale_events select 5, pg_temp.emit((select tenant_a from ids), 'scale.error', '{"n": 5}');
select is((select pg_catalog.count(distinct (event).alert_id)::int from scale_events), 1, 'five events within the window share one alert');
select results_eq($$ select occurrence_count, title, first_seen_at, last_seen_at from public.alerts where dedup_key = 'scale' $$,
  $$ values (5, 'Scale 5'::text, '2026-03-02 11:00+00'::timestamptz, '2026-03-02 11:20+00'::timestamptz) $$,
  'the alert counts all five');
select results_eq($$ select n, (event).status, (event).occurrence, (event).notify from scale_events order by n $$,
  $$ values (1, 'alerted'::text, 1, true), (2, 'aggregated', 2, true), (3, 'aggregated', 3, false), (4, 'aggregated', 4, true),
            (5, 'aggregated', 5, false) $$,
  'the first event is alerted, the rest aggregated; occurrence 1 and every 2nd notify');
select results_eq(
  $$ select metadata -> 'notify', metadata -> 'notify_every', metadata -> 'window_occurrence', metadata -> 'notify_occurrences',
            metadata ->> 'window_started_at' from public.alerts where dedup_key = 'scale' $$,
  $$ values ('false'::jsonb, '2'::jsonb, '5'::jsonb, '[]'::jsonb, '2026-03-02T11:00:00+00:00'::text) $$,
  'the alert''s metadata says whether its latest occurrence notifies, and the window');
select is((select (event).reason from scale_events where n = 3), 'rule "scale": occurrence 3 of the open alert''s aggregation window',
  'an aggregated event says which occurrence it was');
select set_config('shelfwatch.now', '2026-03-02 11:31+00', true);
create temp table late_scale on commit drop as select e.* from pg_temp.emit((select tenant_a from ids), 'scale.error', '{"n": 6}') as e;
select results_eq($$ select status, occurrence, notify, alert_id = (select (event).alert_id from scale_events where n = 1) from late_scale $$,
  $$ values ('aggregated'::text, 1, true, true) $$,
  'after the window a repeat starts a new window: occurrence 1, notifies, same open alert');
select results_eq(
  $$ select occurrence_count, metadata -> 'notify', metadata -> 'window_occurrence', metadata ->> 'window_started_at'
     from public.alerts where dedup_key = 'scale' $$,
  $$ values (6, 'true'::jsonb, '1'::jsonb, '2026-03-02T11:31:00+00:00'::text) $$,
  'the alert keeps counting in total and records the new window');
select alike((select reason from late_scale), '%aggregation window of 30 minutes had passed%', 'and the event says why it notified');
select is((select pg_catalog.count(*)::int from public.alert_history as h join public.alerts as a on a.id = h.alert_id
           where a.dedup_key = 'scale' and h.action = 'created'), 1, 'history records one created alert');

-- ------------------------------------------------ throttle after resolve (6)
select set_config('shelfwatch.now', '2026-03-02 12:00+00', true);
select pg_temp.add_rule('{"name": "freezer", "event_types": ["freezer.alarm"], "severity": "critical", "title_template": "Freezer alarm",
  "dedup_key_template": "freezer:{{payload.unit}}", "throttle_minutes": 30}');
create temp table freezer_first on commit drop as select e.* from pg_temp.emit((select tenant_a from ids), 'freezer.alarm', '{"unit": "U1"}') as e;
select public.resolve_alert((select alert_id from freezer_first), 'defrosted');
select set_config('shelfwatch.now', '2026-03-02 12:20+00', true);
create temp table freezer_again on commit drop as select e.* from pg_temp.emit((select tenant_a from ids), 'freezer.alarm', '{"unit": "U1"}') as e;
select results_eq($$ select status, alert_id from freezer_again $$,
  $$ select 'throttled'::text, (select alert_id from freezer_first) $$,
  'a re-fire within throttle_minutes of the resolve is throttled, naming the resolved alert');
select alike((select reason from freezer_again), 'rule "freezer": throttled, re-fired within throttle_minutes = 30 of alert % being resolved at %',
  'with the reason');
select is((select pg_catalog.count(*)::int from public.alerts where dedup_key = 'freezer:U1'), 1, 'and no new alert');
select is((pg_temp.emit((select tenant_a from ids), 'freezer.alarm', '{"unit": "U2"}')).status, 'alerted',
  'another key of the same rule is not throttled');
select set_config('shelfwatch.now', '2026-03-02 12:31+00', true);
create temp table freezer_later on commit drop as select e.* from pg_temp.emit((select tenant_a from ids), 'freezer.alarm', '{"unit": "U1"}') as e;
select is((select status from freezer_later), 'alerted', 'after throttle_minutes the re-fire opens a new alert');
select is((select pg_catalog.count(*)::int from public.alerts where dedup_key = 'freezer:U1' and status = 'active'), 1,
  'which is the one open alert of the key');

-- ------------------------------------------------- max_alerts_per_hour (6)
select set_config('shelfwatch.now', '2026-03-02 13:00+00', true);
select pg_temp.add_rule('{"name": "capped", "event_types": ["pos.offline"], "severity": "medium", "title_template": "POS {{payload.till}} offline",
  "dedup_key_template": "pos:{{payload.till}}", "max_alerts_per_hour": 2}');
insert into public.alert_events (tenant_id, source, event_type, payload)
  select (select tenant_a from ids), 'pgtap', 'pos.offline', jsonb_build_object('till', t) from unnest(array['T1', 'T2', 'T3']) as t;
select results_eq($$ select payload ->> 'till', status from public.alert_events where event_type = 'pos.offline' order by 1 $$,
  $$ values ('T1'::text, 'alerted'::text), ('T2', 'alerted'), ('T3', 'throttled') $$,
  'in one statement, the first two new alerts open and the third is throttled');
select is((select reason from public.alert_events where event_type = 'pos.offline' and payload ->> 'till' = 'T3'),
  'rule "capped": throttled, it opened its max_alerts_per_hour = 2 alerts in the last hour', 'naming the cap');
select set_config('shelfwatch.now', '2026-03-02 13:30+00', true);
select is((pg_temp.emit((select tenant_a from ids), 'pos.offline', '{"till": "T4"}')).status, 'throttled',
  'a later statement within the hour is throttled too');
select is((pg_temp.emit((select tenant_a from ids), 'pos.offline', '{"till": "T1"}')).status, 'aggregated',
  'a repeat of an open alert is never capped');
select set_config('shelfwatch.now', '2026-03-02 14:00:01+00', true);
select is((pg_temp.emit((select tenant_a from ids), 'pos.offline', '{"till": "T5"}')).status, 'alerted',
  'an hour after the first two, the rule may open alerts again');
select is((select pg_catalog.count(*)::int from public.alerts where dedup_key like 'pos:%'), 3, 'three alerts in all');

-- -------------------------------------------------------- suppressions (13)
select set_config('shelfwatch.now', '2026-03-02 15:00+00', true);
select pg_temp.add_rule('{"name": "chiller", "event_types": ["chiller.warm"], "severity": "high", "title_template": "Chiller warm",
  "alert_type": "chiller.warm", "dedup_key_template": "chiller:{{payload.store_id}}:{{payload.product_id}}"}');
create temp table suppression_ids on commit drop as
  with s as (
    insert into public.alert_suppressions (tenant_id, alert_types, store_ids, product_ids, starts_at, ends_at, reason)
    values ((select tenant_a from ids), '{chiller.*}', '{S1}', null, '2026-03-02 14:00+00', '2026-03-02 18:00+00', 'Chiller repair'),
           ((select tenant_a from ids), null, null, '{P9}', '2026-03-02 14:00+00', '2026-03-02 18:00+00', 'Recall of P9'),
           ((select tenant_a from ids), null, '{S7}', null, '2026-03-02 16:00+00', '2026-03-02 18:00+00', 'Later'),
           ((select tenant_a from ids), null, '{S8}', null, '2026-03-02 14:00+00', '2026-03-02 18:00+00', 'Ended early')
    returning id, reason)
  select * from s;
update public.alert_suppressions set ended_early_at = '2026-03-02 14:30+00' where reason = 'Ended early';
create temp table chilled on commit drop as
  select t.store, t.product, e.*
  from (values ('S1', 'P1'), ('S2', 'P1'), ('S2', 'P9'), ('S7', 'P1'), ('S8', 'P1')) as t(store, product)
  cross join lateral pg_temp.emit((select tenant_a from ids), 'chiller.warm', jsonb_build_object('store_id', t.store, 'product_id', t.product)) as e;
select results_eq($$ select store, product, status from chilled order by store, product $$,
  $$ values ('S1'::text, 'P1'::text, 'suppressed'::text), ('S2', 'P1', 'alerted'), ('S2', 'P9', 'suppressed'),
            ('S7', 'P1', 'alerted'), ('S8', 'P1', 'alerted') $$,
  'type and store scope, product scope suppress; a window not yet started or ended early does not');
select is((select reason from chilled where store = 'S1'),
  format('rule "chiller": suppressed by suppression %s ("Chiller repair") until 2026-03-02 18:00:00+00',
         (select id from suppression_ids where reason = 'Chiller repair')),
  'a suppressed event names the suppression');
select is((select pg_catalog.count(*)::int from public.alerts where dedup_key in ('chiller:S1:P1', 'chiller:S2:P9')), 0,
  'suppressed events create nothing');
select is((select alert_id from chilled where store = 'S1'), null, 'and link to no alert');
select set_config('shelfwatch.now', '2026-03-02 16:30+00', true);
select is((pg_temp.emit((select tenant_a from ids), 'chiller.warm', '{"store_id": "S7", "product_id": "P1"}')).status, 'suppressed',
  'once a window starts, a repeat of an open alert is suppressed too');
select is((select occurrence_count from public.alerts where dedup_key = 'chiller:S7:P1'), 1, 'and does not bump it');
select is(public.raise_alert((select tenant_a from ids), 'chiller.warm', 'high', 'Direct', store_id => 'S1'), null,
  'raise_alert returns null during a window covering the alert');
select is(public.raise_alert((select tenant_a from ids), 'low_stock', 'high', 'Direct', store_id => 'S3', product_id => 'P9'), null,
  'also for a product-scoped window');
select is((select pg_catalog.count(*)::int from public.alerts where title = 'Direct'), 0, 'and creates nothing');
select isnt(public.raise_alert((select tenant_a from ids), 'chiller.warm', 'high', 'Direct elsewhere', store_id => 'S2'), null,
  'raise_alert still raises outside the window''s scope');
select throws_ok(
  $$ select public.raise_alert((select tenant_a from ids), 'chiller.warm', 'urgent', 'Bad', store_id => 'S1') $$,
  'SW001', 'Cannot raise an alert: severity must be low, medium, high or critical (got urgent)',
  'raise_alert still refuses bad input during a window');
select set_config('shelfwatch.now', '2026-03-02 18:00+00', true);
select is((pg_temp.emit((select tenant_a from ids), 'chiller.warm', '{"store_id": "S1", "product_id": "P1"}')).status, 'alerted',
  'at ends_at the window is over');
select isnt(public.raise_alert((select tenant_a from ids), 'chiller.warm', 'high', 'After the window', store_id => 'S1'), null,
  'and raise_alert raises again');

-- --------------------------------------------------- no_rule, rejected (10)
select results_eq($$ select status, reason, rule_id, alert_id from pg_temp.emit((select tenant_a from ids), 'nobody.listens', '{}') $$,
  $$ values ('no_rule'::text, 'no active rule matches event type nobody.listens'::text, null::uuid, null::uuid) $$,
  'an event no rule listens to is kept as no_rule');
select results_eq($$ select status, reason from pg_temp.emit((select tenant_a from ids), 'fridge.temperature', '{"fridge": "F2", "celsius": "warm"}') $$,
  $$ values ('no_rule'::text, 'no rule''s conditions hold: rule "fridge": celsius gt 8 does not hold (got string "warm")'::text) $$,
  'gt against a string does not raise: the event is no_rule, naming the condition');
update public.alert_rules set active = false where id = (select id from rule_ids where name = 'default key');
select is((pg_temp.emit((select tenant_a from ids), 'door.open', '{}')).status, 'no_rule', 'an inactive rule matches nothing');
select throws_ok(
  $$ insert into public.alert_events (tenant_id, source, event_type, payload) values ((select tenant_a from ids), 'pgtap', 'x.y', '[1, 2]') $$,
  '23514', null, 'a payload that is not an object is a check violation');
select throws_ok(
  $$ insert into public.alert_events (tenant_id, source, event_type) values ((select tenant_a from ids), 'pgtap', 'bad type!') $$,
  '23514', null, 'so is a malformed event type');
select throws_ok(
  $$ insert into public.alert_events (tenant_id, source, event_type, payload)
     values ((select tenant_a from ids), 'pgtap', 'x.y', jsonb_build_object('blob', repeat('x', 70000))) $$,
  '23514', null, 'and a payload over 64 KB');
select pg_temp.add_rule('{"name": "second opinion", "event_types": ["fridge.temperature"], "severity": "low", "title_template": "Fridge event",
  "alert_type": "fridge_seen", "dedup_key_template": "seen:{{payload.fridge}}"}');
create temp table two_rules on commit drop as
  select e.* from pg_temp.emit((select tenant_a from ids), 'fridge.temperature', '{"fridge": "F3", "celsius": 20}') as e;
select is((select pg_catalog.count(*)::int from public.alerts where dedup_key in ('fridge:F3', 'seen:F3')), 2,
  'two matching rules raise two alerts for one event');
select is((select reason from two_rules), 'rule "fridge": opened an alert; rule "second opinion": opened an alert',
  'and the event''s reason names both');
select pg_temp.add_rule('{"name": "rejecting", "event_types": ["fridge.temperature"], "severity": "low", "title_template": "{{payload.nothing}}",
  "conditions": [{"path": "celsius", "op": "gt", "value": 100}]}');
select results_eq($$ select status, reason from pg_temp.emit((select tenant_a from ids), 'fridge.temperature', '{"fridge": "F4", "celsius": 150}') $$,
  $$ values ('alerted'::text, 'rule "fridge": opened an alert; rule "second opinion": opened an alert; rule "rejecting": title_template rendered an empty title for this payload'::text) $$,
  'the best outcome decides the status; a rejecting rule is still named');
delete from public.alert_rules where id in (select id from rule_ids where name in ('second opinion', 'fridge'));
select results_eq($$ select status, rule_id from pg_temp.emit((select tenant_a from ids), 'fridge.temperature', '{"fridge": "F5", "celsius": 150}') $$,
  $$ select 'rejected'::text, (select id from rule_ids where name = 'rejecting') $$,
  'when every matching rule rejects, the event is rejected and names the rule');

-- ----------------------------------------------------- validation SW001 (15)
create function pg_temp.rule_with(changes jsonb) returns jsonb language sql
as $$ select '{"name": "v", "event_types": ["x.y"], "severity": "low", "title_template": "t"}'::jsonb || changes $$;
select throws_ok($$ select pg_temp.add_rule(pg_temp.rule_with('{"conditions": [{"path": "t", "op": "eq", "value": 1}, {"path": "t", "op": "between", "value": 1}]}')) $$,
  'SW001', 'Invalid alert rule: conditions[2].op must be one of eq, neq, gt, gte, lt, lte, in, exists, contains (got "between")',
  'an unknown op is SW001 naming conditions[2].op');
select throws_ok($$ select pg_temp.add_rule(pg_temp.rule_with('{"conditions": [{"path": "t", "op": "gt", "value": "8"}]}')) $$,
  'SW001', 'Invalid alert rule: conditions[1].value must be a number for gt (got "8")', 'gt needs a number');
select throws_ok($$ select pg_temp.add_rule(pg_temp.rule_with('{"conditions": [{"path": "a..b", "op": "exists"}]}')) $$,
  'SW001', 'Invalid alert rule: conditions[1].path must be a dotted payload path like temperature or batch.line (got "a..b")',
  'a malformed path is refused');
select throws_ok($$ select pg_temp.add_rule(pg_temp.rule_with('{"conditions": [{"path": "t", "op": "in", "value": [[1]]}]}')) $$,
  'SW001', 'Invalid alert rule: conditions[1].value must be an array of 1 to 1000 strings, numbers or booleans for in', 'in needs scalars');
select throws_ok($$ select pg_temp.add_rule(pg_temp.rule_with('{"conditions": {"path": "t"}}')) $$,
  'SW001', 'Invalid alert rule: conditions must be a JSON array of {path, op, value}', 'conditions must be an array');
select throws_ok($$ select pg_temp.add_rule(pg_temp.rule_with('{"severity": "urgent"}')) $$,
  'SW001', 'Invalid alert rule: severity must be low, medium, high or critical (got urgent)', 'a bad severity names severity');
select throws_ok($$ select pg_temp.add_rule(pg_temp.rule_with('{"severity_map": {"path": "l", "map": {"a": "low"}}}')) $$,
  'SW001', 'Invalid alert rule: set exactly one of severity and severity_map', 'severity and severity_map are exclusive');
select throws_ok($$ select pg_temp.add_rule(pg_temp.rule_with('{"severity": null, "severity_map": {"path": "l", "map": {"a": "urgent"}}}')) $$,
  'SW001', 'Invalid alert rule: severity_map.map must map payload values to low, medium, high or critical', 'a bad mapped severity');
select throws_ok($$ select pg_temp.add_rule(pg_temp.rule_with('{"event_types": ["inventory*"]}')) $$,
  'SW001', 'Invalid alert rule: event_types entry "inventory*" is not an event type (inventory.low_stock), a prefix wildcard (inventory.*) or *',
  'a bad event type pattern names event_types');
select throws_ok(format($$ select pg_temp.add_rule(pg_temp.rule_with('{"description_template": "%s"}')) $$, repeat('d', 2001)),
  'SW001', 'Invalid alert rule: description_template must be at most 2000 characters (got 2001)', 'a template over 2000 characters');
select throws_ok($$ select pg_temp.add_rule(pg_temp.rule_with('{"title_template": "Hi {{user.name}}"}')) $$,
  'SW001', 'Invalid alert rule: title_template uses an unknown placeholder {{user.name}} (known: payload.<path>, payload, event_type, source, dedup_key, event_id, occurred_at)',
  'an unknown placeholder');
select throws_ok($$ select pg_temp.add_rule(pg_temp.rule_with('{"channels": ["email", "pigeon"]}')) $$,
  'SW001', 'Invalid alert rule: channels may only name email, sms, whatsapp, push, slack, discord, webhook or dashboard (got pigeon)',
  'an unknown channel');
select throws_ok($$ select pg_temp.add_rule(pg_temp.rule_with('{"notify_roles": ["boss"]}')) $$,
  'SW001', 'Invalid alert rule: notify_roles may only name owner, manager, staff or viewer (got boss)', 'an unknown role');
select throws_ok(
  $$ insert into public.alert_suppressions (tenant_id, starts_at, ends_at, reason)
     values ((select tenant_a from ids), '2026-03-02 12:00+00', '2026-03-02 11:00+00', 'Backwards') $$,
  'SW001', 'Invalid suppression: ends_at must be after starts_at (got 2026-03-02 12:00:00+00 to 2026-03-02 11:00:00+00)',
  'a suppression must end after it starts');
select throws_ok(
  $$ insert into public.alert_suppressions (tenant_id, alert_types, ends_at, reason)
     values ((select tenant_a from ids), '{Chiller}', '2026-03-04 00:00+00', 'Bad type') $$,
  'SW001', 'Invalid suppression: alert_types entry "Chiller" is not an alert type (low_stock) or prefix wildcard (inventory.*)',
  'a suppression''s alert types are checked');

-- -------------------------------------------------------------------- RLS (20)
select set_config('shelfwatch.now', '2026-03-02 19:00+00', true);
update ids set rule_b = pg_temp.add_rule('{"name": "B rule", "event_types": ["b.thing"], "severity": "low", "title_template": "B"}', tenant_b);
with s as (
  insert into public.alert_suppressions (tenant_id, ends_at, reason)
  select tenant_b, '2026-03-03 00:00+00', 'B quiet' from ids returning id)
update ids set suppression_b = (select id from s);
select pg_temp.emit((select tenant_b from ids), 'b.thing', '{}');

create temp table visible on commit drop as
  select (select array_agg(id order by id) from public.alert_rules where tenant_id = (select tenant_a from ids)) as rules,
         (select array_agg(id order by id) from public.alert_events where tenant_id = (select tenant_a from ids)) as events,
         (select array_agg(id order by id) from public.alert_suppressions where tenant_id = (select tenant_a from ids)) as suppressions;
grant select on visible to authenticated;

select tests.authenticate_as(viewer_a, tenant_a) from ids;
select is((select array_agg(id order by id) from public.alert_rules), (select rules from visible), 'a viewer of A reads exactly A''s rules');
select is((select array_agg(id order by id) from public.alert_events), (select events from visible), 'and exactly A''s events');
select is((select array_agg(id order by id) from public.alert_suppressions), (select suppressions from visible),
  'and exactly A''s suppressions');
select throws_ok(
  $$ insert into public.alert_events (tenant_id, source, event_type) values ((select tenant_a from ids), 'viewer', 'door.open') $$,
  '42501', null, 'a viewer may not insert events');

select tests.authenticate_as(staff_a, tenant_a) from ids;
select lives_ok(
  $$ insert into public.alert_events (tenant_id, source, event_type, payload) values ((select tenant_a from ids), 'handheld', 'freezer.alarm', '{"unit": "U9"}') $$,
  'staff may insert events for their tenant');
select throws_ok(
  $$ insert into public.alert_events (tenant_id, source, event_type) values ((select tenant_b from ids), 'handheld', 'b.thing') $$,
  '42501', null, 'but not for another tenant');
select throws_ok(
  $$ update public.alert_events set status = 'rejected' where tenant_id = (select tenant_a from ids) $$,
  '42501', null, 'members never change an event''s outcome');
select throws_ok(
  $$ insert into public.alert_rules (tenant_id, name, event_types, severity, title_template)
     values ((select tenant_a from ids), 'By staff', '{x.y}', 'low', 't') $$,
  '42501', null, 'staff cannot create rules');
select throws_ok(
  $$ insert into public.alert_suppressions (tenant_id, ends_at, reason) values ((select tenant_a from ids), '2026-03-03 00:00+00', 'By staff') $$,
  '42501', null, 'staff cannot create suppressions');

select tests.authenticate_as(manager_a, tenant_a) from ids;
select lives_ok(
  $$ insert into public.alert_rules (tenant_id, name, event_types, severity, title_template)
     values ((select tenant_a from ids), 'By manager', '{x.y}', 'low', 't') $$,
  'managers create rules');
select lives_ok($$ update public.alert_rules set severity = 'high' where name = 'By manager' $$, 'and edit them');
select throws_ok($$ update public.alert_rules set severity = 'urgent' where name = 'By manager' $$,
  'SW001', 'Invalid alert rule: severity must be low, medium, high or critical (got urgent)', 'edits are validated too');
select throws_ok($$ update public.alert_rules set created_by = null where name = 'By manager' $$,
  '42501', null, 'created_by is not theirs to change');
select lives_ok(
  $$ insert into public.alert_suppressions (tenant_id, ends_at, reason) values ((select tenant_a from ids), '2026-03-03 00:00+00', 'By manager') $$,
  'managers create suppressions');
select lives_ok($$ update public.alert_suppressions set ended_early_at = private.now() where reason = 'By manager' $$,
  'and end them early');
select throws_ok($$ delete from public.alert_suppressions where reason = 'By manager' $$, '42501', null,
  'but never delete them');
select is((select pg_catalog.count(*)::int from public.alert_rules where id = (select rule_b from ids)), 0, 'A''s manager does not see B''s rule');
select is((select pg_catalog.count(*)::int from public.alert_rules where name = 'By manager' and created_by = (select manager_a from ids)), 1,
  'the rule records who created it');
select lives_ok($$ delete from public.alert_rules where name = 'By manager' $$, 'managers delete rules');
select tests.clear_authentication();
select results_eq(
  $$ select e.status, a.dedup_key, h.actor_id
     from public.alert_events as e
     join public.alerts as a on a.id = e.alert_id
     join public.alert_history as h on h.alert_id = a.id and h.action = 'created'
     where e.source = 'handheld' $$,
  $$ select 'alerted'::text, 'freezer:U9'::text, staff_a from ids $$,
  'the staff member''s event was processed into an alert (as the engine), recorded as created by them');

-- ------------------------------------------------------- test_rule dry run (13)
create temp table before_dry_run on commit drop as
  select (select pg_catalog.count(*) from public.alerts) as alerts, (select pg_catalog.count(*) from public.alert_events) as events,
         (select pg_catalog.count(*) from public.alert_rules) as rules;
create temp table dry_rule on commit drop as
  select '{"event_types": ["fridge.*"], "conditions": [{"path": "celsius", "op": "gte", "value": 20}],
           "severity_map": {"path": "celsius", "map": {"150": "critical"}, "default": "medium"},
           "title_template": "Dry {{payload.fridge}}"}'::jsonb as rule;
grant select on dry_rule to authenticated, service_role;
select tests.authenticate_as(manager_a, tenant_a) from ids;
create temp table dry_results on commit drop as
  select * from public.test_rule((select rule from dry_rule), '2026-03-02 00:00+00');
select results_eq(
  $$ select e.payload ->> 'fridge', d.matched, d.title, d.severity
     from dry_results as d join public.alert_events as e on e.id = d.event_id order by e.received_at, e.payload ->> 'fridge' $$,
  $$ values ('F1'::text, false, null::text, null::text), ('F1', false, null, null), ('F2', false, null, null),
            ('F3', true, 'Dry F3', 'medium'), ('F4', true, 'Dry F4', 'critical'), ('F5', true, 'Dry F5', 'critical') $$,
  'a manager''s dry run reports each recent event of a matching type: matched, title and severity');
select is((select pg_catalog.count(*)::int from public.test_rule((select rule from dry_rule), '2026-03-02 10:00:30+00')), 5,
  'since limits the events looked at');
select is((select pg_catalog.count(*)::int from public.test_rule((select rule from dry_rule) || '{"tenant_id": "00000000-0000-4000-8000-000000000000"}')),
  6, 'a member always tests against their own tenant (a tenant_id in the rule is ignored)');
select throws_ok($$ select * from public.test_rule((select rule from dry_rule) || '{"severity": "high"}') $$,
  'SW001', 'Invalid alert rule: set exactly one of severity and severity_map', 'the rule is validated like a saved one');
select throws_ok($$ select * from public.test_rule('{"event_types": ["x.y"], "severity": "low", "title_template": "t", "priority": "soon"}') $$,
  'SW001', 'Invalid alert rule: invalid input syntax for type integer: "soon"', 'a field of the wrong type is SW001');
select tests.clear_authentication();
select results_eq(
  $$ select (select pg_catalog.count(*) from public.alerts), (select pg_catalog.count(*) from public.alert_events),
            (select pg_catalog.count(*) from public.alert_rules) $$,
  $$ select alerts, events, rules from before_dry_run $$,
  'the dry runs wrote nothing');
select is(provolatile::text, 's', 'test_rule is stable, so it cannot write') from pg_catalog.pg_proc where oid = 'public.test_rule(jsonb, timestamptz)'::regprocedure;
select tests.authenticate_as(staff_a, tenant_a) from ids;
select throws_ok($$ select * from public.test_rule((select rule from dry_rule)) $$,
  'SW003', 'Cannot test a rule: needs the manager role or above (the caller is staff)', 'staff may not dry-run rules');
select tests.authenticate_as(manager_b, tenant_a) from ids;
select throws_ok($$ select * from public.test_rule((select rule from dry_rule)) $$,
  'SW005', 'Cannot test a rule: the caller is not an active member of the tenant named in their token',
  'a token naming a tenant the caller is not in is SW005');
select tests.authenticate_as(manager_b, tenant_b) from ids;
select is((select pg_catalog.count(*)::int from public.test_rule('{"event_types": ["*"], "severity": "low", "title_template": "t"}')), 1,
  'B''s manager sees only B''s events in a dry run');
select tests.authenticate_as_service();
select is((select pg_catalog.count(*)::int from public.test_rule((select rule from dry_rule) || jsonb_build_object('tenant_id', (select tenant_a from ids)),
           '2026-03-02 00:00+00')), 6, 'a service names the tenant with tenant_id');
select throws_ok($$ select * from public.test_rule((select rule from dry_rule)) $$,
  'SW001', 'Invalid alert rule: tenant_id is required (a uuid) when a service tests a rule', 'and must name one');
select tests.clear_authentication();
set local role anon;
select throws_ok($$ select * from public.test_rule('{}') $$, '42501', null, 'anon may not call test_rule');
reset role;

select * from finish();
rollback;
