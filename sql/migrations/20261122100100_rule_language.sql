-- The rule language: the pure functions rules are validated and evaluated with, shared by event
-- processing and the dry run (public.test_rule), so both always agree.
--   - routing keys: an event type matches a rule's event_types entry that is the type itself, a
--     prefix wildcard of it (inventory.* matches inventory.low_stock and inventory.a.b, not
--     inventory), or *. Suppressions scope alert types the same way.
--   - payload paths: dotted paths into the payload (temperature, batch.line, items.0.sku).
--   - conditions: {path, op, value}; ops eq, neq, gt, gte, lt, lte, in, exists, contains. Every
--     op but exists needs a value at the path (missing or JSON null never matches); gt/gte/lt/lte
--     compare numbers only and in/contains check types first, so no payload can make a
--     condition raise: a type mismatch simply does not match.
--   - templates: {{payload.some.path}}, {{payload}}, {{event_type}}, {{source}}, {{dedup_key}},
--     {{event_id}}, {{occurred_at}}. Values are spliced in as plain text in one pass and never
--     evaluated or expanded again; a missing value is empty.
-- The functions called once per event and rule (routing_keys, condition_failure, render_template)
-- are plpgsql loops over the handful of parts of one key, condition list or template: plpgsql
-- evaluates them as simple expressions, many times faster than SQL functions with subqueries,
-- which are never inlined here (set search_path) and pay executor start-up on every call.
create or replace function private.routing_keys(key text)
returns text[]
language plpgsql
immutable
set search_path = ''
as $$
declare
  parts text[] := pg_catalog.string_to_array(key, '.');
  keys text[] := array['*', key];
begin
  for i in 1 .. coalesce(pg_catalog.cardinality(parts), 0) - 1 loop
    keys := keys || (pg_catalog.array_to_string(parts[1:i], '.') || '.*');
  end loop;
  return keys;
end;
$$;
comment on function private.routing_keys(text) is
  'Every pattern that matches this routing key: *, the key itself and each prefix wildcard (a.b.c -> {*, a.b.c, a.*, a.b.*}); match with patterns && routing_keys(key).';

