-- Deferring a claimed delivery without spending an attempt: when the dispatcher would have to
-- wait longer than its lease for a destination's send rate (one Slack webhook, one Twilio
-- number), it hands the delivery back, due when the destination has room, instead of dropping
-- it or counting a failure. attempts goes back down by the one the claim added.

-- security invoker: callable only by service_role, which may write deliveries itself.
create or replace function public.defer_delivery(id uuid, retry_after_seconds int, note text default null)
returns public.deliveries
language plpgsql
volatile
set search_path = ''
as $$
declare
  target public.deliveries;
  done public.deliveries;
begin
  target := private.lock_claimed_delivery(defer_delivery.id, 'defer');
  if defer_delivery.retry_after_seconds is null or defer_delivery.retry_after_seconds not between 0 and 86400 then
    raise exception 'Cannot defer delivery %: retry_after_seconds must be between 0 and 86400 (got %)', target.id,
      coalesce(defer_delivery.retry_after_seconds::text, 'null') using errcode = 'SW001';
  end if;
  update public.deliveries as d
  set status = 'pending',
      attempts = greatest(d.attempts - 1, 0),
      due_at = private.now() + pg_catalog.make_interval(secs => defer_delivery.retry_after_seconds),
      lease_expires_at = null,
      last_error = coalesce(pg_catalog.left(defer_delivery.note, 2000), d.last_error)
  where d.id = target.id
  returning d.* into done;
  return done;
end;
$$;
comment on function public.defer_delivery(uuid, int, text) is 'For the dispatcher (service_role): hands a claimed delivery back as pending, due in retry_after_seconds, without spending an attempt (a destination''s send rate, not a failure). SW004 unless sending under a live lease.';

revoke all on function public.defer_delivery(uuid, int, text) from public, anon, authenticated;
grant execute on function public.defer_delivery(uuid, int, text) to service_role;
