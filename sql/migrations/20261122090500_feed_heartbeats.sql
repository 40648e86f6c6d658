-- Feed heartbeats: when each store's inventory, forecast and sales feeds last wrote anything.
-- Kept by statement-level triggers (one small upsert per store per statement), so checking for
-- silent feeds reads a table of a few rows per store instead of scanning the feeds themselves.
create table private.feed_heartbeats (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  store_id text not null,
  feed text not null constraint feed_heartbeats_feed_valid check (feed in ('inventory', 'forecast', 'sales')),
  last_seen_at timestamptz not null,
  primary key (tenant_id, store_id, feed)
);
comment on table private.feed_heartbeats is 'Last write per tenant x store x feed (inventory, forecast, sales); read by the data_stale check.';

create or replace function private.tg_record_feed_heartbeat()
returns trigger
language plpgsql
security definer -- feeds write as their own roles; the heartbeat table is internal
set search_path = ''
as $$
begin
  insert into private.feed_heartbeats as h (tenant_id, store_id, feed, last_seen_at)
  select distinct c.tenant_id, c.store_id, tg_argv[0], private.now()
  from changed_rows as c
  on conflict (tenant_id, store_id, feed) do update set last_seen_at = greatest(h.last_seen_at, excluded.last_seen_at);
  return null;
end;
$$;
comment on function private.tg_record_feed_heartbeat() is 'After insert/update (per statement) on a feed table: records that the feed (tg_argv[0]) wrote for each touched store.';
revoke all on function private.tg_record_feed_heartbeat() from public;

create trigger _710_record_heartbeat_inserted after insert on public.inventory_levels
  referencing new table as changed_rows for each statement execute function private.tg_record_feed_heartbeat('inventory');
create trigger _710_record_heartbeat_updated after update on public.inventory_levels
  referencing new table as changed_rows for each statement execute function private.tg_record_feed_heartbeat('inventory');
create trigger _710_record_heartbeat_inserted after insert on public.demand_forecasts
  referencing new table as changed_rows for each statement execute function private.tg_record_feed_heartbeat('forecast');
create trigger _710_record_heartbeat_updated after update on public.demand_forecasts
  referencing new table as changed_rows for each statement execute function private.tg_record_feed_heartbeat('forecast');
create trigger _710_record_heartbeat_inserted after insert on public.sales
  referencing new table as changed_rows for each statement execute function private.tg_record_feed_heartbeat('sales');
create trigger _710_record_heartbeat_updated after update on public.sales
  referencing new table as changed_rows for each statement execute function private.tg_record_feed_heartbeat('sales');
