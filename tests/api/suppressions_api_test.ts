import assert from "node:assert/strict";
import { OTHER_TENANT, TENANT, withRoutesWorld } from "./_routes_fixture.ts";
import { randomDateTime, randomJson, randomString, seededRandom } from "./_random.ts";

const inOneHour = () => new Date(Date.now() + 3600e3).toISOString();
const WINDOW = () => ({
  alert_types: ["inventory.*"],
  store_ids: ["store-1"],
  ends_at: inOneHour(),
  reason: "Stocktake",
});

Deno.test("POST /alerts/suppressions starts a window every member lists, filtered by active", async () => {
  await withRoutesWorld(async ({ json }) => {
    const created = await json("manager", "/alerts/suppressions", { body: WINDOW() });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.tenant_id, TENANT);
    assert.equal(created.body.active, true);
    const planned = await json("owner", "/alerts/suppressions", {
      body: {
        ...WINDOW(),
        starts_at: inOneHour(),
        ends_at: new Date(Date.now() + 7200e3).toISOString(),
      },
    });
    assert.equal(planned.status, 201);
    assert.equal(planned.body.active, false);
    for (const who of ["viewer", "staff"] as const) {
      const all = await json(who, "/alerts/suppressions");
      assert.equal(all.body.data.length, 2);
    }
    const active = await json("viewer", "/alerts/suppressions?active=true");
    assert.deepEqual(active.body.data.map((s: { id: string }) => s.id), [created.body.id]);
    const inactive = await json("viewer", "/alerts/suppressions?active=false");
    assert.deepEqual(inactive.body.data.map((s: { id: string }) => s.id), [planned.body.id]);
    assert.equal((await json("viewer", "/alerts/suppressions?active=maybe")).status, 400);
    assert.deepEqual((await json("otherManager", "/alerts/suppressions")).body.data, []);
    const service = await json("service", "/alerts/suppressions", {
      body: { ...WINDOW(), tenant_id: OTHER_TENANT },
    });
    assert.equal(service.status, 201);
    assert.equal((await json("otherManager", "/alerts/suppressions")).body.data.length, 1);
  });
});

Deno.test("a service caller lists the suppressions of the tenant it names, and must name one", async () => {
  await withRoutesWorld(async ({ json }) => {
    const mine = await json("manager", "/alerts/suppressions", { body: WINDOW() });
    const theirs = await json("otherManager", "/alerts/suppressions", { body: WINDOW() });
    assert.equal(theirs.status, 201, JSON.stringify(theirs.body));
    const unnamed = await json("service", "/alerts/suppressions");
    assert.equal(unnamed.status, 400, JSON.stringify(unnamed.body));
    assert.deepEqual(unnamed.body.error.details.map((d: { path: string }) => d.path), [
      "tenant_id",
    ]);
    const listed = await json("service", `/alerts/suppressions?tenant_id=${OTHER_TENANT}`);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(listed.body.data.map((s: { id: string }) => s.id), [theirs.body.id]);
    const active = await json("service", `/alerts/suppressions?tenant_id=${TENANT}&active=true`);
    assert.deepEqual(active.body.data.map((s: { id: string }) => s.id), [mine.body.id]);
    const named = await json("viewer", `/alerts/suppressions?tenant_id=${TENANT}`);
    assert.equal(named.status, 400);
  });
});

