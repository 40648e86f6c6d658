-- Routing: turns alert changes into outbox rows (public.deliveries), set-based, in the same
-- transaction as the change, by statement-level AFTER INSERT / AFTER UPDATE triggers on alerts.
--
-- What is announced (the "occasion", see the idempotency key in 20261122110200):
--   created          a new active alert
--   severity_raised  an open alert's severity went up (not down; a plain repeat is not news)
--   snooze_expired   a snoozed alert became active because its snooze ran out (not a member's unsnooze)
--   escalated        an open alert's escalation_level went up (private.escalate_alerts)
--   resolved         the alert was resolved: only to those a notice was sent (or is being sent) to
--   repeated         a rule's aggregated repeat on an occurrence the rule marks as notifying (below)
-- and never an acknowledgement. When an alert is resolved, its notices still waiting (pending, e.g.
-- held by quiet hours) are cancelled first: they are stale.
--
-- Who, on what (members): active members whose store scope covers the alert's store (store_ids
-- null, or containing it; an alert without a store reaches everyone), and
--   created / severity_raised / snooze_expired: the roles in settings.notifications.roles (default
--     owner, manager, staff; viewers have the dashboard), on the member's channels for the
--     severity (their preferences.channels, else the tenant's);
--   escalated: the roles and channels of the alert's snapshotted escalation policy;
--   resolved: the same member and channel pairs as before.
-- A channel is used only with consent and a usable address: email needs an email; sms / whatsapp
-- a number verified since it was set; push a push subscription that has not failed; digest
-- (folded into the periodic digest, 20261122110800) an email or push address and a digest
-- period other than off.
--
-- When: critical alerts go out at once. Anything else falling inside the member's quiet hours
-- (their time zone, else the store's, else the tenant's) is due at the end of the window.
--
-- How often: preferences.rate_limits (else the tenant's) cap a member's deliveries per channel
-- per hour / per day, counting what was not cancelled in the last hour / day plus this statement's
-- rows by priority. Excess rows are kept as cancelled (error_reason rate_limited) and the alert is
-- folded into the member's digest instead (unless digests are off). Critical alerts are not
-- limited. The limit is soft under concurrency: two transactions routing for the same member at
-- the same moment each count only committed rows.
--
-- Tenant destinations: settings.notifications.webhooks entries get one delivery per alert
-- occasion when the alert's severity reaches the entry's min_severity (default high), with no
-- quiet hours or rate limits; resolved goes to the destinations notified before.
--
-- Rule routing: alerts raised by an event rule (20261122100600) are routed the way the rule
-- says, and an aggregated repeat is announced on the occurrences the rule marks as notifying.
-- Who, on what, for an alert whose metadata carries rule_id (written by event processing):
--   metadata.notify_roles  non-empty: the members told on created / severity_raised /
--                          snooze_expired / repeated are the active members with one of these
--                          roles, instead of settings.notifications.roles.
--   metadata.channels      non-empty: the channels are the rule's, intersected with what each member
--                          can receive (consent and a usable address, as before), instead of the
--                          member's channels for the severity; the tenant's destinations
--                          (settings.notifications.webhooks) are used only when the rule lists their
--                          channel (slack, discord, webhook), still from their min_severity up.
--                          Escalated notices also go on the rule's channels instead of the
--                          policy's (still to the policy's roles: escalation goes up the chain).
--                          "dashboard" needs no delivery: a rule with only it sends nothing, not
--                          even when the alert escalates.
--   An empty list (or an alert that no rule raised, such as a stock alert) keeps the defaults.
--   Store scope, quiet hours, rate limits and the digest fallback apply as before; resolved
--   notices go to whoever was told before.
--
-- Repeats (reason repeated): an update of an active or acknowledged alert that raises its
-- occurrence_count, when the alert's metadata says the occurrences just counted include one that
-- notifies (metadata.notify = true: the first of a window, or every notify_every-th). One notice
-- per update, for the latest notifying occurrence; its occasion is repeated:<n>, with n that
-- occurrence's number in the alert's whole life (occurrence_count minus the window occurrences
-- counted after it), so each notifying occurrence is announced once however often routing runs.
-- A snoozed alert's repeats are not announced (the snooze's end is). A repeat that also raises the
-- severity announces both occasions: severity_raised is sent only once per severity, so folding
-- the repeat into it could lose the repeat's notice.

