-- Early provider statuses: a provider may call back (Twilio's "sent" or "failed" within
-- milliseconds) before the dispatcher has recorded the message id with complete_delivery(), and
-- some providers never retry a callback. So a status for a message id no delivery carries yet is
-- parked in early_delivery_statuses, and when a delivery gets that provider message id, the
-- trigger below replays the parked statuses through public.record_delivery_status() (same rules:
-- recorded once, forward only, a failure fails the sent delivery) and drops them; a job catches
-- the ones that raced the trigger. Statuses for messages that never become ours (a provider
-- account shared with another system) are dropped after a day.
create table public.early_delivery_statuses (
  id bigint generated always as identity primary key,
  provider text not null constraint early_delivery_statuses_provider_length check (length(provider) between 1 and 100),
  provider_message_id text not null constraint early_delivery_statuses_message_id_length check (length(provider_message_id) between 1 and 500),
  status text not null,
  reason text,
  detail text constraint early_delivery_statuses_detail_length check (length(detail) <= 2000),
  event_id text constraint early_delivery_statuses_event_id_length check (length(event_id) <= 500),
  occurred_at timestamptz,
  received_at timestamptz not null default private.now()
);
comment on table public.early_delivery_statuses is 'Provider statuses that arrived before their delivery recorded the provider message id; replayed into record_delivery_status() when it does, purged after a day otherwise. System only.';
create index early_delivery_statuses_message_idx on public.early_delivery_statuses (provider, provider_message_id);
create index early_delivery_statuses_received_idx on public.early_delivery_statuses (received_at);

alter table public.early_delivery_statuses enable row level security;
revoke all on public.early_delivery_statuses from anon, authenticated;
grant all on public.early_delivery_statuses to service_role;
-- No policy for authenticated: parked statuses are not yet anyone's delivery.

-- Same as 20261122151000, except that an unknown message id parks the status.
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
    insert into public.early_delivery_statuses (provider, provider_message_id, status, reason, detail, event_id, occurred_at)
    values (record_delivery_status.provider, record_delivery_status.provider_message_id, record_delivery_status.status,
            record_delivery_status.reason, pg_catalog.left(record_delivery_status.detail, 2000),
            pg_catalog.left(record_delivery_status.event_id, 500), record_delivery_status.occurred_at);
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
comment on function public.record_delivery_status(text, text, text, text, text, text, timestamptz) is 'For the notify function (service_role), after checking a provider callback''s signature: records one provider status event for the delivery with this provider message id. Returns recorded, duplicate (this event was seen before; nothing changes) or unknown_message (parked in early_delivery_statuses until a delivery records that message id). A failure (reason defaults to provider_error) turns a sent delivery into failed; provider_status only moves forward. SW001 on a bad status or reason.';

create or replace function private.tg_deliveries__apply_early_statuses()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  early public.early_delivery_statuses;
begin
  for early in
    delete from public.early_delivery_statuses as e
    where e.provider = new.provider and e.provider_message_id = new.provider_message_id
    returning e.*
  loop
    perform public.record_delivery_status(early.provider, early.provider_message_id, early.status, early.reason,
      early.detail, early.event_id, early.occurred_at);
  end loop;
  return null;
end;
$$;
comment on function private.tg_deliveries__apply_early_statuses() is 'When a delivery records its provider message id, replays the provider statuses that arrived before it (early_delivery_statuses) and drops them.';
create trigger _500_apply_early_statuses after update of provider_message_id on public.deliveries
  for each row
  when (new.provider_message_id is not null and new.provider_message_id is distinct from old.provider_message_id)
  execute function private.tg_deliveries__apply_early_statuses();

-- The trigger fires when the message id is written, before that transaction commits: a status
-- parked by a callback racing that commit is not seen by it. So a job settles the table every
-- minute too: it replays what now matches a delivery and drops what is over a day old.
create or replace function private.settle_early_delivery_statuses()
returns int
language plpgsql
volatile
set search_path = ''
as $$
declare
  early public.early_delivery_statuses;
  applied int := 0;
begin
  for early in
    delete from public.early_delivery_statuses as e
    where exists (select 1 from public.deliveries as d
                  where d.provider = e.provider and d.provider_message_id = e.provider_message_id)
    returning e.*
  loop
    perform public.record_delivery_status(early.provider, early.provider_message_id, early.status, early.reason,
      early.detail, early.event_id, early.occurred_at);
    applied := applied + 1;
  end loop;
  delete from public.early_delivery_statuses as e where e.received_at < private.now() - interval '1 day';
  return applied;
end;
$$;
comment on function private.settle_early_delivery_statuses() is 'Replays parked provider statuses whose message id a delivery now carries (a callback that raced complete_delivery) and drops those older than a day (never ours); returns how many were replayed. Scheduled every minute.';

revoke all on function private.tg_deliveries__apply_early_statuses(), private.settle_early_delivery_statuses() from public;
grant execute on function private.settle_early_delivery_statuses() to service_role;

select private.schedule_job('shelfwatch_settle_early_delivery_statuses', 60, 'select private.settle_early_delivery_statuses()');
