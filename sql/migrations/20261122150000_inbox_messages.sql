-- The local inbox: what Shelfwatch would have sent, kept instead of sending when a channel's
-- provider is not configured (no Resend/SendGrid key, no Twilio account, no VAPID keys, or
-- webhooks turned to the inbox). What Inbucket is for `supabase start`: a new user sees every
-- email, SMS, WhatsApp, push and webhook exactly as it would have gone out. Written only by the
-- dispatcher (service_role); read with GET /functions/v1/notify/inbox or the local stack's
-- /inbox page.
create table public.inbox_messages (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  -- The member it was for; null for a tenant destination (Slack, Discord, webhook).
  user_id uuid,
  delivery_id uuid references public.deliveries (id) on delete set null,
  channel text not null constraint inbox_messages_channel_valid check (channel in ('email', 'sms', 'whatsapp', 'push', 'slack', 'discord', 'webhook')),
  -- The address (email, phone, push endpoint's origin, webhook host): never a URL's secret part.
  recipient text not null constraint inbox_messages_recipient_length check (length(recipient) <= 2000),
  subject text constraint inbox_messages_subject_length check (length(subject) <= 2000),
  body_text text constraint inbox_messages_body_text_length check (length(body_text) <= 100000),
  body_html text constraint inbox_messages_body_html_length check (length(body_html) <= 200000),
  body_json jsonb,
  created_at timestamptz not null default now()
);
comment on table public.inbox_messages is 'The local inbox: messages the dispatcher would have sent to a provider that is not configured (channel, recipient, subject, text, HTML, JSON, delivery, time). Written only by the dispatcher.';
comment on column public.inbox_messages.recipient is 'Where it would have gone: an email address, a phone number, a push service origin or a webhook host (a webhook URL''s path, which carries its token, is left out).';

create index inbox_messages_tenant_recent_idx on public.inbox_messages (tenant_id, created_at desc);
create index inbox_messages_member_recent_idx on public.inbox_messages (tenant_id, user_id, created_at desc);
create index inbox_messages_delivery_idx on public.inbox_messages (delivery_id) where delivery_id is not null;

alter table public.inbox_messages enable row level security;
revoke all on public.inbox_messages from anon, authenticated;
grant select on public.inbox_messages to authenticated;
grant all on public.inbox_messages to service_role;

create policy inbox_messages_select on public.inbox_messages for select to authenticated
  using (private.has_role(tenant_id, 'manager')
         or (user_id = (select auth.uid()) and private.has_role(tenant_id, 'viewer')));
comment on policy inbox_messages_select on public.inbox_messages is 'Members read the messages addressed to them; managers and owners read all of their tenant''s (as with deliveries). Nobody but the dispatcher writes.';
