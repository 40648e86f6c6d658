-- pgTAP tests for tenancy: public.tenants, public.tenant_members and the role helpers in schema
-- private (jwt_tenant_id, member_role, has_role). Two tenants, A and B, each with an owner, a
-- manager, a staff member and a viewer; A also has an inactive manager. "A member of A whose JWT
-- names B" is A's owner signing in with app_metadata.tenant_id = B.
-- Everything runs in one transaction that is rolled back.
begin;
set local search_path = extensions, public;

select plan(106);

-- ------------------------------------------------------------------ fixtures
-- Ids live in a temp table (no psql variables: the Supabase CLI runs these files too).
create temp table ids as
with t as materialized (
  select tests.create_tenant('Alpha Bakery', 'Europe/Berlin') as tenant_a,
         tests.create_tenant('Beta Grocer', 'America/New_York') as tenant_b
)
select t.tenant_a, t.tenant_b,
       tests.create_member(t.tenant_a, 'owner') as a_owner,
       tests.create_member(t.tenant_a, 'manager') as a_manager,
       tests.create_member(t.tenant_a, 'staff', array['a-1']) as a_staff,
       tests.create_member(t.tenant_a, 'viewer') as a_viewer,
       tests.create_member(t.tenant_a, 'manager') as a_inactive,
       tests.create_member(t.tenant_b, 'owner') as b_owner,
       tests.create_member(t.tenant_b, 'manager') as b_manager,
       tests.create_member(t.tenant_b, 'staff') as b_staff,
       tests.create_member(t.tenant_b, 'viewer') as b_viewer,
       gen_random_uuid() as newcomer
from t;
grant select on ids to authenticated, service_role;

update public.tenant_members set active = false where user_id = (select a_inactive from ids);

-- Sets the JWT claims by hand and returns what private.jwt_tenant_id() makes of them.
create function pg_temp.jwt_tenant_for(claims text)
returns uuid
language plpgsql
as $$
begin
  perform set_config('request.jwt.claims', claims, true);
  return private.jwt_tenant_id();
end;
$$;

-- =================================================================== tenants (22)

-- Each member reads exactly one tenant: their own.
select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select results_eq('select id from public.tenants', 'select tenant_a from ids',
  'an owner of A reads exactly one tenant, A');
select tests.clear_authentication();

select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select results_eq('select id from public.tenants', 'select tenant_a from ids',
  'a manager of A reads exactly one tenant, A');
select tests.clear_authentication();

select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
select results_eq('select id from public.tenants', 'select tenant_a from ids',
  'a staff member of A reads exactly one tenant, A');
select tests.clear_authentication();

select tests.authenticate_as((select a_viewer from ids), (select tenant_a from ids));
select results_eq('select id from public.tenants', 'select tenant_a from ids',
  'a viewer of A reads exactly one tenant, A');
select tests.clear_authentication();

select tests.authenticate_as((select b_viewer from ids), (select tenant_a from ids));
select is_empty('select id from public.tenants',
  'a viewer of B whose JWT names A reads no tenant');
select tests.clear_authentication();

-- A JWT naming another tenant grants nothing there, and nothing at home either.
select tests.authenticate_as((select a_owner from ids), (select tenant_b from ids));
select is_empty('select id from public.tenants',
  'an owner of A whose JWT names B reads no tenant at all');
select results_eq(
  $$ with w as (update public.tenants set name = 'Taken over' where id in (select tenant_a from ids union all select tenant_b from ids) returning 1)
     select count(*)::int from w $$,
  $$ values (0) $$,
  'an owner of A whose JWT names B can rename neither A nor B');
select tests.clear_authentication();
select results_eq(
  $$ select name from public.tenants where id in (select tenant_a from ids union all select tenant_b from ids) order by name $$,
  $$ values ('Alpha Bakery'::text), ('Beta Grocer'::text) $$,
  'both tenants keep their names after the attempt with the wrong JWT');

