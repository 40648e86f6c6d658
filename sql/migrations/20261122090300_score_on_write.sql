-- Scoring on write: every statement that writes inventory, forecasts, inbound orders or sales
-- re-scores just the store x product rows it touched, in the same transaction, so a stock drop
-- is alerted at once instead of at the next cron run. Statement-level with transition tables:
-- a 10,000-row upsert scores once, set-based, not 10,000 times.
create or replace function private.tg_score_changed_items()
returns trigger
language plpgsql
security definer -- members who correct stock by hand may not write alerts themselves; scoring must
set search_path = ''
as $$
begin
  perform private.score_items(null, array(
    select distinct row(c.tenant_id, c.store_id, c.product_id)::private.item_key from changed_rows as c));
  return null;
end;
$$;
comment on function private.tg_score_changed_items() is 'After insert/update (per statement) on stock inputs: re-scores the touched store x product rows.';
revoke all on function private.tg_score_changed_items() from public;

create trigger _700_score_inserted after insert on public.inventory_levels
  referencing new table as changed_rows for each statement execute function private.tg_score_changed_items();
create trigger _700_score_updated after update on public.inventory_levels
  referencing new table as changed_rows for each statement execute function private.tg_score_changed_items();

create trigger _700_score_inserted after insert on public.demand_forecasts
  referencing new table as changed_rows for each statement execute function private.tg_score_changed_items();
create trigger _700_score_updated after update on public.demand_forecasts
  referencing new table as changed_rows for each statement execute function private.tg_score_changed_items();
create trigger _700_score_deleted after delete on public.demand_forecasts
  referencing old table as changed_rows for each statement execute function private.tg_score_changed_items();

create trigger _700_score_inserted after insert on public.inbound_orders
  referencing new table as changed_rows for each statement execute function private.tg_score_changed_items();
create trigger _700_score_updated after update on public.inbound_orders
  referencing new table as changed_rows for each statement execute function private.tg_score_changed_items();
create trigger _700_score_deleted after delete on public.inbound_orders
  referencing old table as changed_rows for each statement execute function private.tg_score_changed_items();

create trigger _700_score_inserted after insert on public.sales
  referencing new table as changed_rows for each statement execute function private.tg_score_changed_items();
create trigger _700_score_updated after update on public.sales
  referencing new table as changed_rows for each statement execute function private.tg_score_changed_items();
