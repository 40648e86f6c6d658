-- pgTAP tests for the event ingest shape and direct raises on rule alerts (migrations
-- 20261122160000, 20261122160300, 20261122160600): events no rule can match are decided while they
-- are inserted (written once, never updated) with the same status and reason as before; a matching
-- event is still processed by the statement trigger; event ids are time-ordered (UUID v7);
-- raise_alert() on a rule alert's dedup key keeps the rule's metadata (routing, aggregation window)
-- and merges the caller's. One transaction, rolled back.
begin;
set local search_path = extensions, public;

select plan(20);

select set_config('shelfwatch.now', '2026-03-02 10:00+00', true);
create temp table ids on commit drop as select tests.create_tenant('Ingest contract') as tenant;
grant select on ids to service_role;

insert into public.alert_rules (tenant_id, name, event_types, conditions, severity, title_template,
                                dedup_key_template, aggregation_window_minutes, notify_every, channels, notify_roles)
select tenant, 'Freezer warm', '{sensor.*}', '[{"path": "temperature", "op": "gt", "value": -15}]', 'high',
       'Freezer {{payload.freezer}} at {{payload.temperature}} C', 'freezer:{{payload.freezer}}', 60, 3,
       '{email}', '{manager}'
from ids;
insert into public.alert_rules (tenant_id, name, event_types, conditions, severity, title_template)
select tenant, 'Door open', '{sensor.door}', '[{"path": "open", "op": "eq", "value": true}]', 'medium', 'Door open'
from ids;

-- Inserts one event and returns it as the insert left it, with how many alert_events rows this
-- transaction has updated so far (before and after).
create function pg_temp.emit(event_type text, payload jsonb)
returns table (status text, reason text, rule_id uuid, processed boolean, occurrence int, updates_before bigint, updates_after bigint)
language plpgsql
as $$
declare
  before_count bigint;
  new_id uuid;
begin
  before_count := (select n_tup_upd from pg_stat_xact_user_tables where relid = 'public.alert_events'::regclass);
  insert into public.alert_events (tenant_id, source, event_type, payload)
  values ((select tenant from ids), 'pgtap', event_type, payload)
  returning id into new_id;
  return query
  select e.status, e.reason, e.rule_id, e.processed_at is not null, e.occurrence, before_count,
         (select n_tup_upd from pg_stat_xact_user_tables where relid = 'public.alert_events'::regclass)
  from public.alert_events as e where e.id = new_id;
end;
$$;

-- ------------------------------------------------ decided while inserted (9)
create temp table unrouted on commit drop as select * from pg_temp.emit('pos.sale', '{"total": 12}');
select is((select status from unrouted), 'no_rule', 'an event no rule routes to is no_rule');
select is((select reason from unrouted), 'no active rule matches event type pos.sale', 'with the reason processing always gave');
select ok((select processed and updates_after = updates_before from unrouted), 'processed, and written once: no update of the row');

create temp table unmatched on commit drop as select * from pg_temp.emit('sensor.door', '{"open": false}');
select is((select status from unmatched), 'no_rule', 'an event whose routed rules'' conditions all fail is no_rule');
select is((select reason from unmatched),
  'no rule''s conditions hold: rule "Door open": open eq true does not hold (got boolean false); rule "Freezer warm": temperature gt -15 does not hold (got missing)',
  'its reason names every routed rule''s failed condition, by rule name');
select ok((select processed and updates_after = updates_before and rule_id is null from unmatched), 'also written once, naming no rule');

create temp table matched on commit drop as select * from pg_temp.emit('sensor.freezer', '{"freezer": "f1", "temperature": -10}');
select is((select status from matched), 'alerted', 'an event a rule matches is still processed into an alert');
select ok((select processed and updates_after = updates_before + 1 from matched), 'its outcome is written by the statement trigger (one update)');
insert into public.alert_events (tenant_id, source, event_type, payload, status, reason)
select tenant, 'replay', 'pos.sale', '{}', 'aggregated', 'replayed history' from ids;
select is((select status || ': ' || reason from public.alert_events where source = 'replay'), 'aggregated: replayed history',
  'a row inserted with another status than pending (a replay) is left alone');

-- ------------------------------------------------ time-ordered ids (2)
select is((select substr(id::text, 15, 1) from public.alert_events where source = 'replay'), '7', 'event ids are UUID version 7');
select ok((select abs(('x' || lpad(replace(left(id::text, 13), '-', ''), 16, '0'))::bit(64)::bigint
                      - (extract(epoch from clock_timestamp()) * 1000)::bigint) < 60000
           from public.alert_events where source = 'replay'),
  'led by the Unix milliseconds they were made at (so the primary key grows at its right edge)');

-- ------------------------------------------------ raise_alert on a rule alert (9)
select tests.authenticate_as_service();
select is(public.raise_alert((select tenant from ids), 'freezer_warm', 'critical', 'Freezer f1 checked by hand: 2 C',
            dedup_key => 'freezer:f1', metadata => '{"checked_by": "night shift", "rule_id": "forged", "channels": ["sms"]}'),
          (select id from public.alerts where dedup_key = 'freezer:f1'),
          'raise_alert with a rule alert''s dedup key repeats that alert');
select tests.clear_authentication();
select is((select metadata ->> 'rule_id' from public.alerts where dedup_key = 'freezer:f1'),
          (select id::text from public.alert_rules where name = 'Freezer warm'), 'the rule_id stays the rule''s (the caller''s is ignored)');
select is((select metadata -> 'channels' from public.alerts where dedup_key = 'freezer:f1'), '["email"]'::jsonb,
  'so do the rule''s channels (routing keeps following the rule)');
select is((select metadata ->> 'checked_by' from public.alerts where dedup_key = 'freezer:f1'), 'night shift',
  'the caller''s own facts are merged in');
select is((select (severity, title, occurrence_count)::text from public.alerts where dedup_key = 'freezer:f1'),
  '(critical,"Freezer f1 checked by hand: 2 C",2)', 'severity and text follow the latest raise, and it counts as a repeat');
select is((select metadata -> 'notify' from public.alerts where dedup_key = 'freezer:f1'), 'false'::jsonb,
  'a direct raise is not one of the rule''s notifying occurrences');
select is((select (status, occurrence)::text from pg_temp.emit('sensor.freezer', '{"freezer": "f1", "temperature": -9}')),
  '(aggregated,2)', 'the rule''s next event continues the same aggregation window');
select isnt(public.raise_alert((select tenant from ids), 'manual_check', 'low', 'Count the shelf',
              dedup_key => 'manual:1', metadata => '{"a": 1}'), null, 'an alert no rule raised is raised as before');
select public.raise_alert((select tenant from ids), 'manual_check', 'low', 'Count the shelf',
                          dedup_key => 'manual:1', metadata => '{"b": 2}');
select is((select metadata from public.alerts where dedup_key = 'manual:1'), '{"b": 2}'::jsonb,
  'and its repeat still carries the latest raise''s metadata');

select * from finish();
rollback;
