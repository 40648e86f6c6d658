/**
 * @module
 * Tenant isolation matrix: an owner of tenant A, with A's valid token, aims at tenant B through
 * every alerts and notify route family, through SQL under RLS on every public table and view, and
 * through Realtime topics and presence. B's rows never appear and never change.
 */

import assert from "node:assert/strict";
import type { RealtimeChannel } from "@supabase/supabase-js";
import { type Sql, withClaims } from "../../functions/_shared/db.ts";
import { userClaims } from "../../local/tokens.ts";
import { eventually, type Received, subscribed } from "../realtime/_realtime_fixture.ts";
import { OWNER_A, OWNER_B, startSecurityWorld, TENANT_A, TENANT_B } from "./_security_world.ts";

/** Text that only B's rows contain (titles, names, emails). */
const B_MARKERS = ["of b", "owner-b@", "Rule b", "Key b", "Maintenance b"];

function assertNoB(text: string, what: string, extra: string[] = []) {
  for (const marker of [...B_MARKERS, ...extra]) {
    assert.ok(!text.includes(marker), `${what} shows B's "${marker}": ${text.slice(0, 300)}`);
  }
}

Deno.test("HTTP: an owner of A naming B's ids or tenant gets 400/403/404 on every route family and B changes nowhere", async () => {
  await using world = await startSecurityWorld();
  const { b } = world;
  const before = await world.snapshot();
  const denied: Array<[string, string, unknown?]> = [
    ["GET", `/alerts/${b.alert}`],
    ["POST", `/alerts/${b.alert}/acknowledge`, { note: "x" }],
    ["POST", `/alerts/${b.alert}/resolve`, { note: "x" }],
    ["POST", `/alerts/${b.alert}/snooze`, { minutes: 30 }],
    ["POST", `/alerts/${b.alert}/unsnooze`, {}],
    ["GET", `/alerts/rules/${b.rule}`],
    ["PATCH", `/alerts/rules/${b.rule}`, { active: false }],
    ["DELETE", `/alerts/rules/${b.rule}`],
    ["POST", `/alerts/suppressions/${b.suppression}/end`, {}],
    ["DELETE", `/alerts/ingest-keys/${b.ingestKey}`],
    ["DELETE", `/alerts/push/subscriptions/${b.push}`],
    ["PATCH", `/alerts/members/${OWNER_B}`, { role: "viewer" }],
    ["DELETE", `/alerts/members/${OWNER_B}`],
    // a member's tenant comes from the token; naming one is refused
    ["GET", `/alerts?tenant_id=${TENANT_B}`],
    ["POST", "/alerts/rules", {
      tenant_id: TENANT_B,
      name: "planted",
      event_types: ["x.*"],
      title_template: "planted",
    }],
    ["POST", "/alerts/rules/dry-run", {
      tenant_id: TENANT_B,
      event_types: ["inventory.*"],
      title_template: "t",
    }],
    ["POST", "/alerts/suppressions", {
      tenant_id: TENANT_B,
      ends_at: new Date(Date.now() + 3600_000).toISOString(),
      reason: "planted",
    }],
    ["POST", "/alerts/events", {
      tenant_id: TENANT_B,
      source: "pos",
      event_type: "inventory.low_stock",
      payload: {},
    }],
    ["PATCH", "/alerts/config", { tenant_id: TENANT_B, timezone: "UTC" }],
    ["GET", `/alerts/analytics/daily?tenant_id=${TENANT_B}`],
    ["GET", `/alerts/stock?tenant_id=${TENANT_B}`],
    ["POST", "/notify/dispatch", {}],
    ["POST", "/notify/verify/confirm", { channel: "sms", code: "123456", tenant_id: TENANT_B }],
  ];
  for (const [method, path, body] of denied) {
    const res = await world.call("A", path, { method, body });
    const text = await res.text();
    assert.ok(
      [400, 403, 404, 405, 422].includes(res.status),
      `${method} ${path} answered ${res.status}: ${text}`,
    );
    assertNoB(text, `${method} ${path}`);
  }
  // bulk actions take ids of B: nothing of B's changes, whatever they answer
  for (const action of ["acknowledge", "resolve"]) {
    const res = await world.call("A", `/alerts/bulk/${action}`, { body: { ids: [b.alert] } });
    const text = await res.text();
    assert.ok(res.status < 500, `bulk ${action} answered ${res.status}: ${text}`);
    assertNoB(text, `bulk ${action}`);
  }
  assert.equal(await world.snapshot(), before, "no row of any table changed");
});

