-- Web push subscriptions: one row per browser (service worker) a member has allowed to show
-- Shelfwatch notifications, as PushManager.subscribe() returns it (endpoint + keys). Routing only
-- sends push to members with at least one working subscription; the dispatcher sends each push
-- delivery to all of a member's subscriptions and stamps last_used_at / failed_at.
create table public.push_subscriptions (
  id uuid primary key default gen_random_uuid(),
  -- Defaults from the caller's JWT, so supabase-js can insert just the subscription itself.
  tenant_id uuid not null default private.jwt_tenant_id(),
  user_id uuid not null default auth.uid(),
  endpoint text not null constraint push_subscriptions_endpoint_https check (endpoint ~ '^https://[^\s/]+/\S*$' and length(endpoint) <= 2000),
  p256dh text not null constraint push_subscriptions_p256dh_base64url check (p256dh ~ '^[A-Za-z0-9_-]+=*$' and length(p256dh) between 16 and 200),
  auth text not null constraint push_subscriptions_auth_base64url check (auth ~ '^[A-Za-z0-9_-]+=*$' and length(auth) between 8 and 100),
  user_agent text constraint push_subscriptions_user_agent_length check (length(user_agent) <= 500),
  created_at timestamptz not null default private.now(),
  last_used_at timestamptz,
  -- Set by the dispatcher when the push service answers 404/410 (subscription gone); a failed
  -- subscription no longer counts as a usable push address.
  failed_at timestamptz,
  constraint push_subscriptions_member_fk foreign key (tenant_id, user_id)
    references public.tenant_members (tenant_id, user_id) on delete cascade,
  constraint push_subscriptions_endpoint_unique unique (tenant_id, endpoint)
);
comment on table public.push_subscriptions is 'Web push subscriptions (endpoint, p256dh and auth keys) of a tenant''s members; a member manages only their own. Routing sends push only to members with one that has not failed.';
comment on column public.push_subscriptions.endpoint is 'The push service URL from PushSubscription.endpoint (https); unique per tenant.';
comment on column public.push_subscriptions.failed_at is 'When the push service reported the subscription gone (404/410); set by the dispatcher, cleared by re-subscribing.';
create index push_subscriptions_member_idx on public.push_subscriptions (tenant_id, user_id) where failed_at is null;

alter table public.push_subscriptions enable row level security;
revoke all on public.push_subscriptions from anon, authenticated;
grant select, delete on public.push_subscriptions to authenticated;
-- last_used_at and failed_at are the dispatcher's; members may only register and refresh keys.
grant insert (tenant_id, user_id, endpoint, p256dh, auth, user_agent) on public.push_subscriptions to authenticated;
grant update (p256dh, auth, user_agent) on public.push_subscriptions to authenticated;
grant all on public.push_subscriptions to service_role;

create policy push_subscriptions_select on public.push_subscriptions for select to authenticated
  using (user_id = (select auth.uid()) and private.has_role(tenant_id, 'viewer'));
comment on policy push_subscriptions_select on public.push_subscriptions is 'A member sees only their own subscriptions: endpoints and keys address their browsers.';
create policy push_subscriptions_insert on public.push_subscriptions for insert to authenticated
  with check (user_id = (select auth.uid()) and private.has_role(tenant_id, 'viewer'));
comment on policy push_subscriptions_insert on public.push_subscriptions is 'Any active member (viewers too) registers their own browsers, never someone else''s.';
create policy push_subscriptions_update on public.push_subscriptions for update to authenticated
  using (user_id = (select auth.uid()) and private.has_role(tenant_id, 'viewer'))
  with check (user_id = (select auth.uid()) and private.has_role(tenant_id, 'viewer'));
comment on policy push_subscriptions_update on public.push_subscriptions is 'A member refreshes the keys of their own subscriptions only.';
create policy push_subscriptions_delete on public.push_subscriptions for delete to authenticated
  using (user_id = (select auth.uid()) and private.has_role(tenant_id, 'viewer'));
comment on policy push_subscriptions_delete on public.push_subscriptions is 'A member unsubscribes their own browsers only.';