-- The owner configures the tenant. To see the update stamp updated_at, backdate it first with
-- triggers off (the updated_at trigger would overwrite any value an update sets).
set local session_replication_role = replica;
update public.tenants set updated_at = '2020-01-01 00:00+00' where id = (select tenant_a from ids);
set local session_replication_role = origin;
select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select results_eq(
  $$ update public.tenants set name = 'Alpha Bakeries', timezone = 'Asia/Tokyo', settings = '{"digest": {"hour": 7}}'
      where id = (select tenant_a from ids) returning name, timezone, public.tenant_settings(id) is not null $$,
  $$ values ('Alpha Bakeries'::text, 'Asia/Tokyo'::text, true) $$,
  'an owner can change their tenant''s name, time zone and settings');
select tests.clear_authentication();
select is((select updated_at from public.tenants where id = (select tenant_a from ids)), now(),
  'an owner''s change stamps the tenant''s updated_at');

-- Managers, staff and viewers cannot: RLS hides the row from their update (0 rows, no error).
select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select results_eq(
  $$ with w as (update public.tenants set name = 'Renamed by manager', settings = '{}' where id = (select tenant_a from ids) returning 1)
     select count(*)::int from w $$,
  $$ values (0) $$,
  'a manager''s update of the tenant changes no row');
select tests.clear_authentication();

select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
select results_eq(
  $$ with w as (update public.tenants set name = 'Renamed by staff', timezone = 'UTC' where id = (select tenant_a from ids) returning 1)
     select count(*)::int from w $$,
  $$ values (0) $$,
  'a staff member''s update of the tenant changes no row');
select tests.clear_authentication();

select tests.authenticate_as((select a_viewer from ids), (select tenant_a from ids));
select results_eq(
  $$ with w as (update public.tenants set name = 'Renamed by viewer' where id = (select tenant_a from ids) returning 1)
     select count(*)::int from w $$,
  $$ values (0) $$,
  'a viewer''s update of the tenant changes no row');
select tests.clear_authentication();

select results_eq(
  $$ select name, timezone, settings from public.tenants where id = (select tenant_a from ids) $$,
  $$ values ('Alpha Bakeries'::text, 'Asia/Tokyo'::text, '{"digest": {"hour": 7}}'::jsonb) $$,
  'the tenant still has the owner''s name, time zone and settings');

-- Table and column privileges: no API user creates, deletes or re-stamps tenants.
select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select throws_ok($$ insert into public.tenants (name) values ('Gamma Deli') $$,
  '42501', 'permission denied for table tenants', 'an owner cannot insert a tenant');
select throws_ok($$ delete from public.tenants where id = (select tenant_a from ids) $$,
  '42501', 'permission denied for table tenants', 'an owner cannot delete their tenant');
select throws_ok($$ update public.tenants set created_at = '2020-01-01' where id = (select tenant_a from ids) $$,
  '42501', 'permission denied for table tenants', 'an owner cannot change a tenant''s created_at');
select throws_ok($$ update public.tenants set timezone = 'Mars/Olympus_Mons' where id = (select tenant_a from ids) $$,
  '23514', 'new row for relation "tenants" violates check constraint "tenants_timezone_valid"',
  'an owner cannot set a time zone Postgres does not know');
select tests.clear_authentication();

-- service_role creates tenants and sees every tenant.
select tests.authenticate_as_service();
select lives_ok($$ insert into public.tenants (name, timezone) values ('Gamma Deli', 'Australia/Sydney') $$,
  'service_role can insert a tenant');
select throws_ok($$ insert into public.tenants (name, timezone) values ('Delta Market', 'Europe/Atlantis') $$,
  '23514', 'new row for relation "tenants" violates check constraint "tenants_timezone_valid"',
  'service_role cannot insert a tenant with an unknown time zone');
select is((select count(*)::int from public.tenants where id in (select tenant_a from ids union all select tenant_b from ids)), 2,
  'service_role reads every tenant');
select tests.clear_authentication();

-- anon has no access at all.
select set_config('role', 'anon', true);
select throws_ok('select * from public.tenants', '42501', 'permission denied for table tenants',
  'anon cannot read tenants');
select tests.clear_authentication();

-- ============================================================ tenant_members (46)