Deno.test("HTTP: every list and read route A can call answers only A's data", async () => {
  await using world = await startSecurityWorld();
  const reads = [
    "/alerts",
    "/alerts?q=Secret",
    "/alerts?store_id=store-1&alert_type=inventory.low_stock",
    "/alerts?status=active,acknowledged,snoozed,resolved",
    "/alerts/active",
    "/alerts/summary",
    `/alerts/${world.a.alert}`,
    "/alerts/analytics/dashboard",
    "/alerts/analytics/daily",
    "/alerts/stock",
    "/alerts/rules",
    "/alerts/suppressions",
    "/alerts/members",
    "/alerts/members/me",
    "/alerts/members/me/preferences",
    "/alerts/ingest-keys",
    "/alerts/config",
    "/alerts/push/subscriptions",
    "/notify/inbox",
  ];
  for (const path of reads) {
    const res = await world.call("A", path);
    const text = await res.text();
    if (path === "/alerts/push/subscriptions") {
      assert.ok(res.status < 500, `${path}: ${res.status}`);
    } else assert.equal(res.status, 200, `${path}: ${text}`);
    assertNoB(text, path, [world.b.alert, world.b.rule, world.b.suppression, world.b.ingestKey]);
  }
  // and A's own alert is there, so the reads did look
  const list = await (await world.call("A", "/alerts?q=Secret")).json();
  assert.deepEqual(list.data.map((alert: { id: string }) => alert.id), [world.a.alert]);
});

/** Public tables and views with a tenant column (tenants itself by `id`). */
async function tenantRelations(sql: Sql) {
  return await sql<{ name: string; kind: string; column: string }[]>`
    select c.relname as name, c.relkind::text as kind, a.attname as column
    from pg_class c join pg_attribute a on a.attrelid = c.oid
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'v', 'm')
      and ((c.relname = 'tenants' and a.attname = 'id')
        or (c.relname <> 'tenants' and a.attname = 'tenant_id'))
    order by 1`;
}

