-- Forecast quality, from actual sales against the forecast for the same day:
--   anomaly_detected       a recent day's sales were >= ratio x the forecast or <= forecast / ratio
--                          (one alert per store x product x day; medium, high at twice the ratio)
--   forecast_accuracy_low  the mean absolute percentage error over the last 14 days with sales is
--                          above the tenant's maximum (low; medium above twice it); resolved by the
--                          system once it falls below three quarters of the maximum (hysteresis)
-- Run for the touched items on every sales write, and for everything by pg_cron.
create or replace function private.score_forecast_quality(tenant uuid default null, items private.item_key[] default null)
returns table (opened int, updated int, resolved int)
language plpgsql
volatile
set search_path = ''
as $$
begin
  return query
  with scope as materialized (
    select distinct sa.tenant_id, sa.store_id, sa.product_id
    from public.sales as sa
    where (tenant is null or sa.tenant_id = tenant)
      and (items is null or (sa.tenant_id, sa.store_id, sa.product_id) in (
        select k.tenant_id, k.store_id, k.product_id from pg_catalog.unnest(items) as k))
      and sa.sales_date >= (private.now() at time zone 'UTC')::date - 92
  ),
  placed as materialized (
    select s.*, private.data_quality_thresholds(t.settings) as th,
           (private.now() at time zone coalesce(st.timezone, t.timezone))::date as today,
           coalesce(st.name, s.store_id) as store_name, coalesce(p.name, s.product_id) as product_name
    from scope as s
    join public.tenants as t on t.id = s.tenant_id
    left join public.stores as st on st.tenant_id = s.tenant_id and st.id = s.store_id
    left join public.products as p on p.tenant_id = s.tenant_id and p.id = s.product_id
  ),
  pairs as materialized (
    select pl.*, sa.sales_date, sa.quantity as actual, f.forecasted_demand as forecast
    from placed as pl
    join public.sales as sa
      on sa.tenant_id = pl.tenant_id and sa.store_id = pl.store_id and sa.product_id = pl.product_id
     and sa.sales_date >= pl.today - (pl.th).accuracy_window_days and sa.sales_date < pl.today
    join public.demand_forecasts as f
      on f.tenant_id = sa.tenant_id and f.store_id = sa.store_id and f.product_id = sa.product_id
     and f.forecast_date = sa.sales_date
  ),
  anomalies as (
    select p.*, p.actual / p.forecast as ratio
    from pairs as p
    where p.sales_date >= p.today - (p.th).anomaly_lookback_days
      and p.forecast >= greatest((p.th).anomaly_min_forecast, 0.000001)
      and (p.actual >= (p.th).anomaly_ratio * p.forecast or p.actual <= p.forecast / (p.th).anomaly_ratio)
  ),
  accuracy as materialized (
    select p.tenant_id, p.store_id, p.product_id, p.store_name, p.product_name,
           pg_catalog.max((p.th).accuracy_max_mape) as max_mape, pg_catalog.max((p.th).accuracy_min_days) as min_days,
           pg_catalog.max((p.th).accuracy_window_days) as window_days,
           pg_catalog.count(*) filter (where p.actual > 0) as days,
           pg_catalog.round(pg_catalog.avg(abs(p.actual - p.forecast) / p.actual) filter (where p.actual > 0), 2) as mape
    from pairs as p
    group by p.tenant_id, p.store_id, p.product_id, p.store_name, p.product_name
  ),
  candidates as (
    select row(
      a.tenant_id, 'anomaly_detected', 'forecast',
      case when a.actual >= 2 * (a.th).anomaly_ratio * a.forecast or a.actual <= a.forecast / (2 * (a.th).anomaly_ratio)
           then 'high' else 'medium' end, null,
      a.product_name || ' at ' || a.store_name || ': sold ' || private.format_quantity(a.actual) || ', forecast '
        || private.format_quantity(a.forecast) || ' on ' || a.sales_date,
      'Actual sales were ' || private.format_quantity(a.ratio) || ' times the forecast ('
        || case when a.actual > a.forecast then 'far more' else 'far less' end || ' than expected).',
      'Check for a data error, a promotion or a local event; if it continues, adjust the forecast and the next orders for '
        || a.product_name || '.',
      null, null, a.store_id, a.product_id, 'data_quality',
      'anomaly:' || a.store_id || ':' || a.product_id || ':' || a.sales_date,
      pg_catalog.jsonb_build_object('sales_date', a.sales_date, 'actual', a.actual, 'forecast', a.forecast,
        'ratio', pg_catalog.round(a.ratio, 2), 'store_name', a.store_name, 'product_name', a.product_name)
    )::private.alert_candidate as candidate
    from anomalies as a
    union all
    select row(
      c.tenant_id, 'forecast_accuracy_low', 'forecast', case when c.mape > 2 * c.max_mape then 'medium' else 'low' end, null,
      'Forecast for ' || c.product_name || ' at ' || c.store_name || ' is off by ' || pg_catalog.round(c.mape * 100) || '% on average',
      'Mean absolute percentage error over the last ' || c.days || ' days with sales: ' || pg_catalog.round(c.mape * 100)
        || '% (the tenant allows ' || pg_catalog.round(c.max_mape * 100) || '%). Stock alerts for this item rely on that forecast.',
      'Review the forecast for ' || c.product_name || ' at ' || c.store_name || '; until it improves, keep extra safety stock.',
      null, null, c.store_id, c.product_id, 'data_quality', 'forecast_accuracy:' || c.store_id || ':' || c.product_id,
      pg_catalog.jsonb_build_object('mape', c.mape, 'days', c.days, 'window_days', c.window_days,
        'store_name', c.store_name, 'product_name', c.product_name)
    )::private.alert_candidate
    from accuracy as c
    where c.days >= c.min_days and c.mape > c.max_mape
  ),
  raised as materialized (
    select r.created from private.raise_alerts(array(select c.candidate from candidates as c), false) as r
  ),
  cleared as (
    update public.alerts as a
    set status = 'resolved', resolved_at = private.now(), snoozed_until = null,
        resolution_notes = 'Resolved automatically: the forecast is accurate again.'
    from accuracy as c
    where c.days >= c.min_days and c.mape <= 0.75 * c.max_mape
      and a.tenant_id = c.tenant_id and a.dedup_key = 'forecast_accuracy:' || c.store_id || ':' || c.product_id
      and a.status <> 'resolved'
    returning a.id
  )
  select (select pg_catalog.count(*) from raised where raised.created)::int,
         (select pg_catalog.count(*) from raised where not raised.created)::int,
         (select pg_catalog.count(*) from cleared)::int;
