-- Suppressions hold for scored alerts too.
--
-- A maintenance window (alert_suppressions) promises that the alert types, stores and products it
-- names raise no alerts and notify no one. Events (rules) and public.raise_alert() checked it,
-- but the scorers (stock, data staleness, forecast quality) raised through
-- private.raise_alerts() without looking, so a stocktake or refit window for a store still opened
-- out-of-stock alerts there and notified people. Now private.raise_alerts(), the one place every
-- source raises through, skips candidates a suppression in force covers: nothing is opened and an
-- open alert is not updated (so no severity rise is announced) while the window lasts; the next
-- scoring pass after the window raises what is still true. Resolving is not raising: scoring
-- still clears alerts whose situation recovered during a window, and that resolution notifies.
-- Events and raise_alert() skip suppressed candidates before they get here (recording why), so
-- for them nothing changes.

-- raise_alerts runs as its caller; score_stockouts() and the other scorers are granted to
-- service_role, which therefore needs these two pure helpers.
grant execute on function private.suppression_covers(public.alert_suppressions, text, text, text),
  private.suppression_in_force(public.alert_suppressions, timestamptz) to service_role;

create or replace function private.raise_alerts(candidates private.alert_candidate[], count_repeats boolean default true)
returns table (alert_id uuid, dedup_key text, created boolean)
language plpgsql
volatile
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  with silencing as (
    -- The suppressions in force for the candidates' tenants (usually none).
    select s
    from public.alert_suppressions as s
    where s.tenant_id = any (array(select distinct c.tenant_id from pg_catalog.unnest(candidates) as c))
      and s.ends_at > private.now()
      and private.suppression_in_force(s, private.now())
  ),
  keyed as (
    select c.*,
           coalesce(nullif(c.dedup_key, ''),
                    c.alert_type || ':' || coalesce(c.store_id, '*') || ':' || coalesce(c.product_id, '*')) as key
    from pg_catalog.unnest(candidates) as c
    where not exists (
      select from silencing as x
      where (x.s).tenant_id = c.tenant_id and private.suppression_covers(x.s, c.alert_type, c.store_id, c.product_id))
  ),
  -- Several candidates for one key in one call fold into one row (the most severe wins), or
  -- ON CONFLICT would refuse to touch the same alert twice.
  folded as (
    select k.*,
           pg_catalog.count(*) over (partition by k.tenant_id, k.key) as repeats,
           pg_catalog.row_number() over (partition by k.tenant_id, k.key
                                         order by case k.severity when 'low' then 1 when 'medium' then 2
                                                    when 'high' then 3 when 'critical' then 4 else 0 end desc) as pick
    from keyed as k
  ),
  raised as (
  insert into public.alerts as a (
    tenant_id, alert_type, category, severity, priority, title, description, recommended_action,
    business_impact, impact_value, store_id, product_id, source, dedup_key, metadata, occurrence_count)
  select f.tenant_id, f.alert_type, coalesce(f.category, 'inventory'), f.severity,
         coalesce(f.priority, case f.severity when 'critical' then 90 when 'high' then 70 when 'medium' then 50 else 30 end),
         f.title, coalesce(f.description, ''),
         f.recommended_action, f.business_impact, f.impact_value, f.store_id, f.product_id,
         coalesce(f.source, 'shelfwatch'), f.key, coalesce(f.metadata, '{}'::jsonb), f.repeats
  from folded as f
  where f.pick = 1
  on conflict (tenant_id, dedup_key) where status <> 'resolved'
  do update set
    occurrence_count = a.occurrence_count + case when count_repeats then excluded.occurrence_count else 0 end,
    last_seen_at = private.now(),
    -- A stock alert keeps one identity per item while its condition changes (low stock ->
    -- stockout risk -> out of stock), so the type follows the latest candidate too.
    alert_type = excluded.alert_type,
    category = excluded.category,
    severity = excluded.severity,
    priority = excluded.priority,
    title = excluded.title,
    description = excluded.description,
    recommended_action = excluded.recommended_action,
    business_impact = excluded.business_impact,
    impact_value = excluded.impact_value,
    metadata = excluded.metadata
  -- Re-scoring an unchanged situation must not touch the alert (no history, no broadcast).
  where count_repeats
     or (a.alert_type, a.category, a.severity, a.priority, a.title, a.description, a.recommended_action, a.business_impact, a.impact_value, a.metadata)
        is distinct from
        (excluded.alert_type, excluded.category, excluded.severity, excluded.priority, excluded.title, excluded.description, excluded.recommended_action,
         excluded.business_impact, excluded.impact_value, excluded.metadata)
  returning a.id, a.dedup_key, (a.xmax = 0) as created
  )
  select r.id, r.dedup_key, r.created from raised as r;
end;
$$;
comment on function private.raise_alerts(private.alert_candidate[], boolean) is 'Opens or updates alerts for a set of candidates in one statement, one open alert per (tenant, dedup_key); candidates a suppression in force covers are skipped (neither opened nor updated). count_repeats = false (scoring) leaves unchanged alerts untouched.';

revoke all on function private.raise_alerts(private.alert_candidate[], boolean) from public;