create type private.notification_event as (alert_id uuid, reason text, occasion text);
comment on type private.notification_event is 'Something about an alert to announce: its reason (deliveries.reason) and occasion (reason, qualified where an alert can have it twice).';

-- plpgsql rather than sql so its plan is kept for the session (see 20261122110100).
create or replace function private.rule_route(metadata jsonb, key text)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  if metadata ? 'rule_id' and pg_catalog.jsonb_typeof(metadata -> key) = 'array'
     and pg_catalog.jsonb_array_length(metadata -> key) > 0 then
    return metadata -> key;
  end if;
  return null;
end;
$$;
comment on function private.rule_route(jsonb, text) is 'For an alert raised by a rule (metadata.rule_id), the rule''s routing list under key (channels or notify_roles) when it names any; else null (route by the tenant''s defaults).';

create or replace function private.notifying_occurrence(metadata jsonb, occurrence_count int)
returns int
language plpgsql
immutable
set search_path = ''
as $$
declare
  window_occurrence int;
  latest int;
begin
  if metadata -> 'notify' is distinct from 'true'::jsonb then
    return null;
  end if;
  window_occurrence := private.jsonb_int(metadata -> 'window_occurrence');
  if pg_catalog.jsonb_typeof(metadata -> 'notify_occurrences') = 'array' then
    select pg_catalog.max(private.jsonb_int(o.value)) into latest
    from pg_catalog.jsonb_array_elements(metadata -> 'notify_occurrences') as o;
  end if;
  if window_occurrence is null or latest is null or latest > window_occurrence
     or occurrence_count - (window_occurrence - latest) < 1 then
    return occurrence_count;
  end if;
  return occurrence_count - (window_occurrence - latest);
end;
$$;
comment on function private.notifying_occurrence(jsonb, int) is 'For an alert whose metadata says its latest occurrences include one that notifies (notify = true), that latest notifying occurrence''s number in the alert''s whole life (occurrence_count less the window occurrences after it); null when none notifies.';

create or replace function private.enqueue_deliveries(events private.notification_event[])
returns int
language plpgsql
volatile
set search_path = ''
-- One cached plan: planning this statement afresh per call (a custom plan) costs more than running
-- it for a single alert. The query is shaped so the generic plan stays linear in the batch size:
-- primary-key lookups per event, and every CTE carries what later steps need, so no step joins
-- back to an earlier one (the planner cannot size these sets; a misjudged join is quadratic).
set plan_cache_mode = force_generic_plan
as $$
declare
  enqueued int;
  moment timestamptz := private.now();
