-- Stockout scoring, full passes: hash everything, in memory.
--
-- Profiled on 1,000,000 items with 7 days of forecasts each (EXPLAIN ANALYZE in a scratch copy):
-- the planner cannot estimate the inlined stock positions (a CTE of one tenant joined to every
-- input guesses ~4,000 forecast rows for 7,000,000), so it
--   - joined each forecast row to store_days (the stores' local "today") in a nested loop: one
--     probe of the CTE per forecast row, i.e. forecasts x stores, quadratic for a tenant with many
--     stores (1,000 stores x 7,000,000 forecasts would be 7 billion comparisons); and
--   - sorted the 7,000,000 forecast rows for a GroupAggregate (an external merge sort on disk
--     with work_mem 64MB) instead of hashing them into 1,000,000 groups.
-- For a full pass (items is null) private.score_items now turns nested loops and sorts off and
-- gives the pass 256MB of work_mem (hash_mem_multiplier 2 lets the aggregate use 512MB; a million
-- items' numeric averages take ~475MB, so a larger database spills batches to disk instead of
-- failing). Item-scoped passes from the write triggers are unchanged: they find their few items by
-- index, in nested loops, with the function's own settings. The statement itself is unchanged.

create or replace function private.score_items(tenant uuid default null, items private.item_key[] default null)
returns table (opened int, updated int, resolved int)
language plpgsql
volatile
set search_path = ''
set jit = off -- compiling this large plan costs seconds; the work itself is hash joins and arithmetic
set work_mem = '64MB' -- a full pass joins a million items; keep its hashes and sorts in memory
-- The planner cannot estimate the inlined positions and would sort a million of them for a merge
-- join; hashing the (far fewer) open alerts and streaming the positions past them is the right plan.
set enable_mergejoin = off
-- Triggers call this for a handful of items, cron for a million: plan each call for its actual
-- arguments, so `items is null or ...` folds away and a few items are found by index.
set plan_cache_mode = force_custom_plan
-- Listed so that Postgres restores them when the function returns: a full pass turns them off
-- below with set_config(..., true), which without these clauses would last to the end of the
-- caller's transaction.
set enable_nestloop = on
set enable_sort = on
as $$
begin
  if items is null then
    -- A full pass: see the header. Each of these is in the function's SET clauses, so the change
    -- ends when the function returns.
    perform pg_catalog.set_config('enable_nestloop', 'off', true);
    perform pg_catalog.set_config('enable_sort', 'off', true);
    perform pg_catalog.set_config('work_mem', '256MB', true);
  end if;
  return query
  -- One pass over the positions, hash-joined to the open stock alerts: only items that call for
  -- an alert or already have one are kept, so a quiet million-item pass keeps almost nothing.
  with judged as materialized (
    select j.*
    from (
      select p as position, private.judge_stock(p) as verdict, o.id as alert_id, o.alert_type, o.severity, o.metadata,
             p.thresholds
      from private.stock_positions(tenant, items) as p
      left join public.alerts as o
        on o.tenant_id = p.tenant_id and o.dedup_key = 'stock:' || p.store_id || ':' || p.product_id
       and o.status <> 'resolved'
    ) as j
    where (j.verdict).alert_type is not null or j.alert_id is not null
  ),
  -- Only items whose alert would change are rendered and raised: an open alert with the same
  -- type, severity and facts already says everything (its text is built from those facts).
  changed as (
    select j.position, j.verdict
    from judged as j
    where (j.verdict).alert_type is not null
      and (j.alert_id is null or j.alert_type <> (j.verdict).alert_type or j.severity <> (j.verdict).severity
           or j.metadata <> private.stock_alert_facts(j.position))
  ),
  raised as materialized (
    select r.created
    from private.raise_alerts(
      array(select private.stock_alert_candidate(c.position, c.verdict) from changed as c),
      false) as r
  ),
  -- Disjoint from what raise_alerts touches: these items call for no alert even with every
  -- threshold widened by the clear margin (hysteresis).
  cleared as (
    update public.alerts as a
    set status = 'resolved', resolved_at = private.now(), snoozed_until = null,
        resolution_notes = 'Resolved automatically: stock is back above every threshold.'
    from judged as j
    where a.id = j.alert_id
      and (j.verdict).alert_type is null
      and (private.judge_stock(j.position, (j.thresholds).clear_margin_days)).alert_type is null
    returning a.id
  )
  select (select pg_catalog.count(*) from raised where raised.created)::int,
         (select pg_catalog.count(*) from raised where not raised.created)::int,
         (select pg_catalog.count(*) from cleared)::int;
end;
$$;
comment on function private.score_items(uuid, private.item_key[]) is 'Scores stock for the given items (or a tenant, or all) and opens, updates or resolves their stock alerts; returns the counts.';

revoke all on function private.score_items(uuid, private.item_key[]) from public, anon, authenticated;