Deno.test("a suppression created through the API makes the next event suppressed; ending it stops that", async () => {
  await withRoutesWorld(async ({ json }) => {
    const rule = await json("manager", "/alerts/rules", {
      body: {
        name: "Low stock",
        event_types: ["inventory.*"],
        severity: "high",
        title_template: "Low stock of {{payload.product_id}}",
      },
    });
    assert.equal(rule.status, 201);
    const { body: window } = await json("manager", "/alerts/suppressions", { body: WINDOW() });
    const event = (product: string) => ({
      source: "pos",
      event_type: "inventory.low_stock",
      payload: { store_id: "store-1", product_id: product },
    });
    const quiet = await json("staff", "/alerts/events", { body: event("rye") });
    assert.equal(quiet.body.events[0].status, "suppressed", JSON.stringify(quiet.body));
    assert.equal(quiet.body.events[0].alert_id, null);

    const staff = await json("staff", `/alerts/suppressions/${window.id}/end`, { method: "POST" });
    assert.equal(staff.status, 403);
    const foreign = await json("otherManager", `/alerts/suppressions/${window.id}/end`, {
      method: "POST",
    });
    assert.equal(foreign.status, 404);
    const unknown = await json("manager", `/alerts/suppressions/${crypto.randomUUID()}/end`, {
      method: "POST",
    });
    assert.equal(unknown.status, 404);
    const ended = await json("manager", `/alerts/suppressions/${window.id}/end`, {
      method: "POST",
    });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    assert.equal(ended.body.active, false);
    assert.ok(ended.body.ended_early_at);
    const again = await json("owner", `/alerts/suppressions/${window.id}/end`, { method: "POST" });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "invalid_transition");

    const loud = await json("staff", "/alerts/events", { body: event("wheat") });
    assert.equal(loud.body.events[0].status, "alerted", JSON.stringify(loud.body));
  });
});

Deno.test("suppressions: staff and viewers cannot create; invalid input names the field", async () => {
  await withRoutesWorld(async ({ json }) => {
    for (const who of ["viewer", "staff", "stranger"] as const) {
      assert.equal((await json(who, "/alerts/suppressions", { body: WINDOW() })).status, 403);
    }
    // 422: well formed, but SQL refuses it (SW001); 400: fails the schema.
    const cases: [unknown, RegExp, number?][] = [
      [{ ...WINDOW(), ends_at: "2020-01-01T00:00:00Z" }, /ends_at/, 422],
      [{ ...WINDOW(), alert_types: ["Bad Type!"] }, /alert_types/, 422],
      [{ ...WINDOW(), alert_types: [] }, /alert_types/],
      [{ ...WINDOW(), reason: "   " }, /reason/, 422],
      [{ ...WINDOW(), reason: undefined }, /reason/],
      [{ ...WINDOW(), store: "x" }, /store/],
      [{ ...WINDOW(), tenant_id: OTHER_TENANT }, /tenant_id/],
    ];
    for (const [body, field, status = 400] of cases) {
      const res = await json("manager", "/alerts/suppressions", { body });
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.error.code, status === 400 ? "invalid_input" : "unprocessable");
      assert.match(res.body.error.message, field);
    }
  });
});

Deno.test("random suppression bodies never make the endpoints answer 5xx (seed 13)", async () => {
  await withRoutesWorld(async ({ json }) => {
    const random = seededRandom(13);
    const { body: window } = await json("manager", "/alerts/suppressions", { body: WINDOW() });
    const fields = [
      "alert_types",
      "store_ids",
      "product_ids",
      "starts_at",
      "ends_at",
      "reason",
      "x",
    ];
    for (let round = 0; round < 300; round++) {
      const body: Record<string, unknown> = random.chance(0.5) ? WINDOW() : {};
      for (let n = random.int(4); n > 0; n--) {
        body[random.pick(fields)] = random.pick([
          () => randomJson(random),
          () => randomString(random),
          () => randomDateTime(random),
          () => [randomString(random)],
          () => null,
        ])();
      }
      const who = random.pick(["viewer", "manager", "owner", "service"] as const);
      const [method, path] = random.pick([
        ["POST", "/alerts/suppressions"],
        ["POST", `/alerts/suppressions/${random.pick([window.id, crypto.randomUUID()])}/end`],
        [
          "GET",
          `/alerts/suppressions?active=${encodeURIComponent(randomString(random).toWellFormed())}`,
        ],
      ]);
      const res = await json(who, path, {
        method,
        body: method === "GET" ? undefined : random.chance(0.05) ? randomJson(random) : body,
      });
      assert.ok(
        res.status < 500,
        `${method} ${path} ${JSON.stringify(body)} → ${JSON.stringify(res.body)}`,
      );
      if (res.status >= 400) assert.equal(typeof res.body.error.code, "string");
    }
  });
});