begin
  if coalesce(pg_catalog.cardinality(events), 0) = 0 then
    return 0;
  end if;
  with ev as materialized (
    select e.alert_id, e.reason, e.occasion, a.tenant_id, a.severity, a.priority, a.store_id,
           a.escalation_level, a.escalation_policy, a.place_zone, a.rule_channels, a.rule_roles
    from (select distinct x.alert_id, x.reason, x.occasion from pg_catalog.unnest(events) as x) as e
    cross join lateral (
      select a.tenant_id, a.severity, a.priority, a.store_id, a.escalation_level, a.escalation_policy,
             coalesce((select s.timezone from public.stores as s where s.tenant_id = a.tenant_id and s.id = a.store_id),
                      (select t.timezone from public.tenants as t where t.id = a.tenant_id)) as place_zone,
             private.rule_route(a.metadata, 'channels') as rule_channels,
             private.rule_route(a.metadata, 'notify_roles') as rule_roles
      from public.alerts as a
      where a.id = e.alert_id
    ) as a
  ),
  tenant_settings as materialized (
    select t.id as tenant_id, private.notification_settings(t.settings) as ns
    from public.tenants as t
    where t.id in (select ev.tenant_id from ev)
  ),
  members as materialized (
    select m.tenant_id, m.user_id, m.role, m.store_ids, m.timezone,
           private.member_notification_preferences(c.ns, m.preferences) as prefs,
           m.email is not null and m.email_consent as can_email,
           m.phone is not null and m.phone_verified_at is not null and m.sms_consent as can_sms,
           m.whatsapp is not null and m.whatsapp_verified_at is not null and m.whatsapp_consent as can_whatsapp,
           m.push_consent and exists (
             select 1 from public.push_subscriptions as p
             where p.tenant_id = m.tenant_id and p.user_id = m.user_id and p.failed_at is null) as can_push
    from tenant_settings as c
    join public.tenant_members as m on m.tenant_id = c.tenant_id
    where m.active
  ),
  wanted as (
    -- created, severity_raised, snooze_expired, repeated: the rule's roles, else the tenant's
    -- notify roles; the rule's channels, else the member's channels for the severity (channels a
    -- member cannot receive, such as slack or dashboard, are dropped by eligible).
    select ev.*, m.user_id, ch.channel, m.prefs, m.store_ids, m.timezone, m.can_email, m.can_sms, m.can_whatsapp, m.can_push
    from ev
    join tenant_settings as c on c.tenant_id = ev.tenant_id
    join members as m on m.tenant_id = ev.tenant_id
    cross join lateral (
      select distinct x.channel
      from pg_catalog.jsonb_array_elements_text(coalesce(ev.rule_channels, m.prefs -> 'channels' -> ev.severity)) as x (channel)
    ) as ch
    where ev.reason in ('created', 'severity_raised', 'snooze_expired', 'repeated')
      and coalesce(ev.rule_roles, c.ns -> 'roles') ? m.role
    union all
    -- escalated: the snapshotted policy's roles, on the rule's channels, else the policy's.
    select ev.*, m.user_id, ch.channel, m.prefs, m.store_ids, m.timezone, m.can_email, m.can_sms, m.can_whatsapp, m.can_push
    from ev
    join members as m on m.tenant_id = ev.tenant_id
    cross join lateral (
      select distinct x.channel
      from pg_catalog.jsonb_array_elements_text(coalesce(ev.rule_channels, ev.escalation_policy -> 'channels')) as x (channel)
    ) as ch
    where ev.reason = 'escalated'
      and (ev.escalation_policy -> 'roles') ? m.role
    union all
    -- resolved: the members and channels a notice about this alert was sent (or is being sent) on.
    select ev.*, m.user_id, sent.channel, m.prefs, m.store_ids, m.timezone, m.can_email, m.can_sms, m.can_whatsapp, m.can_push
    from ev
    cross join lateral (
      select distinct d.user_id, d.channel
      from public.deliveries as d
      where d.alert_id = ev.alert_id and d.user_id is not null and d.reason <> 'resolved' and d.channel <> 'digest'
        and d.status in ('sent', 'sending')
    ) as sent
    join members as m on m.tenant_id = ev.tenant_id and m.user_id = sent.user_id
    where ev.reason = 'resolved'
  ),
  eligible as (
    select w.*, coalesce(w.timezone, w.place_zone) as zone,
           pg_catalog.row_number() over (partition by w.tenant_id, w.user_id, w.channel
                                         order by w.priority desc, w.alert_id, w.occasion) as rank
    from wanted as w
    where (w.store_ids is null or w.store_id is null or w.store_id = any (w.store_ids))
      and case w.channel
            when 'email' then w.can_email
            when 'sms' then w.can_sms
            when 'whatsapp' then w.can_whatsapp
            when 'push' then w.can_push
            when 'digest' then (w.can_email or w.can_push) and w.prefs ->> 'digest' <> 'off'
            else false
          end
  ),
  limited as (
    select e.*, lim.per_hour, lim.per_day,
           e.channel <> 'digest' and e.severity <> 'critical'
           and (e.rank + recent.last_hour > lim.per_hour or e.rank + recent.last_day > lim.per_day) is true as over_limit
    from eligible as e
    cross join lateral (
      select (e.prefs -> 'rate_limits' -> e.channel ->> 'per_hour')::int as per_hour,
             (e.prefs -> 'rate_limits' -> e.channel ->> 'per_day')::int as per_day
    ) as lim
    cross join lateral (
      select pg_catalog.count(*) filter (where d.created_at > moment - interval '1 hour') as last_hour,
             pg_catalog.count(*) as last_day
      from public.deliveries as d
      where (lim.per_hour is not null or lim.per_day is not null)
        and d.tenant_id = e.tenant_id and d.user_id = e.user_id and d.channel = e.channel
        and d.created_at > moment - interval '1 day'
        and d.status <> 'cancelled'
    ) as recent
  ),
  routed as (
    select l.tenant_id, l.alert_id, l.user_id, null::text as destination, l.channel, l.reason, l.occasion,
           l.escalation_level, l.priority,
           case when l.over_limit then 'cancelled' else 'pending' end as status,
           case when not l.over_limit and l.severity <> 'critical' and l.channel <> 'digest'
                     and pg_catalog.jsonb_typeof(l.prefs -> 'quiet_hours') = 'object'
             then private.quiet_hours_end(moment, l.prefs -> 'quiet_hours', l.zone) end as quiet_until,
           case when l.over_limit then 'rate_limited' end as error_reason,
           case when l.over_limit then pg_catalog.format('Not sent: over the member''s %s limit of %s',
             l.channel, pg_catalog.concat_ws(' and ', l.per_hour || ' per hour', l.per_day || ' per day')) end as last_error
    from limited as l
    union all
    -- Over the limit: folded into the member's digest instead.
    select l.tenant_id, l.alert_id, l.user_id, null, 'digest', l.reason, l.occasion, l.escalation_level, l.priority,
           'pending', null, null, null
    from limited as l
    where l.over_limit and l.prefs ->> 'digest' <> 'off' and (l.can_email or l.can_push)
    union all
    -- Tenant destinations: from their min_severity up, and for a rule's alert only the channels it lists.
    select ev.tenant_id, ev.alert_id, null, w.value ->> 'url', w.value ->> 'channel', ev.reason, ev.occasion,
           ev.escalation_level, ev.priority, 'pending', null, null, null
    from ev
    join tenant_settings as c on c.tenant_id = ev.tenant_id
    cross join lateral pg_catalog.jsonb_array_elements(c.ns -> 'webhooks') as w
    where ev.reason <> 'resolved'
      and private.severity_rank(ev.severity) >= private.severity_rank(coalesce(w.value ->> 'min_severity', 'high'))
      and (ev.rule_channels is null or ev.rule_channels ? (w.value ->> 'channel'))
    union all
    select distinct ev.tenant_id, ev.alert_id, null::uuid, d.destination, d.channel, ev.reason, ev.occasion,
           ev.escalation_level, ev.priority, 'pending', null::timestamptz, null, null
    from ev
    join public.deliveries as d on d.alert_id = ev.alert_id
    where ev.reason = 'resolved'
      and d.destination is not null and d.reason <> 'resolved' and d.status in ('sent', 'sending')
  ),
  inserted as (
    insert into public.deliveries (tenant_id, alert_id, user_id, destination, channel, reason, escalation_level, priority,
                                   status, due_at, error_reason, last_error, created_at, idempotency_key)
    select r.tenant_id, r.alert_id, r.user_id, r.destination, r.channel, r.reason, r.escalation_level, r.priority,
           r.status, coalesce(r.quiet_until, moment), r.error_reason, r.last_error, moment,
           r.alert_id::text || '/' || r.occasion || '/' || r.escalation_level::text || '/'
             || coalesce(r.user_id::text, 'dest:' || pg_catalog.md5(r.destination)) || '/' || r.channel
    from routed as r
    on conflict (idempotency_key) do nothing
    returning 1
  )
  select pg_catalog.count(*)::int into enqueued from inserted;
  return enqueued;