Deno.test("SQL under RLS: as a member of A, select/insert/update/delete on B's rows of every public table affects nothing", async () => {
  await using security = await startSecurityWorld();
  const sql = security.stack.db.sql;
  const claims = {
    ...userClaims({ tenantId: TENANT_A, userId: OWNER_A }),
    exp: Math.floor(Date.now() / 1000) + 600,
  };
  const relations = await tenantRelations(sql);
  assert.ok(relations.length >= 20, `found only ${relations.length} tenant tables`);
  const before = await security.snapshot();
  const outcomes: string[] = [];
  for (const { name, kind, column } of relations) {
    const table = sql(`public.${name}`);
    const col = sql(column);
    const [{ total }] = await sql<{ total: number }[]>`
      select count(*)::int as total from ${table} where ${col} = ${TENANT_B}`;
    try {
      const seen = await withClaims(
        sql,
        claims,
        (tx) =>
          tx<{ n: number }[]>`select count(*)::int as n from ${table} where ${col} = ${TENANT_B}`,
      );
      assert.equal(seen[0].n, 0, `${name}: A sees ${seen[0].n} of B's ${total} rows`);
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      assert.equal((error as { code?: string }).code, "42501", `${name}: select: ${error}`);
      outcomes.push(`${name} select: 42501`);
    }
    if (kind !== "r") continue;
    assert.ok(total > 0, `${name}: the world seeded no row of B, so the check proves nothing`);

    const attempt = async (what: string, work: Parameters<typeof withClaims>[2]) => {
      try {
        const rows = await withClaims(sql, claims, work) as unknown[];
        assert.equal(rows.length, 0, `${name}: ${what} as A touched ${rows.length} of B's rows`);
        outcomes.push(`${name} ${what}: 0 rows`);
      } catch (error) {
        if (error instanceof assert.AssertionError) throw error;
        const code = (error as { code?: string }).code ?? "";
        assert.ok(code !== "", `${name}: ${what} failed without a SQLSTATE: ${error}`);
        outcomes.push(`${name} ${what}: ${code}`);
      }
    };
    await attempt(
      "update",
      (tx) => tx`update ${table} set ${col} = ${col} where ${col} = ${TENANT_B} returning 1`,
    );
    await attempt(
      "delete",
      (tx) => tx`delete from ${table} where ${col} = ${TENANT_B} returning 1`,
    );
    if (name !== "tenants") {
      // moving one of A's own rows into B must not work either
      await attempt(
        "update into B",
        (tx) => tx`update ${table} set ${col} = ${TENANT_B} where ${col} = ${TENANT_A} returning 1`,
      );
    }
    // an insert of a copy of B's row (new keys where they are generated) must fail
    const [copy] = await sql<{ row: Record<string, unknown> }[]>`
      select to_jsonb(t) as row from ${table} t where ${col} = ${TENANT_B} limit 1`;
    const row = { ...copy.row };
    for (const key of ["id", "jti"]) {
      if (typeof row[key] === "string" && /^[0-9a-f-]{36}$/.test(row[key] as string)) {
        row[key] = crypto.randomUUID();
      } else if (key in row) delete row[key];
    }
    if (name === "tenant_members") row.user_id = OWNER_A;
    if (name === "tenants") {
      outcomes.push("tenants insert: skipped (a new tenant is not B's)");
      continue;
    }
    // only the columns an insert may name (identity and generated ones are the database's)
    const columns = await sql<{ name: string }[]>`
      select column_name as name from information_schema.columns
      where table_schema = 'public' and table_name = ${name}
        and is_identity = 'NO' and is_generated = 'NEVER' order by ordinal_position`;
    const names = sql(columns.map((c) => c.name));
    try {
      await withClaims(
        sql,
        claims,
        (tx) =>
          tx`insert into ${table} (${names}) select ${names} from jsonb_populate_record(null::${table}, ${
            sql.json(row as never)
          })`,
      );
      assert.fail(`${name}: A inserted a row into B`);
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      const code = (error as { code?: string }).code;
      assert.equal(code, "42501", `${name}: insert refused for another reason: ${error}`);
      outcomes.push(`${name} insert: ${code}`);
    }
  }
  assert.equal(await security.snapshot(), before, "no row of any table changed");
  assert.ok(outcomes.length > 80, outcomes.join("\n"));
});

function presenceKeys(channel: RealtimeChannel): string[] {
  return Object.keys(channel.presenceState()).sort();
}

