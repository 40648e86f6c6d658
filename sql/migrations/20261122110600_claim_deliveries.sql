-- Claiming: the dispatcher's side of the outbox. Workers call claim_deliveries() for a batch of
-- due rows (FOR UPDATE SKIP LOCKED, so concurrent workers never get the same row), send each, and
-- report complete_delivery() or fail_delivery(). A claim is a lease: if the worker dies, the row
-- becomes claimable again when the lease expires, with the same idempotency_key, so the provider
-- (or the recipient's side) can drop a duplicate. Only service_role may call these.
--
-- Retries: a retryable failure puts the row back to pending, due after an exponential backoff
-- with jitter: base 10 s doubling per attempt, capped at 1 hour, the wait drawn uniformly from
-- [half, all] of that; a provider's retry_after is honoured when longer (up to 24 hours). After
-- max_attempts attempts the row is dead. A permanent failure is failed at once. A lease that
-- expires on the last attempt (the worker died every time) makes the row dead with reason
-- timeout instead of claiming it again.
--
-- A late worker: completing or failing a row that is not sending under a live lease (its lease
-- expired, or someone else finished it) raises SW004, so a row is never completed twice.

-- security invoker: callable only by service_role, which may write deliveries itself.
create or replace function public.claim_deliveries(worker text, batch_size int default 50, lease_seconds int default 60)
returns setof public.deliveries
language plpgsql
volatile
set search_path = ''
as $$
begin
  if worker is null or pg_catalog.length(worker) not between 1 and 200 then
    raise exception 'Cannot claim deliveries: worker must name the worker in 1 to 200 characters' using errcode = 'SW001';
  end if;
  if batch_size is null or batch_size not between 1 and 1000 then
    raise exception 'Cannot claim deliveries: batch_size must be between 1 and 1000 (got %)', coalesce(batch_size::text, 'null')
      using errcode = 'SW001';
  end if;
  if lease_seconds is null or lease_seconds not between 1 and 3600 then
    raise exception 'Cannot claim deliveries: lease_seconds must be between 1 and 3600 (got %)', coalesce(lease_seconds::text, 'null')
      using errcode = 'SW001';
  end if;

  -- Rows whose worker died on their last attempt: give up on them rather than hand them out again.
  update public.deliveries as d
  set status = 'dead', lease_expires_at = null, error_reason = 'timeout',
      last_error = coalesce(d.last_error || ' / ', '') || 'lease expired on the last attempt (worker ' || coalesce(d.claimed_by, '?') || ')'
  from (
    select x.id from public.deliveries as x
    where x.status = 'sending' and x.lease_expires_at <= private.now() and x.attempts >= x.max_attempts
      and x.channel <> 'digest'
    for update skip locked
  ) as expired
  where d.id = expired.id;

  return query
  with claimable as (
    select d.id
    from public.deliveries as d
    where d.channel <> 'digest'
      and ((d.status = 'pending' and d.due_at <= private.now())
           or (d.status = 'sending' and d.lease_expires_at <= private.now() and d.attempts < d.max_attempts))
    order by d.priority desc, d.due_at, d.id
    limit batch_size
    for update skip locked
  ),
  claimed as (
    update public.deliveries as d
    set status = 'sending',
        attempts = d.attempts + 1,
        claimed_by = worker,
        lease_expires_at = private.now() + pg_catalog.make_interval(secs => lease_seconds)
    from claimable
    where d.id = claimable.id
    returning d.*
  )
  select * from claimed
  order by claimed.priority desc, claimed.due_at, claimed.id;
end;
$$;
comment on function public.claim_deliveries(text, int, int) is 'For the dispatcher (service_role): claims up to batch_size due deliveries (pending and due, or sending with an expired lease), highest priority first then oldest due, FOR UPDATE SKIP LOCKED; marks them sending under a lease of lease_seconds, attempts + 1, claimed_by = worker; returns them.';

-- Locks the delivery a worker reports on and checks it is still theirs to report (sending under a
-- live lease). Invoker: only the two functions below call it.
create or replace function private.lock_claimed_delivery(delivery_id uuid, action text)
returns public.deliveries
language plpgsql
volatile
set search_path = ''
as $$
declare
  target public.deliveries;
begin
  select d.* into target from public.deliveries as d where d.id = delivery_id for update;
  if target.id is null then
    raise exception 'Cannot % delivery %: no such delivery', action, coalesce(delivery_id::text, 'null') using errcode = 'SW002';
  end if;
  if target.status <> 'sending' or target.lease_expires_at <= private.now() then
    raise exception 'Cannot % delivery %: it is not being sent under a live lease (status %, lease %)', action, delivery_id,
      target.status, case when target.status = 'sending' then 'expired' else 'none' end
      using errcode = 'SW004', hint = 'Another worker may have claimed it again; drop this result.';
  end if;
  return target;
end;
$$;
comment on function private.lock_claimed_delivery(uuid, text) is 'Locks a delivery and raises SW002 if missing, SW004 unless it is sending under a live lease.';

create or replace function public.complete_delivery(id uuid, provider text, provider_message_id text)
returns public.deliveries
language plpgsql
volatile
set search_path = ''
as $$
declare
  target public.deliveries;
  done public.deliveries;
begin
  target := private.lock_claimed_delivery(complete_delivery.id, 'complete');
  if complete_delivery.provider is null or pg_catalog.length(complete_delivery.provider) not between 1 and 100 then
    raise exception 'Cannot complete delivery %: provider must name the provider in 1 to 100 characters', target.id using errcode = 'SW001';
  end if;
  if pg_catalog.length(complete_delivery.provider_message_id) > 500 then
    raise exception 'Cannot complete delivery %: provider_message_id must be at most 500 characters', target.id using errcode = 'SW001';
  end if;
  update public.deliveries as d
  set status = 'sent',
      sent_at = private.now(),
      provider = complete_delivery.provider,
      provider_message_id = complete_delivery.provider_message_id,
      lease_expires_at = null,
      error_reason = null
  where d.id = target.id
  returning d.* into done;
  return done;
end;
$$;
comment on function public.complete_delivery(uuid, text, text) is 'For the dispatcher (service_role): records a delivery as sent (provider and its message id). SW004 unless it is sending under a live lease.';

create or replace function public.fail_delivery(id uuid, retryable boolean, reason text, error text, retry_after_seconds int default null)
returns public.deliveries
language plpgsql
volatile
set search_path = ''
as $$
declare
  target public.deliveries;
  done public.deliveries;
  backoff_seconds numeric;
begin
  target := private.lock_claimed_delivery(fail_delivery.id, 'fail');
  if fail_delivery.retryable is null then
    raise exception 'Cannot fail delivery %: retryable must be true or false', target.id using errcode = 'SW001';
  end if;
  if fail_delivery.reason is null
     or fail_delivery.reason not in ('rate_limited', 'provider_error', 'timeout', 'invalid_destination', 'rejected', 'unsubscribed', 'other') then
    raise exception 'Cannot fail delivery %: reason must be rate_limited, provider_error, timeout, invalid_destination, rejected, unsubscribed or other (got %)',
      target.id, coalesce(fail_delivery.reason, 'null') using errcode = 'SW001';
  end if;
  if fail_delivery.retry_after_seconds is not null and fail_delivery.retry_after_seconds not between 0 and 86400 then
    raise exception 'Cannot fail delivery %: retry_after_seconds must be between 0 and 86400 (got %)', target.id, fail_delivery.retry_after_seconds
      using errcode = 'SW001';
  end if;
  -- 10 s, 20 s, 40 s, ... capped at 1 hour; wait a random half to all of it, so workers that
  -- failed together (a provider outage) do not retry together.
  backoff_seconds := least(3600, 10 * pg_catalog.power(2, greatest(target.attempts - 1, 0)));
  backoff_seconds := backoff_seconds * (0.5 + pg_catalog.random() / 2);
  update public.deliveries as d
  set status = case
        when not fail_delivery.retryable then 'failed'
        when d.attempts >= d.max_attempts then 'dead'
        else 'pending'
      end,
      due_at = case
        when fail_delivery.retryable and d.attempts < d.max_attempts
          then private.now() + pg_catalog.make_interval(secs => greatest(backoff_seconds, coalesce(fail_delivery.retry_after_seconds, 0)))
        else d.due_at
      end,
      lease_expires_at = null,
      error_reason = fail_delivery.reason,
      last_error = pg_catalog.left(fail_delivery.error, 2000)
  where d.id = target.id
  returning d.* into done;
  return done;
end;
$$;
comment on function public.fail_delivery(uuid, boolean, text, text, int) is 'For the dispatcher (service_role): records a failed attempt. Retryable: pending again after backoff with jitter (10 s doubling, cap 1 h, at least retry_after_seconds) until max_attempts, then dead; permanent: failed. SW004 unless sending under a live lease.';

revoke all on function public.claim_deliveries(text, int, int), public.complete_delivery(uuid, text, text),
  public.fail_delivery(uuid, boolean, text, text, int), private.lock_claimed_delivery(uuid, text) from public, anon, authenticated;
grant execute on function public.claim_deliveries(text, int, int), public.complete_delivery(uuid, text, text),
  public.fail_delivery(uuid, boolean, text, text, int) to service_role;
grant execute on function private.lock_claimed_delivery(uuid, text) to service_role;
