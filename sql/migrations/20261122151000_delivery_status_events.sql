-- Provider status callbacks: what Twilio, SendGrid and Resend later say about a message the
-- dispatcher handed them (delivered, read, bounced, undelivered, ...). The notify function verifies
-- each callback's signature and calls public.record_delivery_status() once per event, as the
-- service role. Every event is kept in delivery_status_events (the delivery's provider timeline
-- for the dashboard); the delivery itself keeps the most advanced provider status, and a
-- permanent failure reported after the hand-off (a bounce, an undelivered SMS) turns a sent
-- delivery into failed with its reason.
--
-- Replays: an event the provider names (SendGrid sg_event_id, Resend svix-id, Twilio sid+status)
-- is recorded once; a repeat changes nothing. Order: provider_status never moves back (a late
-- "sent" after "delivered" is kept in the timeline only), and failed is final.

alter table public.deliveries
  add column provider_status text
    constraint deliveries_provider_status_valid check (provider_status in ('accepted', 'sent', 'delayed', 'delivered', 'opened', 'read', 'clicked', 'complained', 'failed')),
  add column provider_status_at timestamptz;
comment on column public.deliveries.provider_status is 'The most advanced status the provider reported by callback (accepted < sent/delayed < delivered < opened/read < clicked < complained; failed is final); null = no callback yet.';
comment on column public.deliveries.provider_status_at is 'When the provider reported provider_status.';
grant select (provider_status, provider_status_at) on public.deliveries to authenticated;

-- Callbacks look deliveries up by the provider's message id.
create index deliveries_provider_message_idx on public.deliveries (provider, provider_message_id)
  where provider_message_id is not null;

create table public.delivery_status_events (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  delivery_id uuid not null references public.deliveries (id) on delete cascade,
  -- Copied from the delivery so the select policy needs no join.
  user_id uuid,
  provider text not null constraint delivery_status_events_provider_length check (length(provider) between 1 and 100),
  -- The provider's id of this event, when it has one; an event is recorded once.
  provider_event_id text constraint delivery_status_events_provider_event_id_length check (length(provider_event_id) <= 500),
  status text not null constraint delivery_status_events_status_valid check (status in ('accepted', 'sent', 'delayed', 'delivered', 'opened', 'read', 'clicked', 'complained', 'failed')),
  reason text constraint delivery_status_events_reason_valid check (reason in ('rate_limited', 'provider_error', 'timeout', 'invalid_destination', 'rejected', 'unsubscribed', 'other')),
  detail text constraint delivery_status_events_detail_length check (length(detail) <= 2000),
  occurred_at timestamptz not null,
  received_at timestamptz not null default private.now(),
  constraint delivery_status_events_once unique (provider, provider_event_id)
);
comment on table public.delivery_status_events is 'Each status a provider reported for a delivery by callback (signature-checked), in arrival order: the delivery''s timeline after the hand-off. Written only by public.record_delivery_status().';
comment on column public.delivery_status_events.detail is 'The provider''s own words: its raw status, error code and message (never a secret).';
create index delivery_status_events_delivery_idx on public.delivery_status_events (delivery_id, occurred_at);
create index delivery_status_events_tenant_recent_idx on public.delivery_status_events (tenant_id, received_at desc);

alter table public.delivery_status_events enable row level security;
revoke all on public.delivery_status_events from anon, authenticated;
grant select on public.delivery_status_events to authenticated;
grant all on public.delivery_status_events to service_role;
create policy delivery_status_events_select on public.delivery_status_events for select to authenticated
  using (private.has_role(tenant_id, 'manager')
         or (user_id = (select auth.uid()) and private.has_role(tenant_id, 'viewer')));
comment on policy delivery_status_events_select on public.delivery_status_events is 'As for deliveries: managers and owners see every delivery''s timeline, others only their own. Nobody but the system writes.';

create or replace function private.provider_status_rank(status text)
returns int
language sql
immutable
set search_path = ''
as $$
  select case status
    when 'accepted' then 1 when 'sent' then 2 when 'delayed' then 2 when 'delivered' then 3
    when 'opened' then 4 when 'read' then 4 when 'clicked' then 5 when 'complained' then 6
    when 'failed' then 9 else 0 end
