-- Digests: routing puts low-severity alerts (and anything a member's channels send to
-- "digest", or that was over a rate limit) in the outbox as digest items: channel digest, one per
-- (alert, member, occasion), never claimed by the dispatcher. private.build_digests() folds each
-- member's items of a closed period into one deliverable digest delivery.
--
-- Shape:
-- - Period: the member's preferences.digest (else the tenant's; default hourly): the local hour,
--   or the local calendar day, in the member's time zone (else the tenant's), of the item's
--   created_at. A period is folded once it has ended.
-- - The digest delivery: reason digest, alert_id null, user_id the member, channel email when the
--   member has an email and consent, else push (consent and a working subscription), priority the
--   highest of its items, due at once or at the end of the member's quiet hours,
--   idempotency_key digest/<tenant>/<user>/<local period start>/<channel>/<its id>.
-- - Its items become sent (provider digest, provider_message_id and digest_id = the digest's id):
--   the dispatcher renders a digest from `select ... from deliveries where digest_id = $1` joined
--   to alerts (an item's alert may have moved on, e.g. resolved: the digest shows it as it is now).
-- - Items of a member who has left, is inactive or turned digests off are cancelled
--   (unsubscribed); items of a member with no email or push address left are cancelled
--   (invalid_destination).
-- An item that arrives after its period was folded (a transaction committing late) makes a
-- second, small digest for that period rather than being lost.
create or replace function private.build_digests()
returns int
language sql
volatile
set search_path = ''
as $$
  with items as materialized (
    select d.id, d.tenant_id, d.user_id, d.priority, d.created_at,
           m.user_id is not null and m.active as is_member,
           coalesce(m.email is not null and m.email_consent, false) as can_email,
           coalesce(m.push_consent and exists (
             select 1 from public.push_subscriptions as p
             where p.tenant_id = m.tenant_id and p.user_id = m.user_id and p.failed_at is null), false) as can_push,
           private.member_notification_preferences(private.notification_settings(t.settings), m.preferences) as prefs,
           coalesce(m.timezone, t.timezone) as zone
    from public.deliveries as d
    join public.tenants as t on t.id = d.tenant_id
    left join public.tenant_members as m on m.tenant_id = d.tenant_id and m.user_id = d.user_id
    where d.channel = 'digest' and d.status = 'pending' and d.reason <> 'digest'
    for update of d skip locked
  ),
  classified as materialized (
    select i.*, period.starts, period.ends,
           case
             when not i.is_member or i.prefs ->> 'digest' = 'off' then 'unsubscribed'
             when i.can_email then 'email'
             when i.can_push then 'push'
             else 'invalid_destination'
           end as outcome
    from items as i
    cross join lateral (
      select pg_catalog.date_trunc(case i.prefs ->> 'digest' when 'daily' then 'day' else 'hour' end,
                                   i.created_at at time zone i.zone) as starts
    ) as local_period
    cross join lateral (
      select local_period.starts,
             (local_period.starts + case i.prefs ->> 'digest' when 'daily' then interval '1 day' else interval '1 hour' end)
               at time zone i.zone as ends
    ) as period
  ),
  groups as materialized (
    -- Every item of one member carries the same preferences and zone.
    select c.tenant_id, c.user_id, c.starts, c.outcome as channel, c.prefs -> 'quiet_hours' as quiet_hours, c.zone,
           pg_catalog.max(c.priority) as priority, pg_catalog.gen_random_uuid() as digest_id
    from classified as c
    where c.outcome in ('email', 'push') and c.ends <= private.now()
    group by c.tenant_id, c.user_id, c.starts, c.outcome, c.prefs -> 'quiet_hours', c.zone
  ),
  digests as (
    insert into public.deliveries (id, tenant_id, alert_id, user_id, channel, reason, priority, due_at, idempotency_key)
    select g.digest_id, g.tenant_id, null, g.user_id, g.channel, 'digest', g.priority,
           coalesce(private.quiet_hours_end(private.now(), g.quiet_hours, g.zone), private.now()),
           'digest/' || g.tenant_id::text || '/' || g.user_id::text || '/' || pg_catalog.to_char(g.starts, 'YYYY-MM-DD"T"HH24:MI')
             || '/' || g.channel || '/' || g.digest_id::text
    from groups as g
    returning 1
  ),
  folded as (
    update public.deliveries as d
    set status = 'sent', sent_at = private.now(), provider = 'digest', provider_message_id = g.digest_id::text,
        digest_id = g.digest_id
    from classified as c
    join groups as g on g.tenant_id = c.tenant_id and g.user_id = c.user_id and g.starts = c.starts and g.channel = c.outcome
    where d.id = c.id
    returning 1
  ),
  dropped as (
    update public.deliveries as d
    set status = 'cancelled', error_reason = c.outcome,
        last_error = case c.outcome
          when 'unsubscribed' then 'Not sent: the member left, is inactive or turned digests off'
          else 'Not sent: the member has no email or push address for a digest' end
    from classified as c
    where d.id = c.id and c.outcome in ('unsubscribed', 'invalid_destination')
    returning 1
  )
  select pg_catalog.count(*)::int from digests
$$;
comment on function private.build_digests() is 'Folds each member''s pending digest items of every ended period (their hourly or daily digest, local time) into one digest delivery (email, else push); cancels items nobody can receive. Returns how many digests it built. Run by pg_cron every minute.';

revoke all on function private.build_digests() from public;
grant execute on function private.build_digests() to service_role;

-- Every minute (pg_cron's finest on Debian): digests go out within a minute of their period's end.
select private.schedule_job('shelfwatch_build_digests', 60, 'select private.build_digests()');