-- Members see their own tenant's members (inactive ones included), never another tenant's.
select tests.authenticate_as((select a_viewer from ids), (select tenant_a from ids));
select results_eq(
  $$ select count(*)::int, count(*) filter (where tenant_id = (select tenant_a from ids))::int from public.tenant_members $$,
  $$ values (5, 5) $$,
  'a viewer of A sees A''s five members and nobody else');
select tests.clear_authentication();

select tests.authenticate_as((select b_staff from ids), (select tenant_b from ids));
select results_eq(
  $$ select count(*)::int, count(*) filter (where tenant_id = (select tenant_b from ids))::int from public.tenant_members $$,
  $$ values (4, 4) $$,
  'a staff member of B sees B''s four members and nobody else');
select tests.clear_authentication();

-- Only owners add members, and only to their own tenant.
select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select lives_ok(
  $$ insert into public.tenant_members (tenant_id, user_id, role, display_name, email)
     select tenant_a, newcomer, 'staff', 'Nina Newcomer', 'nina@example.test' from ids $$,
  'an owner can add a member');
select throws_ok(
  $$ insert into public.tenant_members (tenant_id, user_id, role) select tenant_b, gen_random_uuid(), 'owner' from ids $$,
  '42501', 'new row violates row-level security policy for table "tenant_members"',
  'an owner of A cannot add a member to B');
select tests.clear_authentication();
select results_eq(
  $$ select role, display_name, active from public.tenant_members where user_id = (select newcomer from ids) $$,
  $$ values ('staff'::text, 'Nina Newcomer'::text, true) $$,
  'the owner''s new member is in A as an active staff member');

-- Verification is the system's: members (owners included) have no INSERT privilege on
-- phone_verified_at / whatsapp_verified_at, so nobody can add an already "verified" number.
select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select throws_ok(
  $$ insert into public.tenant_members (tenant_id, user_id, role, phone, phone_verified_at)
     select tenant_a, gen_random_uuid(), 'staff', '+4915112345678', now() from ids $$,
  '42501', 'permission denied for table tenant_members',
  'an owner cannot add a member whose phone is already marked verified');
select tests.clear_authentication();

select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select throws_ok(
  $$ insert into public.tenant_members (tenant_id, user_id, role) select tenant_a, gen_random_uuid(), 'viewer' from ids $$,
  '42501', 'new row violates row-level security policy for table "tenant_members"',
  'a manager cannot add a member');
select tests.clear_authentication();

select tests.authenticate_as((select a_owner from ids), (select tenant_b from ids));
select throws_ok(
  $$ insert into public.tenant_members (tenant_id, user_id, role) select tenant_b, gen_random_uuid(), 'viewer' from ids $$,
  '42501', 'new row violates row-level security policy for table "tenant_members"',
  'an owner of A whose JWT names B cannot add a member to B');
select tests.clear_authentication();

-- Members edit their own contact points and preferences.
select tests.authenticate_as((select a_viewer from ids), (select tenant_a from ids));
select results_eq(
  $$ update public.tenant_members
        set display_name = 'Vera Viewer', phone = '+4915111111111', preferences = '{"digest": "daily"}'
      where user_id = (select a_viewer from ids)
  returning display_name, phone, preferences $$,
  $$ values ('Vera Viewer'::text, '+4915111111111'::text, '{"digest": "daily"}'::jsonb) $$,
  'a viewer can change their own display name, phone and preferences');
select tests.clear_authentication();

select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
select results_eq(
  $$ update public.tenant_members
        set sms_consent = true, email_consent = false, language = 'de-DE', timezone = 'Europe/Vienna'
      where user_id = (select a_staff from ids)
  returning sms_consent, email_consent, language, timezone $$,
  $$ values (true, false, 'de-DE'::text, 'Europe/Vienna'::text) $$,
  'a staff member can change their own consent, language and time zone');

-- ...but not their own role, store scope or standing. The BEFORE UPDATE guard trigger runs
-- before RLS's WITH CHECK (which would also refuse a changed role with 42501), so the caller
-- gets SW003 for all three.
select throws_ok(
  $$ update public.tenant_members set role = 'owner' where user_id = (select a_staff from ids) $$,
  'SW003', 'Only an owner can change a member''s role, store scope or active flag',
  'a staff member cannot promote themselves (SW003 from the guard, before RLS''s check)');