$$;
comment on function private.provider_status_rank(text) is 'Orders provider statuses so a late callback never moves a delivery back: accepted < sent = delayed < delivered < opened = read < clicked < complained < failed.';

create or replace function public.record_delivery_status(
  provider text,
  provider_message_id text,
  status text,
  reason text default null,
  detail text default null,
  event_id text default null,
  occurred_at timestamptz default null
)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
  target public.deliveries;
  event_key text;
begin
  if record_delivery_status.status is null or private.provider_status_rank(record_delivery_status.status) = 0 then
    raise exception 'Cannot record a delivery status: status must be accepted, sent, delayed, delivered, opened, read, clicked, complained or failed (got %)',
      coalesce(record_delivery_status.status, 'null') using errcode = 'SW001';
  end if;
  if record_delivery_status.reason is not null
     and record_delivery_status.reason not in ('rate_limited', 'provider_error', 'timeout', 'invalid_destination', 'rejected', 'unsubscribed', 'other') then
    raise exception 'Cannot record a delivery status: reason must be rate_limited, provider_error, timeout, invalid_destination, rejected, unsubscribed or other (got %)',
      record_delivery_status.reason using errcode = 'SW001';
  end if;
  if coalesce(pg_catalog.length(record_delivery_status.provider), 0) not between 1 and 100
     or coalesce(pg_catalog.length(record_delivery_status.provider_message_id), 0) not between 1 and 500 then
    raise exception 'Cannot record a delivery status: provider and provider_message_id are required (1 to 100 and 1 to 500 characters)'
      using errcode = 'SW001';
  end if;

  select d.* into target
  from public.deliveries as d
  where d.provider = record_delivery_status.provider
    and d.provider_message_id = record_delivery_status.provider_message_id
  order by d.created_at desc
  limit 1
  for update;
  if not found then
    return 'unknown_message';
  end if;

  event_key := coalesce(record_delivery_status.event_id, pg_catalog.md5(pg_catalog.concat_ws('/',
    record_delivery_status.provider_message_id, record_delivery_status.status, record_delivery_status.occurred_at)));
  insert into public.delivery_status_events
    (tenant_id, delivery_id, user_id, provider, provider_event_id, status, reason, detail, occurred_at)
  values
    (target.tenant_id, target.id, target.user_id, record_delivery_status.provider, event_key, record_delivery_status.status,
     case when record_delivery_status.status = 'failed' then coalesce(record_delivery_status.reason, 'provider_error') end,
     pg_catalog.left(record_delivery_status.detail, 2000), coalesce(record_delivery_status.occurred_at, private.now()))
  on conflict on constraint delivery_status_events_once do nothing;
  if not found then
    return 'duplicate';
  end if;

  update public.deliveries as d
  set provider_status = record_delivery_status.status,
      provider_status_at = coalesce(record_delivery_status.occurred_at, private.now()),
      status = case when record_delivery_status.status = 'failed' and d.status = 'sent' then 'failed' else d.status end,
      error_reason = case when record_delivery_status.status = 'failed' and d.status = 'sent'
                          then coalesce(record_delivery_status.reason, 'provider_error') else d.error_reason end,
      last_error = case when record_delivery_status.status = 'failed' and d.status = 'sent'
                        then pg_catalog.left(record_delivery_status.detail, 2000) else d.last_error end
  where d.id = target.id
    and private.provider_status_rank(record_delivery_status.status) > private.provider_status_rank(d.provider_status);
  return 'recorded';
end;
$$;
comment on function public.record_delivery_status(text, text, text, text, text, text, timestamptz) is 'For the notify function (service_role), after checking a provider callback''s signature: records one provider status event for the delivery with this provider message id. Returns recorded, duplicate (this event was seen before; nothing changes) or unknown_message. A failure (reason defaults to provider_error) turns a sent delivery into failed; provider_status only moves forward. SW001 on a bad status or reason.';

revoke all on function public.record_delivery_status(text, text, text, text, text, text, timestamptz),
  private.provider_status_rank(text) from public, anon, authenticated;
grant execute on function public.record_delivery_status(text, text, text, text, text, text, timestamptz),
  private.provider_status_rank(text) to service_role;
