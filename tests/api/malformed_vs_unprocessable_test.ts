/**
 * @module
 * 400 or 422 (docs/errors.md): a request that fails its zod schema is malformed, 400
 * `invalid_input` listing each field; one that passes the schema but whose value the SQL engine
 * refuses (SW001, a check constraint) is 422 `unprocessable`, its message naming the field, and
 * nothing of it is written. The OpenAPI document lists 422 where it can occur.
 */

import assert from "node:assert/strict";
import { withRoutesWorld } from "./_routes_fixture.ts";

const inOneHour = () => new Date(Date.now() + 3600e3).toISOString();

function paths(details: unknown): string[] {
  return (details as Array<{ path: string }>).map((issue) => issue.path);
}

Deno.test("snooze: minutes 0 fails the schema (400, details name minutes); an until in the past is refused by SQL (422 naming until); the alert is untouched", async () => {
  await withRoutesWorld(async ({ json, raise, db }) => {
    const id = await raise();
    const history = async () =>
      (await db.sql`select count(*)::int as n from public.alert_history where alert_id = ${id}`)[0]
        .n;
    const before = await history();

    const malformed = await json("owner", `/alerts/${id}/snooze`, { body: { minutes: 0 } });
    assert.equal(malformed.status, 400, JSON.stringify(malformed.body));
    assert.equal(malformed.body.error.code, "invalid_input");
    assert.deepEqual(paths(malformed.body.error.details), ["minutes"]);

    const past = new Date(Date.now() - 60e3).toISOString();
    const refused = await json("owner", `/alerts/${id}/snooze`, { body: { until: past } });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "unprocessable");
    assert.match(refused.body.error.message, /until must be in the future/);

    const [alert] = await db.sql`select status, snoozed_until from public.alerts where id = ${id}`;
    assert.deepEqual([alert.status, alert.snoozed_until], ["active", null]);
    assert.equal(await history(), before, "no history row for a refused snooze");
  });
});

Deno.test("suppressions: an empty alert_types fails the schema (400); ends_at before starts_at is refused by SQL (422 naming ends_at); none is created", async () => {
  await withRoutesWorld(async ({ json, db }) => {
    const window = { alert_types: ["inventory.*"], ends_at: inOneHour(), reason: "Stocktake" };
    const malformed = await json("manager", "/alerts/suppressions", {
      body: { ...window, alert_types: [] },
    });
    assert.equal(malformed.status, 400, JSON.stringify(malformed.body));
    assert.equal(malformed.body.error.code, "invalid_input");
    assert.deepEqual(paths(malformed.body.error.details), ["alert_types"]);

    const refused = await json("manager", "/alerts/suppressions", {
      body: { ...window, ends_at: "2020-01-01T00:00:00Z" },
    });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "unprocessable");
    assert.match(refused.body.error.message, /ends_at/);

    const [{ n }] = await db.sql`select count(*)::int as n from public.alert_suppressions`;
    assert.equal(n, 0);
  });
});

Deno.test("rules: an unknown channel fails the schema (400); a condition the rule language rejects is refused by SQL (422 naming it); no rule is stored", async () => {
  await withRoutesWorld(async ({ json, db }) => {
    const rule = {
      name: "Low stock",
      event_types: ["inventory.*"],
      conditions: [{ path: "on_hand", op: "lte", value: 5 }],
      severity: "high",
      title_template: "Low stock of {{payload.product_id}}",
    };
    const malformed = await json("manager", "/alerts/rules", {
      body: { ...rule, channels: ["pigeon"] },
    });
    assert.equal(malformed.status, 400, JSON.stringify(malformed.body));
    assert.equal(malformed.body.error.code, "invalid_input");
    assert.deepEqual(paths(malformed.body.error.details), ["channels.0"]);

    const refused = await json("manager", "/alerts/rules", {
      body: { ...rule, conditions: [{ path: "on_hand", op: "gt", value: "many" }] },
    });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "unprocessable");
    assert.match(refused.body.error.message, /conditions\[1\]\.value/);

    const [{ n }] = await db.sql`select count(*)::int as n from public.alert_rules`;
    assert.equal(n, 0);
  });
});

Deno.test("events: a payload over the size check (23514) is 422 naming the constraint; no event is stored", async () => {
  await withRoutesWorld(async ({ json, db }) => {
    const refused = await json("staff", "/alerts/events", {
      body: {
        source: "pos",
        event_type: "inventory.low_stock",
        payload: { big: "x".repeat(70000) },
      },
    });
    assert.equal(refused.status, 422, JSON.stringify(refused.body).slice(0, 300));
    assert.equal(refused.body.error.code, "unprocessable");
    assert.deepEqual(refused.body.error.details, { constraint: "alert_events_payload_size" });
    const [{ n }] = await db.sql`select count(*)::int as n from public.alert_events`;
    assert.equal(n, 0);
  });
});

Deno.test("the OpenAPI document lists 422 on routes whose values SQL validates, not on reads", async () => {
  await withRoutesWorld(async ({ app }) => {
    const doc = await (await app.request("/alerts/openapi.json")).json();
    const responses = (method: string, path: string) =>
      Object.keys(doc.paths[path][method].responses);
    for (
      const [method, path] of [
        ["post", "/alerts/{id}/snooze"],
        ["post", "/alerts/rules"],
        ["patch", "/alerts/rules/{id}"],
        ["post", "/alerts/suppressions"],
        ["post", "/alerts/events"],
        ["patch", "/alerts/config"],
        ["patch", "/alerts/members/me/preferences"],
      ]
    ) {
      assert.ok(responses(method, path).includes("422"), `${method} ${path}`);
      assert.ok(responses(method, path).includes("400"), `${method} ${path}`);
    }
    assert.ok(!responses("get", "/alerts").includes("422"));
  });
});
