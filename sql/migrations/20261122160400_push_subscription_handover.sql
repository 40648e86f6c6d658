-- Push subscriptions on a shared device: the browser belongs to whoever subscribed it last.
--
-- A push endpoint is one browser profile's service worker, and it is unique per tenant
-- (push_subscriptions_endpoint_unique). On a device members share (the back-office PC, a store
-- tablet), a second member who turns notifications on sends the same endpoint. Refusing it left
-- that member with no way to get notified there (they cannot see or remove the first member's
-- row), while the device kept showing the first member's alerts to whoever now uses it. What
-- users expect, as with a device token after a new login, is that the device now notifies the
-- member who subscribed it: the insert moves the endpoint to the new member (the earlier member's
-- row for it is removed, so that member is no longer sent pushes on this device). The same member
-- subscribing again simply replaces their row (fresh keys, failed_at cleared): the latest
-- subscription of a browser wins.
--
-- Knowing an endpoint is what proves holding the browser: endpoints are capability URLs only the
-- browser and its push service know, and members cannot read each other's (RLS). Endpoints stay
-- per tenant: the same browser subscribed in two tenants is two rows, as before.

-- security definer: the new member cannot see, let alone delete, another member's row (RLS).
create or replace function private.tg_push_subscriptions__hand_over()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.push_subscriptions as s
  where s.tenant_id = new.tenant_id and s.endpoint = new.endpoint;
  return new;
end;
$$;
comment on function private.tg_push_subscriptions__hand_over() is
  'Before insert (per row): removes the tenant''s earlier subscription of the same endpoint (another member''s or one''s own), so a shared browser moves to the member who subscribed it last.';
revoke all on function private.tg_push_subscriptions__hand_over() from public;

create trigger _100_hand_over before insert on public.push_subscriptions
  for each row execute function private.tg_push_subscriptions__hand_over();
comment on trigger _100_hand_over on public.push_subscriptions is
  'A browser (endpoint) subscribed by a second member of the tenant moves to that member.';
