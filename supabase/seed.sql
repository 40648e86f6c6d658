-- Demo data for the local stack (and `supabase db reset` on a development project). Idempotent,
-- so it can be re-applied whenever it changes. The tenant and users match local/demo.ts, whose
-- tokens `./shelfwatch start` prints.
--
-- Crumb & Co., a small bakery chain in Berlin: three stores, eight products, and stock levels
-- chosen so the engine has something to say the moment the data lands (inserting inventory
-- scores it at once): one item out of stock, several about to run out, one covered by an inbound
-- delivery, one below its reorder point, and plenty that are fine.

insert into public.tenants (id, name, timezone, settings)
values ('00000000-0000-4000-8000-00000000d3e0', 'Crumb & Co. Bakeries', 'Europe/Berlin', '{"currency": "EUR"}')
on conflict (id) do nothing;

insert into public.tenant_members (tenant_id, user_id, role, display_name, email, phone, whatsapp, sms_consent, whatsapp_consent, push_consent, store_ids)
values
  ('00000000-0000-4000-8000-00000000d3e0', '00000000-0000-4000-8000-0000000000a1', 'owner', 'Olivia Owner', 'olivia.owner@demo.shelfwatch.dev', '+4915100000001', '+4915100000001', true, true, true, null),
  ('00000000-0000-4000-8000-00000000d3e0', '00000000-0000-4000-8000-0000000000a2', 'manager', 'Marco Manager', 'marco.manager@demo.shelfwatch.dev', '+4915100000002', null, true, false, true, null),
  ('00000000-0000-4000-8000-00000000d3e0', '00000000-0000-4000-8000-0000000000a3', 'staff', 'Sam Staff', 'sam.staff@demo.shelfwatch.dev', '+4915100000003', null, true, false, true, array['mitte']),
  ('00000000-0000-4000-8000-00000000d3e0', '00000000-0000-4000-8000-0000000000a4', 'viewer', 'Vera Viewer', 'vera.viewer@demo.shelfwatch.dev', null, null, false, false, false, null)
on conflict (tenant_id, user_id) do nothing;

insert into public.stores (tenant_id, id, name, timezone, opening_hours, address)
values
  ('00000000-0000-4000-8000-00000000d3e0', 'mitte', 'Mitte', 'Europe/Berlin', '{"mon": [["06:30", "19:00"]], "tue": [["06:30", "19:00"]], "wed": [["06:30", "19:00"]], "thu": [["06:30", "19:00"]], "fri": [["06:30", "19:00"]], "sat": [["07:00", "16:00"]], "sun": []}', 'Torstraße 1, Berlin'),
  ('00000000-0000-4000-8000-00000000d3e0', 'kreuzberg', 'Kreuzberg', 'Europe/Berlin', '{"mon": [["07:00", "19:00"]], "sat": [["08:00", "16:00"]]}', 'Oranienstraße 2, Berlin'),
  ('00000000-0000-4000-8000-00000000d3e0', 'prenzlauer-berg', 'Prenzlauer Berg', 'Europe/Berlin', '{}', 'Kastanienallee 3, Berlin')
on conflict (tenant_id, id) do nothing;

insert into public.products (tenant_id, id, name, category, unit, perishable)
values
  ('00000000-0000-4000-8000-00000000d3e0', 'sourdough', 'Sourdough loaf', 'bread', 'loaf', true),
  ('00000000-0000-4000-8000-00000000d3e0', 'rye', 'Rye bread', 'bread', 'loaf', true),
  ('00000000-0000-4000-8000-00000000d3e0', 'croissant', 'Butter croissant', 'pastry', 'piece', true),
  ('00000000-0000-4000-8000-00000000d3e0', 'pretzel', 'Pretzel', 'pastry', 'piece', true),
  ('00000000-0000-4000-8000-00000000d3e0', 'flour-t550', 'Flour T550 (25 kg)', 'ingredient', 'sack', false),
  ('00000000-0000-4000-8000-00000000d3e0', 'butter', 'Butter (10 kg)', 'ingredient', 'block', true),
  ('00000000-0000-4000-8000-00000000d3e0', 'coffee-beans', 'Coffee beans (1 kg)', 'cafe', 'bag', false),
  ('00000000-0000-4000-8000-00000000d3e0', 'oat-milk', 'Oat milk (1 l)', 'cafe', 'carton', false)
on conflict (tenant_id, id) do nothing;

-- Forecasts for the coming week (demand per day), before inventory, so inventory is scored
-- against them the moment it lands.
insert into public.demand_forecasts (tenant_id, store_id, product_id, forecast_date, forecasted_demand)
select '00000000-0000-4000-8000-00000000d3e0', f.store_id, f.product_id, current_date + day, f.per_day
from (values
  ('mitte', 'sourdough', 40), ('mitte', 'croissant', 120), ('mitte', 'pretzel', 60), ('mitte', 'rye', 15),
  ('mitte', 'butter', 1.5), ('mitte', 'flour-t550', 2), ('mitte', 'coffee-beans', 3), ('mitte', 'oat-milk', 12),
  ('kreuzberg', 'sourdough', 30), ('kreuzberg', 'croissant', 90), ('kreuzberg', 'pretzel', 45), ('kreuzberg', 'butter', 1),
  ('prenzlauer-berg', 'sourdough', 25), ('prenzlauer-berg', 'croissant', 80), ('prenzlauer-berg', 'oat-milk', 20)
) as f (store_id, product_id, per_day)
cross join generate_series(0, 6) as day
on conflict (tenant_id, store_id, product_id, forecast_date) do nothing;

