-- pgTAP tests for sql/platform/: the local stand-in for what hosted Supabase's
-- Postgres provides (roles, auth helpers, realtime broadcast, vault, net, extensions).
-- Assumes pgtap is installed in schema extensions (the test runner creates it).
-- Everything runs in one transaction that is rolled back.
begin;
set local search_path = extensions, public;

select plan(62);

-- ---------------------------------------------------------------- roles (8)
select has_role('anon');
select has_role('authenticated');
select has_role('service_role');
select has_role('authenticator');
select ok((select rolbypassrls from pg_catalog.pg_roles where rolname = 'service_role'),
          'service_role has bypassrls');
select is((select pg_catalog.count(*)::int from pg_catalog.pg_roles
            where rolname in ('anon', 'authenticated', 'service_role')
              and not rolcanlogin and not rolinherit and not rolsuper),
          3, 'anon, authenticated and service_role are nologin noinherit');
select ok((select rolcanlogin and not rolinherit from pg_catalog.pg_roles where rolname = 'authenticator')
          and pg_catalog.pg_has_role('authenticator', 'anon', 'member')
          and pg_catalog.pg_has_role('authenticator', 'authenticated', 'member')
          and pg_catalog.pg_has_role('authenticator', 'service_role', 'member'),
          'authenticator can log in and is a member of anon, authenticated, service_role');
select is((select pg_catalog.count(*)::int from pg_catalog.pg_auth_members m
            where m.member = 'postgres'::regrole
              and m.roleid in ('anon'::regrole, 'authenticated'::regrole, 'service_role'::regrole)),
          3, 'postgres is granted anon, authenticated and service_role');

-- -------------------------------------------------------------- schemas (5)
select has_schema('extensions');
select has_schema('auth');
select has_schema('realtime');
select has_schema('vault');
select has_schema('net');

-- ----------------------------------------------------------------- auth (9)
select pg_catalog.set_config('request.jwt.claims', '', true);
select is(auth.uid(), null, 'auth.uid() is null without claims');
select is(auth.jwt(), null, 'auth.jwt() is null without claims');

select pg_catalog.set_config('request.jwt.claims',
  '{"sub": "7b1f3c1e-9a55-4c41-9a9e-2f0a0b6c1d01", "role": "authenticated", "email": "ada@example.test"}', true);
select is(auth.uid(), '7b1f3c1e-9a55-4c41-9a9e-2f0a0b6c1d01'::uuid, 'auth.uid() reads sub from request.jwt.claims');
select is(auth.role(), 'authenticated', 'auth.role() reads role from request.jwt.claims');
select is(auth.email(), 'ada@example.test', 'auth.email() reads email from request.jwt.claims');
select is(auth.jwt(),
  '{"sub": "7b1f3c1e-9a55-4c41-9a9e-2f0a0b6c1d01", "role": "authenticated", "email": "ada@example.test"}'::jsonb,
  'auth.jwt() returns all claims');

select pg_catalog.set_config('request.jwt.claim.sub', '00000000-0000-0000-0000-0000000000aa', true);
select is(auth.uid(), '00000000-0000-0000-0000-0000000000aa'::uuid,
          'auth.uid() prefers the legacy request.jwt.claim.sub setting');
select pg_catalog.set_config('request.jwt.claim.sub', '', true);

set local role authenticated;
select is(auth.uid(), '7b1f3c1e-9a55-4c41-9a9e-2f0a0b6c1d01'::uuid, 'authenticated can call auth.uid()');
reset role;

select has_table('auth', 'users', 'auth.users exists');

-- ------------------------------------------------------ realtime basics (5)
select is(realtime.topic(), null, 'realtime.topic() is null when unset');
select pg_catalog.set_config('realtime.topic', 'shim:topic', true);
select is(realtime.topic(), 'shim:topic', 'realtime.topic() reads the realtime.topic setting');

select ok((select c.relrowsecurity and c.relkind = 'r' from pg_catalog.pg_class c
            where c.oid = 'realtime.messages'::regclass),
          'realtime.messages is a plain (unpartitioned) table with RLS enabled');
select ok(exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime'),
          'publication supabase_realtime exists');
select ok((select p.prosrc like '%pg_notify(''realtime:messages'', pg_catalog.now()::timestamp::text)%' and not p.prosecdef
             from pg_catalog.pg_proc p
            where p.oid = 'realtime.send(jsonb, text, text, boolean)'::regprocedure),
          'realtime.send is security invoker (as hosted) and notifies channel realtime:messages with the transaction timestamp');

-- -------------------------------------------------------- realtime.send (9)
select lives_ok($$ select realtime.send('{"kind": "hint"}'::jsonb, 'shim_ev_noid', 'shim:send', false) $$,
                'realtime.send lives');
select results_eq(
  $$ select topic, event, private, extension from realtime.messages where event = 'shim_ev_noid' $$,
  $$ values ('shim:send'::text, 'shim_ev_noid'::text, false, 'broadcast'::text) $$,
  'realtime.send inserts one broadcast row with topic, event and private');
