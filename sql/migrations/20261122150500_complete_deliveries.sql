-- Completing many deliveries in one statement. The dispatcher sends a batch concurrently and
-- records what went out; one complete_delivery() round trip per message cost more than the send
-- to a nearby provider. complete_deliveries() records a set of sent deliveries at once with the
-- same rule as complete_delivery(): only a delivery still being sent under a live lease is
-- completed. Instead of raising SW004 for the others (which would undo the whole set), it returns
-- the ids it completed; the caller treats the rest as lost leases.

-- security invoker: callable only by service_role, which may write deliveries itself.
create or replace function public.complete_deliveries(ids uuid[], providers text[], provider_message_ids text[])
returns table (id uuid)
language plpgsql
volatile
set search_path = ''
as $$
begin
  if ids is null or providers is null or provider_message_ids is null
     or pg_catalog.cardinality(ids) <> pg_catalog.cardinality(providers)
     or pg_catalog.cardinality(ids) <> pg_catalog.cardinality(provider_message_ids) then
    raise exception 'Cannot complete deliveries: ids, providers and provider_message_ids must be arrays of the same length'
      using errcode = 'SW001';
  end if;
  if pg_catalog.cardinality(ids) > 1000 then
    raise exception 'Cannot complete deliveries: at most 1000 at once (got %)', pg_catalog.cardinality(ids) using errcode = 'SW001';
  end if;
  if exists (select 1 from pg_catalog.unnest(providers) as p where p is null or pg_catalog.length(p) not between 1 and 100)
     or exists (select 1 from pg_catalog.unnest(provider_message_ids) as m where pg_catalog.length(m) > 500) then
    raise exception 'Cannot complete deliveries: each provider must name the provider in 1 to 100 characters and each provider_message_id be at most 500'
      using errcode = 'SW001';
  end if;
  return query
  with input as (
    select u.id, u.provider, u.provider_message_id
    -- Multi-argument unnest is FROM-clause syntax and cannot be schema-qualified.
    from unnest(ids, providers, provider_message_ids) as u (id, provider, provider_message_id)
  ),
  live as (
    -- Locked in id order (no deadlock with another worker completing overlapping ids); the lease
    -- is checked again on the locked row.
    select d.id
    from public.deliveries as d
    where d.id in (select input.id from input)
      and d.status = 'sending' and d.lease_expires_at > private.now()
    order by d.id
    for update
  )
  update public.deliveries as d
  set status = 'sent',
      sent_at = private.now(),
      provider = i.provider,
      provider_message_id = i.provider_message_id,
      lease_expires_at = null,
      error_reason = null
  from input as i
  where d.id = i.id and d.id in (select live.id from live)
  returning d.id;
end;
$$;
comment on function public.complete_deliveries(uuid[], text[], text[]) is 'For the dispatcher (service_role): records a set of deliveries as sent (provider and message id per delivery), each only if it is still being sent under a live lease; returns the ids it completed (the others lost their lease).';

revoke all on function public.complete_deliveries(uuid[], text[], text[]) from public, anon, authenticated;
grant execute on function public.complete_deliveries(uuid[], text[], text[]) to service_role;