end;
$$;
comment on function private.score_forecast_quality(uuid, private.item_key[]) is 'Raises anomaly_detected and forecast_accuracy_low from sales against forecasts (for the given items, a tenant, or all) and resolves recovered accuracy alerts.';

create or replace function public.score_forecast_quality(tenant_id uuid default null)
returns table (opened int, updated int, resolved int)
language sql
volatile
set search_path = ''
as $$
  select * from private.score_forecast_quality(score_forecast_quality.tenant_id, null)
$$;
comment on function public.score_forecast_quality(uuid) is 'Scores forecast quality (anomalies, accuracy) for one tenant or all. Run by pg_cron; sales writes score their own items at once.';

create or replace function private.tg_sales__score_forecast_quality()
returns trigger
language plpgsql
security definer -- feeds and members may not write alerts themselves; scoring must
set search_path = ''
as $$
begin
  perform private.score_forecast_quality(null, array(
    select distinct row(c.tenant_id, c.store_id, c.product_id)::private.item_key from changed_rows as c));
  return null;
end;
$$;
comment on function private.tg_sales__score_forecast_quality() is 'After insert/update (per statement) on sales: scores forecast quality of the touched items.';

create trigger _720_score_forecast_quality_inserted after insert on public.sales
  referencing new table as changed_rows for each statement execute function private.tg_sales__score_forecast_quality();
create trigger _720_score_forecast_quality_updated after update on public.sales
  referencing new table as changed_rows for each statement execute function private.tg_sales__score_forecast_quality();

revoke all on function private.score_forecast_quality(uuid, private.item_key[]), public.score_forecast_quality(uuid),
  private.tg_sales__score_forecast_quality() from public, anon, authenticated;
grant execute on function public.score_forecast_quality(uuid) to service_role;