select ok((select m.payload = pg_catalog.jsonb_build_object('kind', 'hint', 'id', m.id::text)
             from realtime.messages m where m.event = 'shim_ev_noid'),
          'realtime.send adds payload.id = the message id when the payload has none');

select realtime.send('{"id": "mine", "kind": "hint"}'::jsonb, 'shim_ev_id', 'shim:send');
select is((select m.payload from realtime.messages m where m.event = 'shim_ev_id'),
          '{"id": "mine", "kind": "hint"}'::jsonb, 'realtime.send keeps a provided payload.id');
select is((select m.private from realtime.messages m where m.event = 'shim_ev_id'),
          true, 'realtime.send defaults private to true');

set local client_min_messages = error;
select lives_ok($$ select realtime.send('{}'::jsonb, 'shim_ev_nulltopic', null) $$,
                'realtime.send with a null topic does not raise (the error becomes a warning)');
reset client_min_messages;
select is((select pg_catalog.count(*)::int from realtime.messages where event = 'shim_ev_nulltopic'),
          0, 'realtime.send with a null topic writes no row');

set local role authenticated;
select throws_ok(
  $$ insert into realtime.messages (topic, extension, event) values ('shim:direct', 'broadcast', 'shim_ev_direct') $$,
  '42501', null, 'authenticated cannot insert into realtime.messages directly (RLS, no policy)');
select realtime.send('{}'::jsonb, 'shim_ev_asauth', 'shim:auth');
reset role;
select is((select pg_catalog.count(*)::int from realtime.messages where event = 'shim_ev_asauth'),
          0, 'realtime.send as authenticated without a policy allowing it writes nothing (invoker, as hosted; a warning, no error)');

-- -------------------------------------------- realtime.broadcast_changes (8)
create table public.shim_broadcast_t (id int primary key, name text);
insert into public.shim_broadcast_t values (1, 'new'), (2, 'old');

select lives_ok(
  $$ select realtime.broadcast_changes('shim:bc', 'shim_bc_insert', 'INSERT', 'shim_broadcast_t', 'public',
       (select t from public.shim_broadcast_t t where id = 1), null::public.shim_broadcast_t) $$,
  'broadcast_changes lives for INSERT');
select is((select m.payload - 'id' from realtime.messages m where m.event = 'shim_bc_insert'),
          '{"old_record": null, "record": {"id": 1, "name": "new"}, "operation": "INSERT",
            "table": "shim_broadcast_t", "schema": "public"}'::jsonb,
          'broadcast_changes INSERT: record set, old_record null, operation/table/schema');
select ok((select m.topic = 'shim:bc' and m.private and m.payload ? 'id'
             from realtime.messages m where m.event = 'shim_bc_insert'),
          'broadcast_changes sends to the topic, privately, with a payload id');

select realtime.broadcast_changes('shim:bc', 'shim_bc_update', 'UPDATE', 'shim_broadcast_t', 'public',
  (select t from public.shim_broadcast_t t where id = 1), (select t from public.shim_broadcast_t t where id = 2));
select is((select m.payload - 'id' from realtime.messages m where m.event = 'shim_bc_update'),
          '{"old_record": {"id": 2, "name": "old"}, "record": {"id": 1, "name": "new"}, "operation": "UPDATE",
            "table": "shim_broadcast_t", "schema": "public"}'::jsonb,
          'broadcast_changes UPDATE: record and old_record set');

select realtime.broadcast_changes('shim:bc', 'shim_bc_delete', 'DELETE', 'shim_broadcast_t', 'public',
  null::public.shim_broadcast_t, (select t from public.shim_broadcast_t t where id = 2));
select is((select m.payload - 'id' from realtime.messages m where m.event = 'shim_bc_delete'),
          '{"old_record": {"id": 2, "name": "old"}, "record": null, "operation": "DELETE",
            "table": "shim_broadcast_t", "schema": "public"}'::jsonb,
          'broadcast_changes DELETE: record null, old_record set');

select throws_ok(
  $$ select realtime.broadcast_changes('shim:bc', 'shim_bc_stmt', 'INSERT', 'shim_broadcast_t', 'public',
       null::public.shim_broadcast_t, null::public.shim_broadcast_t, 'STATEMENT') $$,
  'P0001', 'Failed to process the row: function can only be triggered for each row, not for each statement',
  'broadcast_changes rejects level STATEMENT');
select throws_ok(
  $$ select realtime.broadcast_changes('shim:bc', 'shim_bc_trunc', 'TRUNCATE', 'shim_broadcast_t', 'public',
       null::public.shim_broadcast_t, null::public.shim_broadcast_t) $$,
  'P0001', 'Failed to process the row: Unexpected operation type: TRUNCATE',
  'broadcast_changes rejects operations other than INSERT/UPDATE/DELETE');

-- A real row trigger, fired by an authenticated write; security definer as in Supabase's own
-- broadcast_changes example, so it broadcasts whatever role wrote the row.
create function public.shim_broadcast_trigger() returns trigger language plpgsql security definer set search_path = '' as $$
begin
  perform realtime.broadcast_changes('shim:trg:' || new.id::text, tg_op, tg_op, tg_table_name, tg_table_schema,
                                     new, old, tg_level);
  return null;