select throws_ok(
  $$ update public.tenant_members set store_ids = null where user_id = (select a_staff from ids) $$,
  'SW003', 'Only an owner can change a member''s role, store scope or active flag',
  'a staff member cannot widen their own store scope');
select throws_ok(
  $$ update public.tenant_members set active = false where user_id = (select a_staff from ids) $$,
  'SW003', 'Only an owner can change a member''s role, store scope or active flag',
  'a staff member cannot change their own active flag');
select tests.clear_authentication();

select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select throws_ok(
  $$ update public.tenant_members set role = 'owner' where user_id = (select a_manager from ids) $$,
  'SW003', 'Only an owner can change a member''s role, store scope or active flag',
  'a manager cannot promote themselves to owner');
select tests.clear_authentication();

select results_eq(
  $$ select role, store_ids, active from public.tenant_members
      where user_id in (select a_manager from ids union all select a_staff from ids) order by role $$,
  $$ values ('manager'::text, null::text[], true), ('staff'::text, array['a-1'], true) $$,
  'the manager''s and the staff member''s role, scope and active flag are unchanged');

-- An owner manages other members' roles and scope.
select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select results_eq(
  $$ update public.tenant_members set role = 'viewer', store_ids = array['a-2'], active = false
      where user_id = (select newcomer from ids) returning role, store_ids, active $$,
  $$ values ('viewer'::text, array['a-2'], false) $$,
  'an owner can change another member''s role, store scope and active flag');
select tests.clear_authentication();

-- Nobody but an owner edits another member: RLS hides the row (0 rows, no error).
select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
select results_eq(
  $$ with w as (update public.tenant_members set display_name = 'Renamed by staff' where user_id = (select a_viewer from ids) returning 1)
     select count(*)::int from w $$,
  $$ values (0) $$,
  'a staff member cannot update another member');
select tests.clear_authentication();

select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select results_eq(
  $$ with w as (update public.tenant_members set role = 'manager' where user_id = (select a_viewer from ids) returning 1)
     select count(*)::int from w $$,
  $$ values (0) $$,
  'a manager cannot change another member''s role');
select tests.clear_authentication();

select tests.authenticate_as((select b_owner from ids), (select tenant_b from ids));
select results_eq(
  $$ with w as (update public.tenant_members set display_name = 'Renamed by B' where user_id = (select a_viewer from ids) returning 1)
     select count(*)::int from w $$,
  $$ values (0) $$,
  'an owner of B cannot update a member of A');
select tests.clear_authentication();

select results_eq(
  $$ select display_name, role from public.tenant_members where user_id = (select a_viewer from ids) $$,
  $$ values ('Vera Viewer'::text, 'viewer'::text) $$,
  'the viewer''s own display name and role survive the others'' attempts');

-- Verification timestamps belong to the system: no UPDATE privilege on them, even for owners.
select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
select throws_ok(
  $$ update public.tenant_members set phone_verified_at = now() where user_id = (select a_staff from ids) $$,
  '42501', 'permission denied for table tenant_members',
  'a member cannot mark their own phone as verified');
select tests.clear_authentication();

select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select throws_ok(
  $$ update public.tenant_members set whatsapp_verified_at = now() where user_id = (select a_staff from ids) $$,
  '42501', 'permission denied for table tenant_members',
  'an owner cannot mark another member''s WhatsApp number as verified');
select tests.clear_authentication();

-- A changed number must be verified again; an unchanged one stays verified. The numbers are set
-- first and verified in a second statement: the guard clears a verification written together
-- with a new number, whoever writes it.
update public.tenant_members set phone = '+4915100000001', whatsapp = '+4915100000001'
 where user_id = (select a_staff from ids);
update public.tenant_members set phone_verified_at = '2026-01-01 00:00+00', whatsapp_verified_at = '2026-01-01 00:00+00'
 where user_id = (select a_staff from ids);

select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
update public.tenant_members set display_name = 'Sam Staff', phone = '+4915100000001'
 where user_id = (select a_staff from ids);