create or replace function private.is_routing_pattern(pattern text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select coalesce(pg_catalog.length(pattern) <= 100
                  and pattern ~ '^(\*|[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*(\.\*)?)$', false)
$$;
comment on function private.is_routing_pattern(text) is 'Is this a valid event type pattern: an exact type (inventory.low_stock), a prefix wildcard (inventory.*) or *?';

create or replace function private.is_payload_path(path text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select coalesce(pg_catalog.length(path) <= 200 and path ~ '^[^.{}[:space:]]+(\.[^.{}[:space:]]+)*$', false)
$$;
comment on function private.is_payload_path(text) is 'Is this a dotted payload path (segments without dots, braces or spaces; numbers index arrays)?';

create or replace function private.describe_json(value jsonb)
returns text
language sql
immutable
set search_path = ''
as $$
  select case
    when value is null then 'missing'
    when pg_catalog.length(value::text) > 60 then pg_catalog.jsonb_typeof(value) || ' ' || pg_catalog.left(value::text, 57) || '...'
    else pg_catalog.jsonb_typeof(value) || ' ' || value::text
  end
$$;
comment on function private.describe_json(jsonb) is 'A short description of a JSON value for reasons and messages: its type and (up to 60 characters of) its text, or missing.';

create or replace function private.condition_failure(payload jsonb, conditions jsonb)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  condition jsonb;
  op text;
  actual jsonb;
  actual_type text;
  expected jsonb;
  expected_type text;
  holds boolean;
begin
  -- A loop over the few conditions of one rule. CASE, not AND, guards every cast: its branches
  -- are evaluated in order, so a cast only ever sees a value of the right type.
  for i in 0 .. coalesce(pg_catalog.jsonb_array_length(conditions), 0) - 1 loop
    condition := conditions -> i;
    op := condition ->> 'op';
    expected := condition -> 'value';
    expected_type := pg_catalog.jsonb_typeof(expected);
    actual := payload #> pg_catalog.string_to_array(condition ->> 'path', '.');
    actual_type := coalesce(pg_catalog.jsonb_typeof(actual), 'null');
    holds := case
      when op = 'exists' then (actual_type <> 'null') = case when expected_type = 'boolean' then expected::boolean else true end
      when actual_type = 'null' then false
      when op = 'eq' then actual = expected
      when op = 'neq' then actual <> expected
      when op in ('gt', 'gte', 'lt', 'lte') then
        case when actual_type = 'number' and expected_type = 'number' then
          case op
            when 'gt' then actual::numeric > expected::numeric
            when 'gte' then actual::numeric >= expected::numeric
            when 'lt' then actual::numeric < expected::numeric
            else actual::numeric <= expected::numeric
          end
        else false end
      when op = 'in' then
        case when actual_type in ('string', 'number', 'boolean') and expected_type = 'array'
          then expected @> pg_catalog.jsonb_build_array(actual) else false end
      when op = 'contains' then
        case
          when actual_type = 'string' and expected_type = 'string' then pg_catalog.strpos(actual #>> '{}', expected #>> '{}') > 0
          when actual_type = 'array' and expected_type = 'array' then actual @> expected
          when actual_type = 'array' and expected_type in ('string', 'number', 'boolean') then actual @> pg_catalog.jsonb_build_array(expected)
          when actual_type = 'object' and expected_type = 'object' then actual @> expected
          else false
        end
      else false
    end;
    if not holds then
      return pg_catalog.format('%s %s %s does not hold (got %s)', condition ->> 'path', op,
        coalesce(pg_catalog.left(expected::text, 60), ''),
        case when actual is null then 'missing'
             when pg_catalog.length(actual::text) > 60 then actual_type || ' ' || pg_catalog.left(actual::text, 57) || '...'
             else actual_type || ' ' || actual::text end);
    end if;
  end loop;
  return null;
end;
$$;
comment on function private.condition_failure(jsonb, jsonb) is
  'The first condition of a (validated) condition list that does not hold for this payload, described for people; null when all hold (an empty list always holds). Never raises: a missing value or a type mismatch (gt on a string, contains on a number) simply does not hold.';

create or replace function private.template_placeholders(template text)
returns setof text
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.btrim(m[1]) from pg_catalog.regexp_matches(template, '\{\{([^{}]*)\}\}', 'g') as m
$$;
comment on function private.template_placeholders(text) is 'The placeholder names in a template ({{ payload.x }} -> payload.x), in order.';

create or replace function private.is_template_placeholder(name text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select coalesce(name in ('payload', 'event_type', 'source', 'dedup_key', 'event_id', 'occurred_at')
                  or (name like 'payload.%' and private.is_payload_path(pg_catalog.substr(name, 9))), false)
$$;
comment on function private.is_template_placeholder(text) is
  'Is this a placeholder templates know: payload, payload.<path>, event_type, source, dedup_key, event_id or occurred_at?';

create or replace function private.render_template(template text, event public.alert_events, max_length int)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  rendered text := '';
  rest text := template;
  open_at int;
  close_at int;
  name text;
  value text;
begin
  if template is null then
    return null;
  end if;
  -- Walks the template once, left to right: each value is appended to the output and never
  -- scanned again, so text inside a value ('{{payload.y}}', SQL, markup) stays plain text.
  loop
    open_at := pg_catalog.strpos(rest, '{{');
    exit when open_at = 0;
    close_at := pg_catalog.strpos(pg_catalog.substr(rest, open_at + 2), '}}');
    exit when close_at = 0;
    name := pg_catalog.substr(rest, open_at + 2, close_at - 1);
    if pg_catalog.strpos(name, '{') > 0 or pg_catalog.strpos(name, '}') > 0 then
      -- Not a placeholder ({{ {{payload.x}}, {{a}b}}): keep one brace as text and look again
      -- from the next character, as private.template_placeholders reads it.
      rendered := rendered || pg_catalog.substr(rest, 1, open_at);
      rest := pg_catalog.substr(rest, open_at + 1);
      continue;
    end if;
    name := pg_catalog.btrim(name);
    value := case
      when name like 'payload.%' then event.payload #>> pg_catalog.string_to_array(pg_catalog.substr(name, 9), '.')
      when name = 'payload' then event.payload::text
      when name = 'event_type' then event.event_type
      when name = 'source' then event.source
      when name = 'dedup_key' then event.dedup_key
      when name = 'event_id' then event.id::text
      when name = 'occurred_at' then pg_catalog.to_char(event.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    end;
    rendered := rendered || pg_catalog.substr(rest, 1, open_at - 1) || coalesce(pg_catalog.left(value, 2000), '');
    rest := pg_catalog.substr(rest, open_at + close_at + 3);
    exit when pg_catalog.length(rendered) >= max_length;
  end loop;
  return pg_catalog.left(rendered || rest, max_length);
end;
$$;
comment on function private.render_template(text, public.alert_events, int) is
  'Fills a template''s placeholders from an event as plain text in one left-to-right pass (values are never re-expanded; strings unquoted, other JSON as JSON text, each at most 2000 characters; missing values empty), cut to max_length characters.';

-- Pure functions: members need them for the dry run and the validation trigger they fire.
revoke all on function private.routing_keys(text), private.is_routing_pattern(text), private.is_payload_path(text),
  private.describe_json(jsonb), private.condition_failure(jsonb, jsonb),
  private.template_placeholders(text), private.is_template_placeholder(text), private.render_template(text, public.alert_events, int)
  from public;
grant execute on function private.routing_keys(text), private.is_routing_pattern(text), private.is_payload_path(text),
  private.describe_json(jsonb), private.condition_failure(jsonb, jsonb),
  private.template_placeholders(text), private.is_template_placeholder(text), private.render_template(text, public.alert_events, int)
  to authenticated, service_role;
