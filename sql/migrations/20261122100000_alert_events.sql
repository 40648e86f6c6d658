-- Alert events: the generic inbox other systems insert into with plain SQL
--   insert into alert_events (tenant_id, source, event_type, payload, dedup_key) values (...);
-- Rules (20261122100200) turn events into alerts; the processing trigger (20261122100600) runs
-- once per insert statement and writes each event's outcome back onto it (status, reason,
-- alert_id, rule_id, processed_at). An event is never dropped: one that cannot become an alert
-- is kept with a status and a reason saying why.
--
-- Choices where the contract leaves room:
-- - occurred_at and received_at default to private.now() (the transaction's now() outside tests).
-- - A payload is at most 64 KB of JSON text: rules copy it into the alert's metadata.
-- - event_type is a dotted routing key: segments of letters, digits, _ and -, starting with a
--   letter (inventory.low_stock, Quality.Batch-Failed); at most 100 characters.
-- - Only rows inserted as 'pending' (the default) are processed; a privileged loader that inserts
--   events with another status (a replay of already processed history) is left alone.
-- - alert_id and rule_id record what processing decided and are deliberately not foreign keys:
--   the event keeps naming the rule even after the rule is deleted, and ingest pays for no
--   per-row referential checks when 10,000 events are processed in one statement.
-- - No index covers a processing column, so writing an event's outcome can be a HOT update, and
--   fillfactor 40 leaves room for it: processing rewrites every row of a freshly filled page
--   (a pending row of ~170 bytes becomes ~300 with its reason), and a new version that does not
--   fit on its page is not HOT and costs an entry in each of the table's four indexes. At 70 only
--   a third of the updates were HOT; at 40 nearly all are, and once the old versions are pruned
--   a page holds its processed rows about 70 % full.
create table public.alert_events (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  source text not null constraint alert_events_source_length check (length(source) between 1 and 100),
  event_type text not null constraint alert_events_event_type_format
    check (length(event_type) <= 100 and event_type ~ '^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$'),
  payload jsonb not null default '{}'::jsonb constraint alert_events_payload_object check (jsonb_typeof(payload) = 'object')
    constraint alert_events_payload_size check (octet_length(payload::text) <= 65536),
  dedup_key text constraint alert_events_dedup_key_length check (length(dedup_key) between 1 and 300),
  idempotency_key text constraint alert_events_idempotency_key_length check (length(idempotency_key) between 1 and 200),
  occurred_at timestamptz not null default private.now(),
  received_at timestamptz not null default private.now(),
  status text not null default 'pending' constraint alert_events_status_valid
    check (status in ('pending', 'alerted', 'aggregated', 'no_rule', 'suppressed', 'throttled', 'rejected')),
  reason text constraint alert_events_reason_length check (length(reason) <= 2000),
  alert_id uuid,
  rule_id uuid,
  occurrence int constraint alert_events_occurrence_positive check (occurrence >= 1),
  notify boolean,
  processed_at timestamptz
) with (fillfactor = 40);
comment on table public.alert_events is
  'Inbox of events from other systems (tenant, source, event_type routing key, JSON payload). Rules turn them into alerts when they are inserted; each event keeps its outcome (status, reason, alert_id, rule_id, processed_at) and is never dropped.';
comment on column public.alert_events.event_type is 'Routing key rules match on, e.g. inventory.low_stock (segments of letters, digits, _ and -).';
comment on column public.alert_events.payload is 'The event''s facts as a JSON object; rule conditions and templates read it by dotted path (payload.store_id and payload.product_id also scope suppressions).';
comment on column public.alert_events.dedup_key is 'The sender''s identity of the problem; by default a rule''s alert dedup key is <alert_type>:<this key, or the event id>.';
comment on column public.alert_events.idempotency_key is 'Optional sender key, unique per tenant, so a retried delivery (HTTP ingest) is stored once.';
comment on column public.alert_events.status is
  'pending (not processed yet), alerted (opened an alert), aggregated (repeated an open alert), no_rule, suppressed (a maintenance window), throttled (throttle_minutes or max_alerts_per_hour), rejected (a matching rule could not render an alert from this payload).';
comment on column public.alert_events.reason is 'Why the event ended with its status, naming the rule, suppression or limit involved.';
comment on column public.alert_events.alert_id is 'The alert this event opened or repeated (or, when throttled after a resolve, the resolved alert); not a foreign key.';
comment on column public.alert_events.rule_id is 'The rule that decided the event''s status (the first of several matching rules by outcome); not a foreign key, so it survives the rule''s deletion.';
comment on column public.alert_events.occurrence is 'Which occurrence of its alert''s current aggregation window this event was (1 = the window''s first).';
comment on column public.alert_events.notify is 'Whether this occurrence should notify: the first of a window and every notify_every-th (read by the notification outbox).';

create unique index alert_events_idempotency_key on public.alert_events (tenant_id, idempotency_key);
create index alert_events_tenant_recent on public.alert_events (tenant_id, occurred_at desc);

alter table public.alert_events enable row level security;
revoke all on public.alert_events from anon, authenticated;
-- Members write only the event itself; the processing columns are the engine's.
grant select on public.alert_events to authenticated;
grant insert (tenant_id, source, event_type, payload, dedup_key, idempotency_key, occurred_at) on public.alert_events to authenticated;
grant all on public.alert_events to service_role;

create policy alert_events_select on public.alert_events for select to authenticated
  using (private.has_role(tenant_id, 'viewer'));
comment on policy alert_events_select on public.alert_events is 'Members (any role) read their tenant''s events and what became of them.';
create policy alert_events_insert on public.alert_events for insert to authenticated
  with check (private.has_role(tenant_id, 'staff'));
comment on policy alert_events_insert on public.alert_events is 'Staff and above may report events for their own tenant (e.g. from a handheld); viewers only watch. Feeds insert as service_role.';