select tests.clear_authentication();
select results_eq(
  $$ select phone_verified_at, whatsapp_verified_at from public.tenant_members where user_id = (select a_staff from ids) $$,
  $$ values ('2026-01-01 00:00+00'::timestamptz, '2026-01-01 00:00+00'::timestamptz) $$,
  'saving the same phone number keeps both verifications');

select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
update public.tenant_members set phone = '+4915100000002' where user_id = (select a_staff from ids);
select tests.clear_authentication();
select results_eq(
  $$ select phone, phone_verified_at, whatsapp_verified_at from public.tenant_members where user_id = (select a_staff from ids) $$,
  $$ values ('+4915100000002'::text, null::timestamptz, '2026-01-01 00:00+00'::timestamptz) $$,
  'changing the phone number clears phone_verified_at and leaves the WhatsApp verification');

select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
update public.tenant_members set whatsapp = '+4915100000002' where user_id = (select a_staff from ids);
select tests.clear_authentication();
select is((select whatsapp_verified_at from public.tenant_members where user_id = (select a_staff from ids)), null,
  'changing the WhatsApp number clears whatsapp_verified_at');

-- Only owners remove members.
select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select results_eq(
  $$ with w as (delete from public.tenant_members where user_id = (select newcomer from ids) returning 1) select count(*)::int from w $$,
  $$ values (1) $$,
  'an owner can delete a member');
select results_eq(
  $$ with w as (delete from public.tenant_members where user_id = (select b_viewer from ids) returning 1) select count(*)::int from w $$,
  $$ values (0) $$,
  'an owner of A cannot delete a member of B');
select tests.clear_authentication();
select is_empty($$ select 1 from public.tenant_members where user_id = (select newcomer from ids) $$,
  'the deleted member is gone');

select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select results_eq(
  $$ with w as (delete from public.tenant_members where user_id = (select a_viewer from ids) returning 1) select count(*)::int from w $$,
  $$ values (0) $$,
  'a manager cannot delete a member');
select tests.clear_authentication();

select tests.authenticate_as((select a_viewer from ids), (select tenant_a from ids));
select results_eq(
  $$ with w as (delete from public.tenant_members where user_id = (select a_viewer from ids) returning 1) select count(*)::int from w $$,
  $$ values (0) $$,
  'a viewer cannot delete even their own membership');
select tests.clear_authentication();

select is((select count(*)::int from public.tenant_members where user_id in (select a_viewer from ids union all select b_viewer from ids)), 2,
  'the members the manager, the viewer and the owner of A tried to delete are still there');

-- An inactive member is a member no more: they see nothing and change nothing.
select tests.authenticate_as((select a_inactive from ids), (select tenant_a from ids));
select is_empty('select * from public.tenant_members', 'an inactive member sees no members');
select is_empty('select id, name from public.tenants', 'an inactive member sees no tenant');
select results_eq(
  $$ with w as (update public.tenant_members set display_name = 'Still here' where user_id = (select a_inactive from ids) returning 1)
     select count(*)::int from w $$,
  $$ values (0) $$,
  'an inactive member cannot edit their own row');
select tests.clear_authentication();

-- Malformed contact points are refused, whoever writes them.
select tests.authenticate_as((select a_viewer from ids), (select tenant_a from ids));
select throws_ok(
  format('update public.tenant_members set email = %L where user_id = %L', bad.email, ids.a_viewer),
  '23514', 'new row for relation "tenant_members" violates check constraint "tenant_members_email_format"',
  format('a member cannot set the email "%s" (%s)', bad.email, bad.why))
from ids, (values ('no-at-sign.example.test', 'no @'),
                  ('two@@example.test', 'two @'),
                  ('nodot@example', 'no dot in the domain'),
                  ('sp ace@example.test', 'a space'),
                  ('', 'empty')) as bad(email, why);
select throws_ok(
  format('update public.tenant_members set phone = %L where user_id = %L', bad.phone, ids.a_viewer),
  '23514', 'new row for relation "tenant_members" violates check constraint "tenant_members_phone_e164"',
  format('a member cannot set the phone "%s" (%s)', bad.phone, bad.why))
from ids, (values ('015112345678', 'no + prefix'),
                  ('+015112345678', 'country code starting with 0'),
                  ('+49 151 12345678', 'spaces'),
                  ('+123456', 'too short'),
                  ('+1234567890123456', 'too long')) as bad(phone, why);
