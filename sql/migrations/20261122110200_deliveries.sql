-- Deliveries: the outbox. One row per (alert, recipient, channel, reason) that should reach a
-- person (user_id) or a tenant-level destination (destination: a Slack/Discord/webhook URL).
-- Routing (20261122110500) writes rows in the same transaction as the alert change, so nothing
-- is lost; the dispatcher claims due rows with claim_deliveries() (FOR UPDATE SKIP LOCKED and a
-- lease, 20261122110600) and reports each outcome with complete_delivery() / fail_delivery().
--
-- Life of a row: pending (due_at = when it may be sent: now, or the end of the member's quiet
-- hours) -> sending (claimed; lease_expires_at) -> sent | pending again (retryable failure, with
-- backoff) | dead (out of attempts) | failed (permanent failure). cancelled = never to be sent
-- (over a rate limit, or the alert was resolved first). deferred is reserved for a paused
-- destination; routing expresses quiet hours with pending + due_at instead.
--
-- idempotency_key = <alert_id>/<occasion>/<escalation_level>/<user_id | dest:md5(destination)>/<channel>
-- where occasion is the reason, qualified where one alert can have the same reason more than once:
--   created, resolved, escalated (the level tells escalations apart),
--   severity_raised:<new severity>  (raising to a severity already announced is not announced again),
--   snooze_expired:<epoch of the snooze's end>.
-- It is unique: routing inserts with on conflict do nothing, so re-running is harmless; a
-- re-claimed delivery keeps its key, and providers that take an idempotency key get this one.
-- Digest rows (reason digest, alert_id null) use digest/<tenant>/<user>/<period>/<channel>/<id>.
create table public.deliveries (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  alert_id uuid references public.alerts (id) on delete cascade,
  -- The recipient member; null for a tenant-level destination.
  user_id uuid,
  -- For tenant-level channels (slack, discord, webhook): where to post. A secret (the URL carries
  -- the webhook's token): members cannot read this column.
  destination text constraint deliveries_destination_length check (length(destination) <= 2000),
  channel text not null constraint deliveries_channel_valid check (channel in ('email', 'sms', 'whatsapp', 'push', 'slack', 'discord', 'webhook', 'digest')),
  reason text not null constraint deliveries_reason_valid check (reason in ('created', 'severity_raised', 'escalated', 'snooze_expired', 'resolved', 'digest', 'repeated')),
  escalation_level int not null default 0 constraint deliveries_escalation_level_nonnegative check (escalation_level >= 0),
  priority int not null default 50 constraint deliveries_priority_range check (priority between 0 and 100),
  status text not null default 'pending' constraint deliveries_status_valid check (status in ('pending', 'sending', 'sent', 'failed', 'dead', 'cancelled', 'deferred')),
  due_at timestamptz not null default private.now(),
  attempts int not null default 0 constraint deliveries_attempts_nonnegative check (attempts >= 0),
  max_attempts int not null default 8 constraint deliveries_max_attempts_positive check (max_attempts between 1 and 100),
  lease_expires_at timestamptz,
  claimed_by text constraint deliveries_claimed_by_length check (length(claimed_by) <= 200),
  idempotency_key text not null constraint deliveries_idempotency_key_unique unique,
  provider text constraint deliveries_provider_length check (length(provider) <= 100),
  provider_message_id text constraint deliveries_provider_message_id_length check (length(provider_message_id) <= 500),
  last_error text constraint deliveries_last_error_length check (length(last_error) <= 2000),
  error_reason text constraint deliveries_error_reason_valid check (error_reason in ('rate_limited', 'provider_error', 'timeout', 'invalid_destination', 'rejected', 'unsubscribed', 'other')),
  -- For a digest item (channel digest): the digest delivery it was folded into.
  digest_id uuid references public.deliveries (id) on delete set null,
  sent_at timestamptz,
  created_at timestamptz not null default private.now(),
  updated_at timestamptz not null default now(),
  constraint deliveries_has_recipient check (num_nonnulls(user_id, destination) = 1),
  constraint deliveries_destination_channels check ((destination is null) = (channel not in ('slack', 'discord', 'webhook'))),
  constraint deliveries_alert_unless_digest check (alert_id is not null or reason = 'digest'),
  constraint deliveries_sending_has_lease check (status <> 'sending' or lease_expires_at is not null),
  constraint deliveries_sent_has_time check (status <> 'sent' or sent_at is not null)
);
comment on table public.deliveries is 'The notification outbox: one row per (alert, recipient member or tenant destination, channel, reason), claimed by the dispatcher with claim_deliveries() (SKIP LOCKED + lease), retried with backoff, never sent twice for one idempotency_key. Written only by the system.';
comment on column public.deliveries.due_at is 'Earliest time the delivery may be sent: its creation, the end of the recipient''s quiet hours, or the next retry.';
comment on column public.deliveries.idempotency_key is '<alert_id>/<occasion>/<escalation_level>/<user_id or dest:md5(destination)>/<channel>; unique, kept across retries and re-claims. Occasions: created, resolved, escalated, severity_raised:<severity>, snooze_expired:<epoch>, repeated:<occurrence>.';
comment on column public.deliveries.lease_expires_at is 'While sending: when the claim lapses and another worker may claim the row again.';
comment on column public.deliveries.priority is 'The alert''s priority (0-100) when routed; higher is claimed first.';
comment on column public.deliveries.digest_id is 'For a digest item: the digest delivery (reason digest) it was folded into.';

-- The dispatcher's queue: only unfinished rows, in claim order.
create index deliveries_claimable_idx on public.deliveries (priority desc, due_at, id)
  where status in ('pending', 'sending') and channel <> 'digest';
create index deliveries_alert_idx on public.deliveries (alert_id);
-- Rate limits count a member's recent deliveries per channel.
create index deliveries_member_recent_idx on public.deliveries (tenant_id, user_id, channel, created_at) where user_id is not null;
create index deliveries_tenant_recent_idx on public.deliveries (tenant_id, created_at desc);
create index deliveries_digest_pending_idx on public.deliveries (tenant_id, user_id, created_at)
  where channel = 'digest' and status = 'pending';
create index deliveries_digest_id_idx on public.deliveries (digest_id) where digest_id is not null;

create trigger _900_set_updated_at before update on public.deliveries
  for each row execute function private.tg_set_updated_at();

alter table public.deliveries enable row level security;
revoke all on public.deliveries from anon, authenticated;
-- Members read (not write) the outbox; every column but destination, which is a secret.
grant select (id, tenant_id, alert_id, user_id, channel, reason, escalation_level, priority, status, due_at, attempts,
  max_attempts, lease_expires_at, claimed_by, idempotency_key, provider, provider_message_id, last_error, error_reason,
  digest_id, sent_at, created_at, updated_at) on public.deliveries to authenticated;
grant all on public.deliveries to service_role;

create policy deliveries_select on public.deliveries for select to authenticated
  using (private.has_role(tenant_id, 'manager')
         or (user_id = (select auth.uid()) and private.has_role(tenant_id, 'viewer')));
comment on policy deliveries_select on public.deliveries is 'Managers and owners see every delivery of their tenant (who was told what, when); staff and viewers only those addressed to them. Nobody but the system writes.';
