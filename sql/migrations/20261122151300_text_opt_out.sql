-- SMS and WhatsApp opt-out: a reply of STOP (or Twilio's other opt-out words) from a number
-- withdraws the consent of every member with that number on that channel, so routing
-- (20261122110500, which sends sms/whatsapp only with consent) writes no more deliveries to it,
-- and the pending ones still in the outbox are cancelled. START (or YES, UNSTOP) gives consent
-- back, but only where the number is verified: nothing is sent to an unverified number anyway.
-- Inbound replies find their member by number, hence the indexes.
create index tenant_members_phone_idx on public.tenant_members (phone) where phone is not null;
create index tenant_members_whatsapp_idx on public.tenant_members (whatsapp) where whatsapp is not null;

create or replace function public.set_text_opt_out(number text, channel text, opted_out boolean)
returns int
language plpgsql
volatile
set search_path = ''
as $$
declare
  changed int;
begin
  if set_text_opt_out.channel is null or set_text_opt_out.channel not in ('sms', 'whatsapp') then
    raise exception 'Cannot record an opt-out: channel must be sms or whatsapp (got %)', coalesce(set_text_opt_out.channel, 'null')
      using errcode = 'SW001';
  end if;
  if set_text_opt_out.number is null or set_text_opt_out.number !~ '^\+[1-9][0-9]{6,14}$' then
    raise exception 'Cannot record an opt-out: number must be E.164 like +15551234567 (got %)', coalesce(set_text_opt_out.number, 'null')
      using errcode = 'SW001';
  end if;
  if set_text_opt_out.opted_out is null then
    raise exception 'Cannot record an opt-out: opted_out must be true or false' using errcode = 'SW001';
  end if;
  with members as (
    update public.tenant_members as m
    set sms_consent = case when set_text_opt_out.channel = 'sms' then not set_text_opt_out.opted_out else m.sms_consent end,
        whatsapp_consent = case when set_text_opt_out.channel = 'whatsapp' then not set_text_opt_out.opted_out else m.whatsapp_consent end
    where case set_text_opt_out.channel
            when 'sms' then m.phone = set_text_opt_out.number
                            and (set_text_opt_out.opted_out or m.phone_verified_at is not null)
            else m.whatsapp = set_text_opt_out.number
                 and (set_text_opt_out.opted_out or m.whatsapp_verified_at is not null)
          end
    returning m.tenant_id, m.user_id
  ), cancelled as (
    update public.deliveries as d
    set status = 'cancelled', error_reason = 'unsubscribed', last_error = 'The recipient replied STOP'
    from members
    where set_text_opt_out.opted_out
      and d.tenant_id = members.tenant_id and d.user_id = members.user_id
      and d.channel = set_text_opt_out.channel and d.status = 'pending'
    returning 1
  )
  select count(*) into changed from members;
  return changed;
end;
$$;
comment on function public.set_text_opt_out(text, text, boolean) is 'For the notify function (service_role), on an inbound STOP/START: withdraws (opted_out true, also cancelling pending deliveries on that channel) or restores (false; verified numbers only) the sms or whatsapp consent of every member with this number. Returns how many members changed. SW001 bad channel or number.';

revoke all on function public.set_text_opt_out(text, text, boolean) from public, anon, authenticated;
grant execute on function public.set_text_opt_out(text, text, boolean) to service_role;