end $$;
create trigger shim_broadcast_after after insert or update on public.shim_broadcast_t
  for each row execute function public.shim_broadcast_trigger();
grant select, insert, update on public.shim_broadcast_t to authenticated;
set local role authenticated;
insert into public.shim_broadcast_t values (3, 'from trigger');
reset role;
select is((select m.payload - 'id' from realtime.messages m where m.topic = 'shim:trg:3'),
          '{"old_record": null, "record": {"id": 3, "name": "from trigger"}, "operation": "INSERT",
            "table": "shim_broadcast_t", "schema": "public"}'::jsonb,
          'a row trigger calling broadcast_changes under authenticated writes the message');

-- ---------------------------------------------------------------- vault (9)
select lives_ok($$ select vault.create_secret('s3cret', 'shim_secret', 'for the shim test') $$,
                'vault.create_secret lives');
select results_eq(
  $$ select name, description, decrypted_secret from vault.decrypted_secrets where name = 'shim_secret' $$,
  $$ values ('shim_secret'::text, 'for the shim test'::text, 's3cret'::text) $$,
  'vault.decrypted_secrets shows the created secret');
select vault.update_secret((select id from vault.secrets where name = 'shim_secret'), 'n3w', null, 'changed');
select results_eq(
  $$ select name, description, decrypted_secret from vault.decrypted_secrets where name = 'shim_secret' $$,
  $$ values ('shim_secret'::text, 'changed'::text, 'n3w'::text) $$,
  'vault.update_secret changes the given fields only');
select pg_catalog.set_config('shim.secret_id', vault.create_secret('unnamed')::text, true);
select is((select s.secret from vault.secrets s where s.id = pg_catalog.current_setting('shim.secret_id')::uuid),
          'unnamed', 'vault.create_secret returns the new secret''s id');
select throws_ok($$ select vault.create_secret('again', 'shim_secret') $$, '23505', null,
                 'secret names are unique');

set local role authenticated;
select throws_ok($$ select * from vault.secrets $$, '42501', null, 'authenticated cannot select from vault.secrets');
select throws_ok($$ select * from vault.decrypted_secrets $$, '42501', null,
                 'authenticated cannot select from vault.decrypted_secrets');
reset role;
set local role anon;
select throws_ok($$ select vault.create_secret('x') $$, '42501', null, 'anon cannot call vault.create_secret');
reset role;
set local role service_role;
select is((select decrypted_secret from vault.decrypted_secrets where name = 'shim_secret'), 'n3w',
          'service_role can read vault.decrypted_secrets');
reset role;

-- ------------------------------------------------------------------ net (7)
select ok(net.http_post('http://worker.local/hook', '{"a": 1}'::jsonb) is not null, 'net.http_post returns an id');
select results_eq(
  $$ select method, url, headers, body, timeout_milliseconds from net.http_request_queue
      where url = 'http://worker.local/hook' $$,
  $$ values ('POST'::text, 'http://worker.local/hook'::text, '{"Content-Type": "application/json"}'::jsonb,
             '{"a": 1}'::jsonb, 5000) $$,
  'net.http_post queues the request with pg_net''s defaults');
select pg_catalog.set_config('shim.req_id',
  net.http_post('http://worker.local/p', '{}'::jsonb, '{"q": "a b&c", "n": "1"}'::jsonb)::text, true);
select is((select q.url from net.http_request_queue q
            where q.id = pg_catalog.current_setting('shim.req_id')::bigint),
          'http://worker.local/p?n=1&q=a%20b%26c', 'net.http_post appends url-encoded params');
select pg_catalog.set_config('shim.req_id',
  net.http_post('http://worker.local/h', headers => '{"x-key": "k"}'::jsonb)::text, true);
select is((select q.headers from net.http_request_queue q
            where q.id = pg_catalog.current_setting('shim.req_id')::bigint),
          '{"x-key": "k", "Content-Type": "application/json"}'::jsonb,
          'net.http_post adds Content-Type application/json when missing');
select throws_ok(
  $$ select net.http_post('http://worker.local/t', headers => '{"Content-Type": "text/plain"}'::jsonb) $$,
  'P0001', 'Content-Type header must be "application/json"', 'net.http_post rejects a non-JSON Content-Type');
set local role authenticated;
select throws_ok($$ select net.http_post('http://worker.local/x') $$, '42501', null,
                 'authenticated cannot call net.http_post');
reset role;
set local role service_role;
select lives_ok($$ select net.http_post('http://worker.local/svc') $$, 'service_role can call net.http_post');
reset role;

-- ----------------------------------------------------------- extensions (2)
select ok(exists (select 1 from pg_catalog.pg_extension e
                   where e.extname = 'pgcrypto' and e.extnamespace = 'extensions'::regnamespace),
          'pgcrypto is installed in schema extensions');
select is(exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron'),
          coalesce(pg_catalog.current_setting('cron.database_name', true) = pg_catalog.current_database(), false)
            and exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_cron'),
          'pg_cron is installed exactly when this is the cron.database_name database');

select * from finish();
rollback;