select throws_ok(
  $$ update public.tenant_members set whatsapp = '0049-151-1234567' where user_id = (select a_viewer from ids) $$,
  '23514', 'new row for relation "tenant_members" violates check constraint "tenant_members_whatsapp_e164"',
  'a member cannot set a WhatsApp number that is not E.164');
select tests.clear_authentication();

select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select throws_ok(
  $$ insert into public.tenant_members (tenant_id, user_id, email) select tenant_a, gen_random_uuid(), 'owner@localhost' from ids $$,
  '23514', 'new row for relation "tenant_members" violates check constraint "tenant_members_email_format"',
  'an owner cannot add a member with a malformed email');
select tests.clear_authentication();

-- ========================================================== private helpers (35)

-- member_role and has_role for each role of A (has_role asked for viewer, staff, manager, owner).
select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select is(private.member_role((select tenant_a from ids)), 'owner', 'member_role is owner for A''s owner');
select is(array(select private.has_role((select tenant_a from ids), r) from unnest(array['viewer', 'staff', 'manager', 'owner']) as r),
  array[true, true, true, true], 'an owner has every role from viewer to owner');
select tests.clear_authentication();

select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select is(private.member_role((select tenant_a from ids)), 'manager', 'member_role is manager for A''s manager');
select is(array(select private.has_role((select tenant_a from ids), r) from unnest(array['viewer', 'staff', 'manager', 'owner']) as r),
  array[true, true, true, false], 'a manager has viewer, staff and manager but not owner');
select tests.clear_authentication();

select tests.authenticate_as((select a_staff from ids), (select tenant_a from ids));
select is(private.member_role((select tenant_a from ids)), 'staff', 'member_role is staff for A''s staff member');
select is(array(select private.has_role((select tenant_a from ids), r) from unnest(array['viewer', 'staff', 'manager', 'owner']) as r),
  array[true, true, false, false], 'a staff member has viewer and staff but not manager or owner');
select tests.clear_authentication();

select tests.authenticate_as((select a_viewer from ids), (select tenant_a from ids));
select is(private.member_role((select tenant_a from ids)), 'viewer', 'member_role is viewer for A''s viewer');
select is(array(select private.has_role((select tenant_a from ids), r) from unnest(array['viewer', 'staff', 'manager', 'owner']) as r),
  array[true, false, false, false], 'a viewer has viewer only');

-- Asking about another tenant than the JWT's.
select is(private.member_role((select tenant_b from ids)), null, 'member_role is null for a tenant other than the JWT''s');
select is(private.has_role((select tenant_b from ids), 'viewer'), false, 'has_role is false for a tenant other than the JWT''s');
select tests.clear_authentication();

-- A JWT naming a tenant the user does not belong to.
select tests.authenticate_as((select a_owner from ids), (select tenant_b from ids));
select is(array[private.member_role((select tenant_a from ids)), private.member_role((select tenant_b from ids))], array[null, null]::text[],
  'member_role is null in both tenants for an owner of A whose JWT names B');
select is(array[private.has_role((select tenant_a from ids), 'viewer'), private.has_role((select tenant_b from ids), 'viewer')], array[false, false],
  'has_role is false in both tenants for an owner of A whose JWT names B');
select tests.clear_authentication();

select tests.authenticate_as(gen_random_uuid(), (select tenant_a from ids));
select is(private.member_role((select tenant_a from ids)), null, 'member_role is null for a user who is not a member');
select is(private.has_role((select tenant_a from ids), 'viewer'), false, 'has_role is false for a user who is not a member');
select tests.clear_authentication();

-- An inactive member.
select tests.authenticate_as((select a_inactive from ids), (select tenant_a from ids));
select is(private.member_role((select tenant_a from ids)), null, 'member_role is null for an inactive member');
select is(private.has_role((select tenant_a from ids), 'viewer'), false, 'has_role is false for an inactive member');
select tests.clear_authentication();

