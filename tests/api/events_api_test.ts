import assert from "node:assert/strict";
import { OTHER_TENANT, TENANT, withRoutesWorld } from "./_routes_fixture.ts";
import { randomJson, randomString, seededRandom } from "./_random.ts";

const EVENT = { source: "pos", event_type: "inventory.low_stock", payload: { on_hand: 1 } };

Deno.test("POST /alerts/events stores one event or a batch and answers each outcome in order", async () => {
  await withRoutesWorld(async ({ json, db }) => {
    const one = await json("staff", "/alerts/events", { body: EVENT });
    assert.equal(one.status, 201, JSON.stringify(one.body));
    assert.equal(one.body.events.length, 1);
    assert.equal(one.body.events[0].status, "no_rule");
    assert.match(one.body.events[0].reason, /rule/);
    const batch = await json("manager", "/alerts/events", {
      body: {
        events: [
          { ...EVENT, dedup_key: "a" },
          {
            source: "oven",
            event_type: "quality.batch_failed",
            occurred_at: "2026-11-22T08:30:00+02:00",
          },
          { ...EVENT, dedup_key: "c" },
        ],
      },
    });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
    const rows = await db.sql`select id, dedup_key, event_type, tenant_id from public.alert_events
                              where id = any(${
      batch.body.events.map((e: { id: string }) => e.id)
    })`;
    const byId = new Map(rows.map((r) => [r.id, r]));
    assert.deepEqual(
      batch.body.events.map((e: { id: string }) => byId.get(e.id)?.dedup_key ?? null),
      ["a", null, "c"],
    );
    assert.ok(rows.every((r) => r.tenant_id === TENANT));
  });
});

Deno.test("events: viewers and strangers may not report; tenants come from the token", async () => {
  await withRoutesWorld(async ({ json, db }) => {
    for (const who of ["viewer", "stranger"] as const) {
      const res = await json(who, "/alerts/events", { body: EVENT });
      assert.equal(res.status, 403, JSON.stringify(res.body));
    }
    const other = await json("otherManager", "/alerts/events", { body: EVENT });
    assert.equal(other.status, 201);
    const named = await json("staff", "/alerts/events", {
      body: { ...EVENT, tenant_id: OTHER_TENANT },
    });
    assert.equal(named.status, 400);
    assert.match(named.body.error.message, /tenant_id/);
    const service = await json("service", "/alerts/events", { body: EVENT });
    assert.equal(service.status, 400);
    assert.match(service.body.error.message, /tenant_id/);
    const ok = await json("service", "/alerts/events", {
      body: { events: [EVENT], tenant_id: OTHER_TENANT },
    });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const counts = await db
      .sql`select tenant_id, count(*)::int as n from public.alert_events group by 1`;
    assert.deepEqual(counts.map((r) => [r.tenant_id, r.n]), [[OTHER_TENANT, 2]]);
  });
});

Deno.test("events: a retry with the same Idempotency-Key stores nothing and answers the same", async () => {
  await withRoutesWorld(async ({ json, db }) => {
    const init = {
      body: { events: [EVENT, { ...EVENT, dedup_key: "x" }] },
      headers: { "idempotency-key": "delivery-42" },
    };
    const first = await json("staff", "/alerts/events", init);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.replayed, false);
    const second = await json("staff", "/alerts/events", init);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.replayed, true);
    assert.deepEqual(second.body.events, first.body.events);
    const keys = await db.sql`select idempotency_key from public.alert_events order by 1`;
    assert.deepEqual(keys.map((r) => r.idempotency_key), ["delivery-42:0", "delivery-42:1"]);
    const single = { body: EVENT, headers: { "idempotency-key": "one" } };
    const a = await json("staff", "/alerts/events", single);
    const b = await json("manager", "/alerts/events", single);
    assert.deepEqual([a.status, b.status], [201, 200]);
    assert.deepEqual(b.body.events, a.body.events);
    assert.equal(a.body.events[0].idempotency_key, "one");
    const other = await json("otherManager", "/alerts/events", single);
    assert.equal(other.status, 201, "keys are per tenant");
    assert.notEqual(other.body.events[0].id, a.body.events[0].id);
  });
});