end;
$$;
comment on function private.enqueue_deliveries(private.notification_event[]) is 'Writes the outbox rows for a set of alert occasions: recipients by role (a rule''s notify_roles, else the tenant''s), store scope and reason; channels by the rule''s channels, else severity and preference (escalation: the policy''s), and by consent and address; quiet hours; rate limits (excess folded into the digest); tenant webhooks (only the channels a rule lists). Idempotent (on conflict do nothing on the idempotency key); returns how many rows it added.';

create or replace function private.tg_alerts__route_insert()
returns trigger
language plpgsql
security definer -- writes the outbox whichever role created the alert; nobody but the system writes deliveries
set search_path = ''
as $$
begin
  perform private.enqueue_deliveries(array(
    select row(n.id, 'created', 'created')::private.notification_event
    from new_rows as n
    where n.status = 'active'));
  return null;
end;
$$;
comment on function private.tg_alerts__route_insert() is 'After insert (per statement): enqueues the created notices of the new active alerts.';

create or replace function private.tg_alerts__route_update()
returns trigger
language plpgsql
security definer -- see tg_alerts__route_insert
set search_path = ''
as $$
declare
  events private.notification_event[];
  resolved uuid[];
begin
  -- old_rows and new_rows are paired by grouping on id, not by a join: the planner takes a
  -- transition table for one row, and the nested loop it then picks for a join is quadratic on a
  -- 10,000-row update. The notifying occurrence is worked out only for rows whose metadata says
  -- one notifies (rule alerts' repeats), so scoring's large updates never call the function.
  events := array(
    select row(c.id, e.reason, e.occasion)::private.notification_event
    from (
      select x.id,
             pg_catalog.max(x.status) filter (where x.is_new) as new_status,
             pg_catalog.max(x.status) filter (where not x.is_new) as old_status,
             pg_catalog.max(x.severity) filter (where x.is_new) as new_severity,
             pg_catalog.max(x.severity) filter (where not x.is_new) as old_severity,
             pg_catalog.max(x.escalation_level) filter (where x.is_new) as new_level,
             pg_catalog.max(x.escalation_level) filter (where not x.is_new) as old_level,
             pg_catalog.max(x.snoozed_until) filter (where not x.is_new) as old_snoozed_until,
             pg_catalog.max(x.occurrence_count) filter (where not x.is_new) as old_occurrences,
             pg_catalog.max(x.notifying_occurrence) filter (where x.is_new) as notifying_occurrence
      from (select true as is_new, n.id, n.status, n.severity, n.escalation_level, n.snoozed_until, n.occurrence_count,
                   case when n.metadata -> 'notify' = 'true'::jsonb
                     then private.notifying_occurrence(n.metadata, n.occurrence_count) end as notifying_occurrence
            from new_rows as n
            union all
            select false, o.id, o.status, o.severity, o.escalation_level, o.snoozed_until, o.occurrence_count, null
            from old_rows as o) as x
      group by x.id
    ) as c
    cross join lateral (values
      -- Severity order inline (private.severity_rank(), never inlined, costs a call per row).
      (case when c.new_status <> 'resolved'
                 and case c.new_severity when 'low' then 1 when 'medium' then 2 when 'high' then 3 when 'critical' then 4 else 0 end
                     > case c.old_severity when 'low' then 1 when 'medium' then 2 when 'high' then 3 when 'critical' then 4 else 0 end
         then 'severity_raised' end,
       'severity_raised:' || c.new_severity),
      (case when c.old_status = 'snoozed' and c.new_status = 'active' and c.old_snoozed_until <= private.now()
         then 'snooze_expired' end,
       'snooze_expired:' || pg_catalog.floor(extract(epoch from c.old_snoozed_until))::bigint::text),
      (case when c.new_level > c.old_level and c.new_status <> 'resolved'
         then 'escalated' end,
       'escalated'),
      (case when c.new_status = 'resolved' and c.old_status <> 'resolved'
         then 'resolved' end,
       'resolved'),
      -- An occurrence counted by this update notifies (a notifying occurrence counted earlier does not).
      (case when c.new_status in ('active', 'acknowledged') and c.notifying_occurrence > c.old_occurrences
         then 'repeated' end,
       'repeated:' || c.notifying_occurrence)
    ) as e (reason, occasion)
    where e.reason is not null);

  -- A resolved alert's notices still waiting are stale: cancel them before announcing the resolution.
  resolved := array(select e.alert_id from pg_catalog.unnest(events) as e where e.reason = 'resolved');
  if pg_catalog.cardinality(resolved) > 0 then
    update public.deliveries as d
    set status = 'cancelled',
        last_error = 'Not sent: the alert was resolved first'
    where d.alert_id = any (resolved)
      and d.status in ('pending', 'deferred')
      and d.channel <> 'digest'
      and d.reason <> 'resolved';
  end if;

  perform private.enqueue_deliveries(events);
  return null;
end;
$$;
comment on function private.tg_alerts__route_update() is 'After update (per statement): cancels a resolved alert''s waiting notices and enqueues severity_raised, snooze_expired, escalated, resolved and repeated (a rule''s notifying occurrence) notices (never for a severity fall, a repeat that does not notify or an acknowledgement).';

create trigger _600_route_insert after insert on public.alerts
  referencing new table as new_rows
  for each statement execute function private.tg_alerts__route_insert();
create trigger _600_route_update after update on public.alerts
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.tg_alerts__route_update();

revoke all on function private.rule_route(jsonb, text), private.notifying_occurrence(jsonb, int),
  private.enqueue_deliveries(private.notification_event[]), private.tg_alerts__route_insert(),
  private.tg_alerts__route_update() from public;
