-- Phone verification: a member's SMS number (phone) and WhatsApp number must be proven with a
-- code before routing (20261122110500) sends them alerts; routing already requires
-- phone_verified_at / whatsapp_verified_at, and changing a number clears them (20261122070100).
--
-- The notify function makes a 6-digit code, stores it through public.create_phone_verification()
-- as the system (only a hash is kept, salted with the verification's id) and texts it to the
-- number. The member types it back; public.confirm_phone_verification() runs under the member's
-- own claims and checks it: at most max_attempts tries, within expires_at, for the number that was
-- texted (a number changed since then is not verified by an old code). Wrong tries are counted
-- (confirm returns an outcome rather than raising, so the count is not rolled back with the
-- error). A new request voids the member's open codes for that channel; at most 5 requests per
-- member and channel per hour (SW006).
create table public.phone_verifications (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  user_id uuid not null,
  channel text not null constraint phone_verifications_channel_valid check (channel in ('sms', 'whatsapp')),
  number text not null constraint phone_verifications_number_e164 check (number ~ '^\+[1-9][0-9]{6,14}$'),
  -- sha256(id || ':' || code): the code itself is never stored.
  code_hash bytea not null,
  attempts int not null default 0 constraint phone_verifications_attempts_nonnegative check (attempts >= 0),
  max_attempts int not null default 5 constraint phone_verifications_max_attempts_range check (max_attempts between 1 and 20),
  expires_at timestamptz not null,
  confirmed_at timestamptz,
  created_at timestamptz not null default private.now(),
  foreign key (tenant_id, user_id) references public.tenant_members (tenant_id, user_id) on delete cascade
);
comment on table public.phone_verifications is 'Codes texted to a member''s SMS or WhatsApp number to prove it is theirs: hashed, short-lived, with an attempt limit. Written only by create_/confirm_phone_verification().';
create index phone_verifications_member_idx on public.phone_verifications (tenant_id, user_id, channel, created_at desc);

alter table public.phone_verifications enable row level security;
revoke all on public.phone_verifications from anon, authenticated;
grant all on public.phone_verifications to service_role;
-- No policy for authenticated: even hashed, a 6-digit code is guessable offline, so members
-- never read these rows; they only call confirm_phone_verification().

create or replace function private.verification_code_hash(verification_id uuid, code text)
returns bytea
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.sha256(pg_catalog.convert_to(verification_id::text || ':' || code, 'UTF8'))
$$;
comment on function private.verification_code_hash(uuid, text) is 'How a verification code is stored: sha256 of the verification id, a colon and the code.';

create or replace function public.create_phone_verification(
  tenant_id uuid,
  user_id uuid,
  channel text,
  code text,
  ttl_seconds int default 600
)
returns table (verification_id uuid, number text, expires_at timestamptz)
language plpgsql
volatile
set search_path = ''
as $$
declare
  member public.tenant_members;
  target_number text;
  new_id uuid := gen_random_uuid();
  recent int;
begin
  if create_phone_verification.channel is null or create_phone_verification.channel not in ('sms', 'whatsapp') then
    raise exception 'Cannot start a phone verification: channel must be sms or whatsapp (got %)',
      coalesce(create_phone_verification.channel, 'null') using errcode = 'SW001';
  end if;
  if create_phone_verification.code is null or create_phone_verification.code !~ '^[0-9]{6}$' then
    raise exception 'Cannot start a phone verification: code must be 6 digits' using errcode = 'SW001';
  end if;
  if create_phone_verification.ttl_seconds is null or create_phone_verification.ttl_seconds not between 60 and 86400 then
    raise exception 'Cannot start a phone verification: ttl_seconds must be between 60 and 86400 (got %)',
      coalesce(create_phone_verification.ttl_seconds::text, 'null') using errcode = 'SW001';
  end if;
  select m.* into member
  from public.tenant_members as m
  where m.tenant_id = create_phone_verification.tenant_id and m.user_id = create_phone_verification.user_id and m.active
  for update;
  if not found then
    raise exception 'Cannot start a phone verification: no active member % in tenant %',
      create_phone_verification.user_id, create_phone_verification.tenant_id using errcode = 'SW002';
  end if;
  target_number := case create_phone_verification.channel when 'sms' then member.phone else member.whatsapp end;
  if target_number is null then
    raise exception 'Cannot start a phone verification: % is not set for this member',
      case create_phone_verification.channel when 'sms' then 'phone' else 'whatsapp' end
      using errcode = 'SW001', hint = 'Set the number first (PATCH /alerts/members/me).';
  end if;
  select count(*) into recent
  from public.phone_verifications as v
  where v.tenant_id = member.tenant_id and v.user_id = member.user_id and v.channel = create_phone_verification.channel
    and v.created_at > private.now() - interval '1 hour';
  if recent >= 5 then
    raise exception 'Cannot start a phone verification: 5 codes were already sent for % in the last hour', create_phone_verification.channel
      using errcode = 'SW006', hint = 'Wait, then request a new code.';
  end if;
  -- A new code voids the open ones.
  update public.phone_verifications as v
  set expires_at = private.now()
  where v.tenant_id = member.tenant_id and v.user_id = member.user_id and v.channel = create_phone_verification.channel
    and v.confirmed_at is null and v.expires_at > private.now();
  insert into public.phone_verifications (id, tenant_id, user_id, channel, number, code_hash, expires_at)
  values (new_id, member.tenant_id, member.user_id, create_phone_verification.channel, target_number,
          private.verification_code_hash(new_id, create_phone_verification.code),
          private.now() + pg_catalog.make_interval(secs => create_phone_verification.ttl_seconds));
  return query
    select v.id, v.number, v.expires_at from public.phone_verifications as v where v.id = new_id;
end;
$$;
comment on function public.create_phone_verification(uuid, uuid, text, text, int) is 'For the notify function (service_role): stores a new verification code (hashed) for a member''s sms (phone) or whatsapp number, voiding their open codes for that channel, and returns the number to text it to. SW001 bad channel/code or no number set, SW002 no such active member, SW006 more than 5 requests per hour.';

-- security definer: members may not read phone_verifications nor set their own *_verified_at;
-- this function lets them do exactly one thing, prove a code for their own number, judged by
-- their own JWT (tenant from app_metadata, user from sub).
create or replace function public.confirm_phone_verification(channel text, code text)
returns table (outcome text, attempts_left int)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  tenant uuid := private.jwt_tenant_id();
  caller uuid := auth.uid();
  v public.phone_verifications;
  current_number text;
begin
  if private.member_role(tenant) is null then
    raise exception 'Cannot confirm a phone verification: the caller is not an active member of the tenant named in their token'
      using errcode = 'SW005';
  end if;
  if confirm_phone_verification.channel is null or confirm_phone_verification.channel not in ('sms', 'whatsapp') then
    raise exception 'Cannot confirm a phone verification: channel must be sms or whatsapp (got %)',
      coalesce(confirm_phone_verification.channel, 'null') using errcode = 'SW001';
  end if;
  select pv.* into v
  from public.phone_verifications as pv
  where pv.tenant_id = tenant and pv.user_id = caller and pv.channel = confirm_phone_verification.channel
    and pv.confirmed_at is null
  order by pv.created_at desc
  limit 1
  for update;
  if not found then
    return query select 'no_code'::text, 0;
    return;
  end if;
  if v.expires_at <= private.now() then
    return query select 'expired'::text, 0;
    return;
  end if;
  if v.attempts >= v.max_attempts then
    return query select 'too_many_attempts'::text, 0;
    return;
  end if;
  update public.phone_verifications as pv set attempts = pv.attempts + 1 where pv.id = v.id;
  if confirm_phone_verification.code is null
     or private.verification_code_hash(v.id, confirm_phone_verification.code) <> v.code_hash then
    return query select 'wrong_code'::text, v.max_attempts - v.attempts - 1;
    return;
  end if;
  select case confirm_phone_verification.channel when 'sms' then m.phone else m.whatsapp end into current_number
  from public.tenant_members as m
  where m.tenant_id = tenant and m.user_id = caller;
  if current_number is distinct from v.number then
    update public.phone_verifications as pv set expires_at = private.now() where pv.id = v.id;
    return query select 'number_changed'::text, 0;
    return;
  end if;
  update public.phone_verifications as pv set confirmed_at = private.now() where pv.id = v.id;
  update public.tenant_members as m
  set phone_verified_at = case when confirm_phone_verification.channel = 'sms' then private.now() else m.phone_verified_at end,
      whatsapp_verified_at = case when confirm_phone_verification.channel = 'whatsapp' then private.now() else m.whatsapp_verified_at end
  where m.tenant_id = tenant and m.user_id = caller;
  return query select 'verified'::text, v.max_attempts - v.attempts - 1;
end;
$$;
comment on function public.confirm_phone_verification(text, text) is 'For a member (their own JWT): checks the code last texted to their sms or whatsapp number and, if right, marks the number verified. Returns an outcome instead of raising so wrong tries stay counted: verified, wrong_code (attempts_left says how many remain), expired, too_many_attempts, no_code, number_changed. SW005 not a member, SW001 bad channel.';

revoke all on function public.create_phone_verification(uuid, uuid, text, text, int), public.confirm_phone_verification(text, text),
  private.verification_code_hash(uuid, text) from public, anon, authenticated;
grant execute on function public.create_phone_verification(uuid, uuid, text, text, int) to service_role;
grant execute on function public.confirm_phone_verification(text, text) to authenticated;
grant execute on function private.verification_code_hash(uuid, text) to service_role;