Deno.test("events: 1,000 events are accepted in one request; 1,001 answer 413", async () => {
  await withRoutesWorld(async ({ json, db }) => {
    const events = Array.from({ length: 1001 }, (_, i) => ({ ...EVENT, dedup_key: `k${i}` }));
    const tooMany = await json("staff", "/alerts/events", { body: { events } });
    assert.equal(tooMany.status, 413, JSON.stringify(tooMany.body));
    assert.equal(tooMany.body.error.code, "payload_too_large");
    assert.equal((await db.sql`select count(*)::int as n from public.alert_events`)[0].n, 0);
    const full = await json("staff", "/alerts/events", { body: { events: events.slice(1) } });
    assert.equal(full.status, 201);
    assert.equal(full.body.events.length, 1000);
    assert.equal(
      full.body.events[999].id,
      (await db.sql`
      select id from public.alert_events where dedup_key = 'k1000'`)[0].id,
    );
  });
});

Deno.test("events: malformed events answer 400, ones the engine refuses 422, naming the field; nothing is stored", async () => {
  await withRoutesWorld(async ({ json, db }) => {
    const cases: [unknown, RegExp, number?][] = [
      [
        { events: [EVENT, { ...EVENT, event_type: "bad type" }] },
        /events\.1\.event_type|event_type/,
      ],
      [{ ...EVENT, payload: [1] }, /payload/],
      [{ ...EVENT, payload: { a: "x\u0000y" } }, /payload/],
      [{ ...EVENT, severity: "high" }, /severity/],
      [{ events: [] }, /events/],
      [{ ...EVENT, occurred_at: "yesterday" }, /occurred_at/],
      // Well formed, but over the payload_size check constraint (23514): 422.
      [{ ...EVENT, payload: { big: "x".repeat(70000) } }, /payload/, 422],
    ];
    for (const [body, field, status = 400] of cases) {
      const res = await json("staff", "/alerts/events", { body });
      assert.equal(res.status, status, JSON.stringify(res.body).slice(0, 500));
      assert.equal(res.body.error.code, status === 400 ? "invalid_input" : "unprocessable");
      assert.match(JSON.stringify(res.body.error), field);
    }
    const badKey = await json("staff", "/alerts/events", {
      body: EVENT,
      headers: { "idempotency-key": "k".repeat(300) },
    });
    assert.equal(badKey.status, 400);
    assert.equal((await db.sql`select count(*)::int as n from public.alert_events`)[0].n, 0);
  });
});

Deno.test("random event bodies never make POST /alerts/events answer 5xx (seed 11)", async () => {
  await withRoutesWorld(async ({ json }) => {
    const random = seededRandom(11);
    const event = () => {
      const e: Record<string, unknown> = random.chance(0.6) ? { ...EVENT } : {};
      for (let n = random.int(3); n > 0; n--) {
        e[random.pick(["source", "event_type", "payload", "dedup_key", "occurred_at", "x"])] =
          random
            .pick([
              () => randomJson(random),
              () => randomString(random),
              () => ({ [randomString(random)]: randomJson(random) }),
            ])();
      }
      return e;
    };
    for (let round = 0; round < 300; round++) {
      const body = random.pick([
        () => event(),
        () => ({ events: Array.from({ length: random.int(4) }, event) }),
        () => ({ events: [event()], tenant_id: random.pick([TENANT, randomString(random)]) }),
        () => randomJson(random),
      ])();
      const headers: Record<string, string> = random.chance(0.3)
        ? { "idempotency-key": randomString(random).replace(/[^\x20-\x7e]/g, "") || "k" }
        : {};
      const who = random.pick(["viewer", "staff", "owner", "service"] as const);
      const res = await json(who, "/alerts/events", { body, headers });
      assert.ok(
        res.status < 500,
        `${JSON.stringify(body).slice(0, 300)} → ${JSON.stringify(res.body)}`,
      );
      if (res.status >= 400) assert.equal(typeof res.body.error.code, "string");
    }
  });
});
