-- One-click action links (functions/notify/action_link_token.ts) are signed JWTs naming a member,
-- an alert and an action; each carries a jti. The notify function inserts the jti here in the
-- same transaction as the lifecycle call it makes under the member's claims, so a link acts at
-- most once: a second POST of the same link finds its jti and changes nothing. Rows are kept
-- until the link would have expired anyway, then private.purge_action_link_uses() drops them.
create table public.action_link_uses (
  jti uuid primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  alert_id uuid not null,
  user_id uuid not null,
  action text not null constraint action_link_uses_action_valid check (action in ('acknowledge', 'resolve', 'snooze')),
  used_at timestamptz not null default private.now(),
  expires_at timestamptz not null
);
comment on table public.action_link_uses is 'Action links already used (by jti): a link acknowledges, resolves or snoozes once. Written by the notify function as the system; kept until the link''s own expiry.';
create index action_link_uses_expires_idx on public.action_link_uses (expires_at);

alter table public.action_link_uses enable row level security;
revoke all on public.action_link_uses from anon, authenticated;
grant all on public.action_link_uses to service_role;
-- No policy for authenticated: members never read or write used links; the alert's history
-- (alert_history) already says who acted and when.

create or replace function private.purge_action_link_uses()
returns int
language sql
volatile
set search_path = ''
as $$
  with gone as (
    delete from public.action_link_uses as u where u.expires_at < private.now() returning 1
  )
  select count(*)::int from gone
$$;
comment on function private.purge_action_link_uses() is 'Drops used-link records whose links have expired (an expired link is refused by its signature check anyway); returns how many. Scheduled daily.';
revoke all on function private.purge_action_link_uses() from public;
grant execute on function private.purge_action_link_uses() to service_role;

do $$
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
    perform cron.schedule('shelfwatch_purge_action_link_uses', '41 3 * * *', 'select private.purge_action_link_uses()');
  end if;
end $$;
