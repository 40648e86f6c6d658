-- Stand-in for hosted Supabase's pg_net extension (net schema). pg_net is not
-- packaged in Debian, so locally net.http_post() has pg_net's signature and
-- checks but only queues the request in net.http_request_queue and returns its
-- id. Nothing is sent automatically: the local stack's worker LISTENs for its
-- own notifications instead of relying on pg_net, and may drain this queue.
-- Applied only to the local stack, on every start, as superuser postgres:
-- every statement here must be idempotent.

create schema if not exists net;
comment on schema net is
  'Supabase stand-in: pg_net''s schema; locally requests are only queued, never sent.';

create table if not exists net.http_request_queue (
  id bigserial primary key,
  method text,
  url text,
  headers jsonb,
  body jsonb,
  timeout_milliseconds int,
  created timestamptz default now()
);
comment on table net.http_request_queue is
  'Supabase stand-in: requests queued by net.http_post(); locally nothing sends them unless the stack''s worker drains the queue.';

-- Percent-encodes a query-string component (RFC 3986 unreserved characters kept).
create or replace function net._urlencode(value text)
returns text
language plpgsql
immutable
strict
set search_path = ''
as $$
declare
  bytes bytea := pg_catalog.convert_to(value, 'UTF8');
  result text := '';
  b int;
  i int;
begin
  for i in 0 .. pg_catalog.length(bytes) - 1 loop
    b := pg_catalog.get_byte(bytes, i);
    if (b between 48 and 57) or (b between 65 and 90) or (b between 97 and 122)
       or b in (45, 46, 95, 126) then
      result := result || pg_catalog.chr(b);
    else
      result := result || '%' || pg_catalog.upper(pg_catalog.lpad(pg_catalog.to_hex(b), 2, '0'));
    end if;
  end loop;
  return result;
end;
$$;
comment on function net._urlencode(text) is
  'Supabase stand-in helper: percent-encodes a query-string component for net.http_post().';

-- Same signature and Content-Type check as pg_net; params are appended to the
-- url as a query string as pg_net does. security definer so a caller needs only
-- execute on the function, not rights on the queue.
create or replace function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds int default 5000
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  content_type text;
  query_string text;
  request_id bigint;
begin
  select h.value
    into content_type
    from pg_catalog.jsonb_each_text(coalesce(headers, '{}'::jsonb)) as h(key, value)
   where pg_catalog.lower(h.key) = 'content-type'
   limit 1;

  if content_type is null then
    headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
  elsif content_type <> 'application/json' then
    raise exception 'Content-Type header must be "application/json"';
  end if;

  select pg_catalog.string_agg(net._urlencode(p.key) || '=' || net._urlencode(p.value), '&' order by p.ord)
    into query_string
    from pg_catalog.jsonb_each_text(coalesce(params, '{}'::jsonb)) with ordinality as p(key, value, ord);

  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('POST',
          case when query_string is null then url
               when pg_catalog.strpos(url, '?') > 0 then url || '&' || query_string
               else url || '?' || query_string end,
          headers, body, timeout_milliseconds)
  returning id into request_id;

  return request_id;
end;
$$;
comment on function net.http_post(text, jsonb, jsonb, jsonb, int) is
  'Supabase stand-in: pg_net''s http_post; locally it only queues the request in net.http_request_queue and returns its id.';

-- Access: postgres and service_role only.
revoke all on schema net from public, anon, authenticated;
revoke all on table net.http_request_queue from public, anon, authenticated;
revoke all on sequence net.http_request_queue_id_seq from public, anon, authenticated;
revoke all on function net._urlencode(text) from public, anon, authenticated;
revoke all on function net.http_post(text, jsonb, jsonb, jsonb, int) from public, anon, authenticated;

grant usage on schema net to postgres, service_role;
grant select, delete on table net.http_request_queue to postgres, service_role;
grant execute on function net.http_post(text, jsonb, jsonb, jsonb, int) to postgres, service_role;
