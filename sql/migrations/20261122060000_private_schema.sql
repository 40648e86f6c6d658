-- The `private` schema holds Shelfwatch's internals: helpers, trigger functions and queues that
-- no API role may call or read directly. Only `public` is exposed to the API roles.
create schema if not exists private;
comment on schema private is 'Shelfwatch internals: helpers, trigger functions and queues not exposed to API roles.';
revoke all on schema private from public;
grant usage on schema private to service_role;
-- Functions created here later are not executable by anyone until a migration grants it.
alter default privileges in schema private revoke execute on functions from public;
