-- Raising alerts: the one place that turns candidate alerts into rows, set-based and safe under
-- concurrency. A candidate whose (tenant_id, dedup_key) has an open alert updates it (severity,
-- text and facts follow the latest; repeats bump occurrence_count); otherwise it opens a new one.
-- Scoring, rules and direct alerts from other systems (public.raise_alert, defined with the
-- suppressions it honours in 20261122100400) all come through here.
create type private.alert_candidate as (
  tenant_id uuid,
  alert_type text,
  category text,
  severity text,
  priority int,
  title text,
  description text,
  recommended_action text,
  business_impact text,
  impact_value numeric,
  store_id text,
  product_id text,
  source text,
  dedup_key text,
  metadata jsonb
);
comment on type private.alert_candidate is 'An alert someone wants raised; private.raise_alerts() dedups it against open alerts.';

create or replace function private.default_priority(severity text)
returns int
language sql
immutable
set search_path = ''
as $$
  select case severity when 'critical' then 90 when 'high' then 70 when 'medium' then 50 else 30 end
$$;
comment on function private.default_priority(text) is 'Priority (0-100, higher first) an alert gets from its severity when none is given.';

-- plpgsql, not sql: a SQL function with set clauses is never inlined, so it was parsed and
-- planned again on every call (~3 ms, more than running it for one event); in plpgsql the plan is
-- cached for the session. Severity order and default priority are written out inline for the
-- same reason: private.severity_rank() and private.default_priority() cost a function call each
-- per candidate; keep them in step with those functions.
create or replace function private.raise_alerts(candidates private.alert_candidate[], count_repeats boolean default true)
returns table (alert_id uuid, dedup_key text, created boolean)
language plpgsql
volatile
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  with keyed as (
    select c.*,
           coalesce(nullif(c.dedup_key, ''),
                    c.alert_type || ':' || coalesce(c.store_id, '*') || ':' || coalesce(c.product_id, '*')) as key
    from pg_catalog.unnest(candidates) as c
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
comment on function private.raise_alerts(private.alert_candidate[], boolean) is 'Opens or updates alerts for a set of candidates in one statement, one open alert per (tenant, dedup_key). count_repeats = false (scoring) leaves unchanged alerts untouched.';

revoke all on function private.default_priority(text), private.raise_alerts(private.alert_candidate[], boolean) from public;
grant execute on function private.default_priority(text) to authenticated, service_role;
