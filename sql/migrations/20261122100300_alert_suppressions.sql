-- Alert suppressions: maintenance windows ("the freezer at store 12 is being repaired until 18:00,
-- stay quiet about it"). A suppression is in force while
--   starts_at <= private.now() < coalesce(ended_early_at, ends_at)
-- and covers an alert when its alert_types (null = every type; entries exact or prefix.*),
-- store_ids and product_ids (null = any) all admit the alert. A scoped list never covers an
-- alert that has no store or product. Events it covers are recorded as suppressed (naming the
-- suppression), open or repeat nothing and notify no one; public.raise_alert returns null.
-- Ending one early sets ended_early_at; suppressions are kept (not deleted) as the record of why
-- events were silenced.
create table public.alert_suppressions (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  alert_types text[],
  store_ids text[],
  product_ids text[],
  starts_at timestamptz not null default private.now(),
  ends_at timestamptz not null,
  reason text not null,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default private.now(),
  updated_at timestamptz not null default now(),
  ended_early_at timestamptz
);
comment on table public.alert_suppressions is
  'Maintenance windows: while in force (starts_at <= now < coalesce(ended_early_at, ends_at)) the alert types, stores and products they name raise no alerts and notify no one.';
comment on column public.alert_suppressions.alert_types is 'Alert types covered (exact, or prefix wildcard like inventory.*); null = every type.';
comment on column public.alert_suppressions.store_ids is 'Stores covered (the alert''s store_id; for events payload.store_id); null = any, including alerts without a store.';
comment on column public.alert_suppressions.product_ids is 'Products covered (the alert''s product_id; for events payload.product_id); null = any, including alerts without a product.';
comment on column public.alert_suppressions.ended_early_at is 'When a manager ended the window before ends_at; the suppression stops being in force then.';

create index alert_suppressions_tenant_ends on public.alert_suppressions (tenant_id, ends_at);

create or replace function private.tg_alert_suppressions__validate()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  bad text;
begin
  if new.alert_types is not null then
    if pg_catalog.cardinality(new.alert_types) = 0 then
      raise exception 'Invalid suppression: alert_types must list at least one alert type (or be null for every type)' using errcode = 'SW001';
    end if;
    select t into bad from pg_catalog.unnest(new.alert_types) as t
    where t is null or not (t ~ '^[a-z][a-z0-9_.]{0,63}$' or (pg_catalog.length(t) <= 66 and t ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.\*$'))
    limit 1;
    if found then
      raise exception 'Invalid suppression: alert_types entry "%" is not an alert type (low_stock) or prefix wildcard (inventory.*)',
        coalesce(bad, 'null') using errcode = 'SW001';
    end if;
  end if;
  if new.store_ids is not null and (pg_catalog.cardinality(new.store_ids) = 0 or pg_catalog.array_position(new.store_ids, null) is not null) then
    raise exception 'Invalid suppression: store_ids must list at least one store id (or be null for every store)' using errcode = 'SW001';
  end if;
  if new.product_ids is not null and (pg_catalog.cardinality(new.product_ids) = 0 or pg_catalog.array_position(new.product_ids, null) is not null) then
    raise exception 'Invalid suppression: product_ids must list at least one product id (or be null for every product)' using errcode = 'SW001';
  end if;
  if new.ends_at <= new.starts_at then
    raise exception 'Invalid suppression: ends_at must be after starts_at (got % to %)', new.starts_at, new.ends_at using errcode = 'SW001';
  end if;
  if new.reason is null or pg_catalog.length(pg_catalog.btrim(new.reason)) not between 1 and 500 then
    raise exception 'Invalid suppression: reason must be 1 to 500 characters' using errcode = 'SW001';
  end if;
  return new;
end;
$$;
comment on function private.tg_alert_suppressions__validate() is 'Before insert/update: rejects an invalid suppression with SW001 naming the field.';
create trigger _100_validate before insert or update on public.alert_suppressions
  for each row execute function private.tg_alert_suppressions__validate();
create trigger _900_set_updated_at before update on public.alert_suppressions
  for each row execute function private.tg_set_updated_at();

create or replace function private.suppression_covers(suppression public.alert_suppressions, alert_type text, store_id text, product_id text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select coalesce((suppression.alert_types is null or suppression.alert_types && private.routing_keys(alert_type))
                  and (suppression.store_ids is null or store_id = any (suppression.store_ids))
                  and (suppression.product_ids is null or product_id = any (suppression.product_ids)), false)
$$;
comment on function private.suppression_covers(public.alert_suppressions, text, text, text) is
  'Does this suppression''s scope (alert types, stores, products) cover an alert of this type, store and product? Says nothing about time.';

create or replace function private.suppression_in_force(suppression public.alert_suppressions, at timestamptz)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select suppression.starts_at <= at and at < coalesce(suppression.ended_early_at, suppression.ends_at)
$$;
comment on function private.suppression_in_force(public.alert_suppressions, timestamptz) is 'Is this suppression in force at this time (started, and neither ended nor ended early)?';

create or replace function private.active_suppression(tenant uuid, alert_type text, store_id text, product_id text)
returns public.alert_suppressions
language sql
stable
set search_path = ''
as $$
  select s.*
  from public.alert_suppressions as s
  where s.tenant_id = tenant
    and s.ends_at > private.now()
    and private.suppression_in_force(s, private.now())
    and private.suppression_covers(s, alert_type, store_id, product_id)
  order by s.starts_at, s.id
  limit 1
$$;
comment on function private.active_suppression(uuid, text, text, text) is
  'The suppression (the earliest started) silencing an alert of this type, store and product of this tenant right now, or null.';

-- Only the engine's own security definer code (event processing, raise_alert) asks these.
revoke all on function private.tg_alert_suppressions__validate(), private.suppression_covers(public.alert_suppressions, text, text, text),
  private.suppression_in_force(public.alert_suppressions, timestamptz), private.active_suppression(uuid, text, text, text) from public;

alter table public.alert_suppressions enable row level security;
revoke all on public.alert_suppressions from anon, authenticated;
grant select on public.alert_suppressions to authenticated;
grant insert (id, tenant_id, alert_types, store_ids, product_ids, starts_at, ends_at, reason) on public.alert_suppressions to authenticated;
grant update (alert_types, store_ids, product_ids, starts_at, ends_at, reason, ended_early_at) on public.alert_suppressions to authenticated;
grant all on public.alert_suppressions to service_role;

create policy alert_suppressions_select on public.alert_suppressions for select to authenticated
  using (private.has_role(tenant_id, 'viewer'));
comment on policy alert_suppressions_select on public.alert_suppressions is 'Members (any role) see which maintenance windows keep alerts quiet.';
create policy alert_suppressions_insert on public.alert_suppressions for insert to authenticated
  with check (private.has_role(tenant_id, 'manager'));
comment on policy alert_suppressions_insert on public.alert_suppressions is 'Managers and owners plan maintenance windows.';
create policy alert_suppressions_update on public.alert_suppressions for update to authenticated
  using (private.has_role(tenant_id, 'manager')) with check (private.has_role(tenant_id, 'manager'));
comment on policy alert_suppressions_update on public.alert_suppressions is 'Managers and owners change or end a window early; nobody deletes one (it explains why events were suppressed).';
