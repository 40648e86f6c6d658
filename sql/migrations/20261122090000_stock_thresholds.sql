-- Stock thresholds: the tenant's scoring knobs, read from tenants.settings -> 'stock' with the
-- product spec's defaults for whatever the tenant has not set.
create type private.stock_thresholds as (
  critical_days numeric,      -- cover <= this: critical (default 1)
  high_days numeric,          -- cover <= this: high (default 2)
  medium_days numeric,        -- cover <= this: medium (default 3)
  clear_margin_days numeric,  -- hysteresis: an alert clears only above its threshold + this (default 1)
  safety_days numeric,        -- extra cover on top of the lead time before suggesting a reorder (default 2)
  order_cycle_days numeric,   -- days a reorder should last beyond the lead time (default 7)
  forecast_horizon_days int,  -- forecast days averaged into daily demand (default 7)
  velocity_window_days int,   -- sales days averaged when there is no forecast (default 14)
  min_daily_demand numeric    -- floor under daily demand in days-of-cover (default 0.1)
);
comment on type private.stock_thresholds is 'Stockout scoring thresholds of one tenant (tenants.settings.stock), defaults filled in.';

create or replace function private.stock_thresholds(settings jsonb)
returns private.stock_thresholds
language sql
immutable
set search_path = ''
as $$
  select row(
    coalesce((s ->> 'critical_days')::numeric, 1),
    coalesce((s ->> 'high_days')::numeric, 2),
    coalesce((s ->> 'medium_days')::numeric, 3),
    coalesce((s ->> 'clear_margin_days')::numeric, 1),
    coalesce((s ->> 'safety_days')::numeric, 2),
    coalesce((s ->> 'order_cycle_days')::numeric, 7),
    coalesce((s ->> 'forecast_horizon_days')::int, 7),
    coalesce((s ->> 'velocity_window_days')::int, 14),
    coalesce((s ->> 'min_daily_demand')::numeric, 0.1)
  )::private.stock_thresholds
  from (select coalesce(settings -> 'stock', '{}'::jsonb) as s) as stock
$$;
comment on function private.stock_thresholds(jsonb) is 'The stock thresholds in a tenant''s settings, with defaults (1/2/3 days critical/high/medium, 1 day hysteresis, 2 safety days, ...).';

-- Settings are validated where they are written, so scoring never meets a threshold it cannot read.
create or replace function private.tg_tenants__validate_stock_settings()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  t private.stock_thresholds;
begin
  begin
    t := private.stock_thresholds(new.settings);
  exception when others then
    raise exception 'Invalid settings.stock: every threshold must be a number (%)', sqlerrm using errcode = 'SW001';
  end;
  if not (0 <= t.critical_days and t.critical_days <= t.high_days and t.high_days <= t.medium_days) then
    raise exception 'Invalid settings.stock: need 0 <= critical_days <= high_days <= medium_days (got %, %, %)',
      t.critical_days, t.high_days, t.medium_days using errcode = 'SW001';
  end if;
  if t.clear_margin_days < 0 or t.safety_days < 0 or t.order_cycle_days < 0 or t.min_daily_demand <= 0 then
    raise exception 'Invalid settings.stock: clear_margin_days, safety_days and order_cycle_days must be >= 0 and min_daily_demand > 0'
      using errcode = 'SW001';
  end if;
  if t.forecast_horizon_days not between 1 and 90 or t.velocity_window_days not between 1 and 365 then
    raise exception 'Invalid settings.stock: forecast_horizon_days must be 1-90 and velocity_window_days 1-365'
      using errcode = 'SW001';
  end if;
  return new;
end;
$$;
comment on function private.tg_tenants__validate_stock_settings() is 'Rejects unreadable or inconsistent stock thresholds in tenants.settings (SW001).';

create trigger _100_validate_stock_settings before insert or update of settings on public.tenants
  for each row execute function private.tg_tenants__validate_stock_settings();

revoke all on function private.stock_thresholds(jsonb), private.tg_tenants__validate_stock_settings() from public;
grant execute on function private.stock_thresholds(jsonb) to authenticated, service_role;