-- Two weeks of sales where the forecasting system has nothing (rye in Kreuzberg).
insert into public.sales (tenant_id, store_id, product_id, sales_date, quantity)
select '00000000-0000-4000-8000-00000000d3e0', 'kreuzberg', 'rye', current_date - day, 10 + (day % 3)
from generate_series(1, 14) as day
on conflict (tenant_id, store_id, product_id, sales_date) do nothing;

-- Butter for Kreuzberg is low, but a delivery arrives tomorrow morning.
insert into public.inbound_orders (tenant_id, external_id, store_id, product_id, quantity, expected_at, supplier)
values ('00000000-0000-4000-8000-00000000d3e0', 'PO-1042-1', 'kreuzberg', 'butter', 10, current_date + interval '1 day 6 hours', 'Molkerei Nord')
on conflict (tenant_id, external_id) do nothing;

insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand, reorder_point, lead_time_days, unit_cost, unit_price)
values
  -- Mitte
  ('00000000-0000-4000-8000-00000000d3e0', 'mitte', 'sourdough', 30, 40, 1, 1.80, 4.90),      -- under a day of cover: critical
  ('00000000-0000-4000-8000-00000000d3e0', 'mitte', 'croissant', 200, 150, 1, 0.45, 1.60),    -- 1.7 days: high
  ('00000000-0000-4000-8000-00000000d3e0', 'mitte', 'pretzel', 500, 60, 1, 0.30, 1.20),       -- fine
  ('00000000-0000-4000-8000-00000000d3e0', 'mitte', 'rye', 50, 20, 1, 1.50, 4.20),            -- fine
  ('00000000-0000-4000-8000-00000000d3e0', 'mitte', 'butter', 5, 4, 3, 42.00, null),          -- 3.3 days, lead 3: reorder
  ('00000000-0000-4000-8000-00000000d3e0', 'mitte', 'flour-t550', 40, 10, 5, 18.50, null),    -- fine
  ('00000000-0000-4000-8000-00000000d3e0', 'mitte', 'coffee-beans', 0, 5, 2, 14.00, 24.00),   -- out of stock
  ('00000000-0000-4000-8000-00000000d3e0', 'mitte', 'oat-milk', 80, 24, 2, 1.10, 2.50),       -- fine
  -- Kreuzberg
  ('00000000-0000-4000-8000-00000000d3e0', 'kreuzberg', 'sourdough', 75, 30, 1, 1.80, 4.90),  -- 2.5 days: medium
  ('00000000-0000-4000-8000-00000000d3e0', 'kreuzberg', 'croissant', 600, 100, 1, 0.45, 1.60),-- fine
  ('00000000-0000-4000-8000-00000000d3e0', 'kreuzberg', 'pretzel', 300, 50, 1, 0.30, 1.20),   -- fine
  ('00000000-0000-4000-8000-00000000d3e0', 'kreuzberg', 'rye', 25, 15, 1, 1.50, 4.20),        -- sales velocity: about 2 days
  ('00000000-0000-4000-8000-00000000d3e0', 'kreuzberg', 'butter', 1.5, 3, 2, 42.00, null),    -- covered by tomorrow's delivery
  -- Prenzlauer Berg
  ('00000000-0000-4000-8000-00000000d3e0', 'prenzlauer-berg', 'sourdough', 300, 40, 1, 1.80, 4.90),
  ('00000000-0000-4000-8000-00000000d3e0', 'prenzlauer-berg', 'croissant', 900, 100, 1, 0.45, 1.60),
  ('00000000-0000-4000-8000-00000000d3e0', 'prenzlauer-berg', 'oat-milk', 30, 40, 2, 1.10, 2.50) -- 1.5 days (and under its reorder point): high
on conflict (tenant_id, store_id, product_id) do update
  set on_hand = excluded.on_hand, reorder_point = excluded.reorder_point, lead_time_days = excluded.lead_time_days,
      unit_cost = excluded.unit_cost, unit_price = excluded.unit_price;

-- One rule, so events from the bakeries' other systems become alerts too: a freezer log
-- reporting above -15 °C raises a high alert per freezer, repeats within an hour update it, and
-- the manager hears again every 5th reading.
insert into public.alert_rules (id, tenant_id, name, event_types, conditions, severity, category, alert_type,
  title_template, description_template, recommended_action_template, dedup_key_template,
  aggregation_window_minutes, notify_every)
values ('00000000-0000-4000-8000-0000000000f1', '00000000-0000-4000-8000-00000000d3e0', 'Freezer too warm',
  array['quality.temperature'], '[{"path": "temperature", "op": "gt", "value": -15}]', 'high', 'quality', 'quality.freezer_warm',
  'Freezer {{payload.freezer}} at {{payload.store_id}} is at {{payload.temperature}} °C',
  'The freezer log reported {{payload.temperature}} °C; frozen stock must stay at -18 °C or below.',
  'Check the door seal and the compressor of freezer {{payload.freezer}}; move stock to another freezer if it stays above -15 °C.',
  'freezer:{{payload.store_id}}:{{payload.freezer}}', 60, 5)
on conflict (id) do nothing;