-- No JWT at all.
select set_config('role', 'authenticated', true), set_config('request.jwt.claims', '', true);
select is(private.member_role((select tenant_a from ids)), null, 'member_role is null without a JWT');
select is(private.has_role((select tenant_a from ids), 'viewer'), false, 'has_role is false without a JWT');
-- An unknown or null minimum role must fail closed, or a policy with a typo ('admin', 'Owner')
-- would let everyone through.
select is(array[private.has_role((select tenant_a from ids), 'admin'),
                private.has_role((select tenant_a from ids), 'Owner'),
                private.has_role((select tenant_a from ids), null)],
  array[false, false, false],
  'has_role is false without a JWT even when asked for an unknown, misspelt or null role');
select tests.clear_authentication();

-- jwt_tenant_id() trusts only a well-formed app_metadata.tenant_id and never raises.
select is(pg_temp.jwt_tenant_for(format('{"sub": "%s", "app_metadata": {"tenant_id": "%s"}}', gen_random_uuid(), tenant_a)), tenant_a,
  'jwt_tenant_id reads app_metadata.tenant_id')
from ids;
select is(pg_temp.jwt_tenant_for(format('{"app_metadata": {"tenant_id": "%s"}}', upper(tenant_a::text))), tenant_a,
  'jwt_tenant_id accepts an upper-case uuid')
from ids;
select is(pg_temp.jwt_tenant_for(bad.claims), null, format('jwt_tenant_id is null for %s', bad.what))
from ids, lateral (values
  ('{"app_metadata": {"tenant_id": "not-a-uuid"}}', 'a tenant_id that is not a uuid'),
  ('{"app_metadata": {"tenant_id": ""}}', 'an empty tenant_id'),
  ('{"app_metadata": {"tenant_id": 42}}', 'a numeric tenant_id'),
  (format('{"app_metadata": {"tenant_id": {"id": "%s"}}}', tenant_a), 'a tenant_id that is an object'),
  (format('{"app_metadata": {"tenant_id": "{%s}"}}', tenant_a), 'a uuid in braces'),
  (format('{"app_metadata": {"tenant_id": "%s; drop table x"}}', tenant_a), 'a uuid followed by other text'),
  ('{"app_metadata": "tenant"}', 'an app_metadata that is not an object'),
  (format('{"user_metadata": {"tenant_id": "%s"}}', tenant_a), 'a tenant_id in user_metadata only (users can write it)'),
  ('', 'empty claims')) as bad(claims, what);
select set_config('request.jwt.claims', '', true);

-- Privileges: the helpers are for authenticated and service_role, never anon.
select function_privs_are('private', f.name, f.args, 'anon', array[]::text[], format('anon cannot execute private.%s', f.name))
from (values ('member_role', array['uuid']),
             ('has_role', array['uuid', 'text']),
             ('jwt_tenant_id', array[]::text[])) as f(name, args);
select function_privs_are('private', 'has_role', array['uuid', 'text'], 'authenticated', array['EXECUTE'],
  'authenticated can execute private.has_role (RLS policies call it as the caller)');
select set_config('role', 'anon', true);
select throws_ok(
  $$ select private.member_role(gen_random_uuid()) $$, '42501', null,
  'anon calling private.member_role is refused');
select tests.clear_authentication();

-- Settings hold destination URLs with tokens: members read them only through tenant_settings(),
-- owners whole, everyone else with the URLs redacted; nobody selects the column directly.
update public.tenants set settings = '{"notifications": {"webhooks": [{"channel": "slack", "url": "https://hooks.slack.com/services/T1/B1/secret"}]}}'
where id = (select tenant_a from ids);
select tests.authenticate_as((select a_owner from ids), (select tenant_a from ids));
select is(public.tenant_settings((select tenant_a from ids)) #>> '{notifications,webhooks,0,url}',
  'https://hooks.slack.com/services/T1/B1/secret', 'an owner reads the webhook URL');
select tests.authenticate_as((select a_manager from ids), (select tenant_a from ids));
select is(public.tenant_settings((select tenant_a from ids)) #>> '{notifications,webhooks,0,url}',
  '[redacted]', 'a manager reads the settings with the webhook URL redacted');
select throws_ok($$ select settings from public.tenants $$, '42501', null, 'members cannot select tenants.settings directly');
select tests.clear_authentication();

select * from finish();
rollback;
