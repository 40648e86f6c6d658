-- Data-quality thresholds: how long each feed may stay silent, and when actual sales are far
-- enough from the forecast to matter. Read from tenants.settings -> 'data_quality' with defaults.
create type private.data_quality_thresholds as (
  inventory_max_age_hours numeric,  -- default 24; 0 turns the check off
  forecast_max_age_hours numeric,   -- default 48; 0 turns the check off
  sales_max_age_hours numeric,      -- default 48; 0 turns the check off
  anomaly_ratio numeric,            -- actual >= ratio x forecast, or <= forecast / ratio (default 2)
  anomaly_min_forecast numeric,     -- ignore days forecast below this many units (default 5)
  anomaly_lookback_days int,        -- only recent days raise anomalies (default 2)
  accuracy_window_days int,         -- MAPE over this many past days (default 14)
  accuracy_min_days int,            -- with at least this many days of data (default 7)
  accuracy_max_mape numeric         -- forecast_accuracy_low above this MAPE (default 0.4 = 40 %)
);
comment on type private.data_quality_thresholds is 'A tenant''s data-quality thresholds (tenants.settings.data_quality), defaults filled in.';

create or replace function private.data_quality_thresholds(settings jsonb)
returns private.data_quality_thresholds
language sql
immutable
set search_path = ''
as $$
  select row(
    coalesce((s ->> 'inventory_max_age_hours')::numeric, 24),
    coalesce((s ->> 'forecast_max_age_hours')::numeric, 48),
    coalesce((s ->> 'sales_max_age_hours')::numeric, 48),
    coalesce((s ->> 'anomaly_ratio')::numeric, 2),
    coalesce((s ->> 'anomaly_min_forecast')::numeric, 5),
    coalesce((s ->> 'anomaly_lookback_days')::int, 2),
    coalesce((s ->> 'accuracy_window_days')::int, 14),
    coalesce((s ->> 'accuracy_min_days')::int, 7),
    coalesce((s ->> 'accuracy_max_mape')::numeric, 0.4)
  )::private.data_quality_thresholds
  from (select coalesce(settings -> 'data_quality', '{}'::jsonb) as s) as dq
$$;
comment on function private.data_quality_thresholds(jsonb) is 'The data-quality thresholds in a tenant''s settings, with defaults (24/48/48 h feed age, 2x anomaly ratio, 40 % MAPE over 14 days).';

create or replace function private.tg_tenants__validate_data_quality_settings()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  t private.data_quality_thresholds;
begin
  begin
    t := private.data_quality_thresholds(new.settings);
  exception when others then
    raise exception 'Invalid settings.data_quality: every threshold must be a number (%)', sqlerrm using errcode = 'SW001';
  end;
  if least(t.inventory_max_age_hours, t.forecast_max_age_hours, t.sales_max_age_hours) < 0 then
    raise exception 'Invalid settings.data_quality: feed ages must be >= 0 hours (0 turns a check off)' using errcode = 'SW001';
  end if;
  if t.anomaly_ratio <= 1 or t.anomaly_min_forecast < 0 or t.anomaly_lookback_days not between 1 and 31 then
    raise exception 'Invalid settings.data_quality: anomaly_ratio must be > 1, anomaly_min_forecast >= 0, anomaly_lookback_days 1-31'
      using errcode = 'SW001';
  end if;
  if t.accuracy_window_days not between 2 and 90 or t.accuracy_min_days not between 1 and t.accuracy_window_days
     or t.accuracy_max_mape <= 0 then
    raise exception 'Invalid settings.data_quality: accuracy_window_days must be 2-90, accuracy_min_days 1..window, accuracy_max_mape > 0'
      using errcode = 'SW001';
  end if;
  return new;
end;
$$;
comment on function private.tg_tenants__validate_data_quality_settings() is 'Rejects unreadable or inconsistent data-quality thresholds in tenants.settings (SW001).';

create trigger _110_validate_data_quality_settings before insert or update of settings on public.tenants
  for each row execute function private.tg_tenants__validate_data_quality_settings();

revoke all on function private.data_quality_thresholds(jsonb), private.tg_tenants__validate_data_quality_settings() from public;
-- Owners change settings as `authenticated`; the validation trigger reads the thresholds as them.
grant execute on function private.data_quality_thresholds(jsonb) to authenticated, service_role;