Deno.test("Realtime: A cannot join B's topic, its broadcasts never reach B, and it never sees B's presence", async () => {
  await using world = await startSecurityWorld();
  const topicB = `tenant:${TENANT_B}:alerts`;
  const topicA = `tenant:${TENANT_A}:alerts`;
  const victim = await world.client("B");
  const heardB: Received[] = [];
  const channelB = victim.channel(topicB, { config: { private: true, presence: { key: "bob" } } })
    .on("broadcast", { event: "*" }, (m) => heardB.push(m))
    .on("presence", { event: "sync" }, () => {});
  const joinedB = await subscribed(channelB);
  assert.equal(joinedB.status, "SUBSCRIBED", joinedB.error?.message);
  assert.equal(await channelB.track({ alert: world.b.alert }), "ok");

  const attacker = await world.client("A");
  // joining B's private topic is refused
  const joined = attacker.channel(topicB, { config: { private: true } });
  const refused = await subscribed(joined);
  assert.equal(refused.status, "CHANNEL_ERROR");
  assert.match(refused.error?.message ?? "", /^Unauthorized: /);
  await attacker.removeChannel(joined);

  // the public topic of the same name: joins, but hears nothing of B and sees no presence of B
  const heardPublic: Received[] = [];
  const publicB = attacker.channel(topicB, { config: { private: false } })
    .on("broadcast", { event: "*" }, (m) => heardPublic.push(m))
    .on("presence", { event: "sync" }, () => {});
  assert.equal((await subscribed(publicB)).status, "SUBSCRIBED");
  await publicB.send({ type: "broadcast", event: "INSERT", payload: { forged: "public" } });
  // A's own topic with presence: only A's key shows
  const own = attacker.channel(topicA, { config: { private: true, presence: { key: "alice" } } })
    .on("presence", { event: "sync" }, () => {});
  assert.equal((await subscribed(own)).status, "SUBSCRIBED");
  assert.equal(await own.track({ alert: world.a.alert }), "ok");
  await eventually(() => presenceKeys(own).includes("alice"), "A sees itself");

  // REST broadcasts with A's token, private and not, to B's topic
  const res = await fetch(`${world.stack.url}/realtime/v1/api/broadcast`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await world.stack.tokenFor({
        tenantId: TENANT_A,
        userId: OWNER_A,
      })}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      messages: [
        { topic: topicB, event: "INSERT", payload: { forged: "rest-private" }, private: true },
        { topic: topicB, event: "INSERT", payload: { forged: "rest-public" }, private: false },
      ],
    }),
  });
  await res.body?.cancel();
  assert.ok(res.status < 500, `REST broadcast answered ${res.status}`);

  // a real alert of B is the barrier: everything sent before it has been fanned out
  // (inserted directly: B's seeded maintenance window would suppress raise_alert)
  await world.stack.db.sql`
    insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key)
    values (${TENANT_B}, 'stockout_risk', 'high', 'barrier', 'barrier')`;
  await eventually(
    () => heardB.some((m) => m.payload?.record?.title === "barrier"),
    `barrier in ${JSON.stringify(heardB)}`,
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(heardB.filter((m) => m.payload?.forged), [], "no forged broadcast reached B");
  assert.deepEqual(
    heardPublic.filter((m) => m.payload?.record),
    [],
    "no B alert on the public topic",
  );
  assert.deepEqual(presenceKeys(publicB), [], "no presence of B on the public topic");
  assert.deepEqual(presenceKeys(own), ["alice"], "A's topic shows only A");
  assert.deepEqual(presenceKeys(channelB), ["bob"], "B's topic shows only B");
});

Deno.test({
  name: "SQL: a member of A calling realtime.send() cannot broadcast on B's alerts topic",
  // realtime.send is security invoker, as hosted: the member's insert into realtime.messages
  // meets the topic's RLS policy and is refused (a warning, as hosted), so nothing reaches B.
  async fn() {
    await using world = await startSecurityWorld();
    const sql = world.stack.db.sql;
    const claims = {
      ...userClaims({ tenantId: TENANT_A, userId: OWNER_A }),
      exp: Math.floor(Date.now() / 1000) + 600,
    };
    await withClaims(
      sql,
      claims,
      (tx) =>
        tx`select realtime.send(${sql.json({ forged: true })}, 'INSERT',
                              ${`tenant:${TENANT_B}:alerts`}, true)`,
    );
    const forged = await sql`
      select 1 from realtime.messages where topic = ${`tenant:${TENANT_B}:alerts`}
        and payload ? 'forged'`;
    assert.equal(forged.length, 0, "A wrote a broadcast on B's private topic");
  },
});
