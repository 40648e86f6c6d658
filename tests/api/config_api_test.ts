import assert from "node:assert/strict";
import { OTHER_TENANT, TENANT, withRoutesWorld } from "./_routes_fixture.ts";
import { randomJson, randomString, seededRandom } from "./_random.ts";

const HOOK = "https://hooks.slack.example/services/T000/SECRET";

Deno.test("PATCH /alerts/config deep-merges sections; null removes a key", async () => {
  await withRoutesWorld(async ({ json, db }) => {
    assert.deepEqual((await json("viewer", "/alerts/config")).body, { settings: {} });
    const patch = (body: unknown) => json("owner", "/alerts/config", { method: "PATCH", body });
    let res = await patch({
      stock: { safety_days: 3 },
      notifications: { sla: { high: { acknowledge_minutes: 10 } } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    res = await patch({
      stock: { order_cycle_days: 5 },
      notifications: { sla: { high: { resolve_minutes: 60 } }, digest: "daily" },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.settings, {
      stock: { safety_days: 3, order_cycle_days: 5 },
      notifications: {
        sla: { high: { acknowledge_minutes: 10, resolve_minutes: 60 } },
        digest: "daily",
      },
    });
    res = await patch({ stock: { safety_days: null }, notifications: null });
    assert.deepEqual(res.body.settings, { stock: { order_cycle_days: 5 } });
    const [row] = await db.sql`select settings from public.tenants where id = ${TENANT}`;
    assert.deepEqual(row.settings, { stock: { order_cycle_days: 5 } });
    assert.deepEqual((await json("manager", "/alerts/config")).body.settings, row.settings);
  });
});

Deno.test("config: only owners change it; members read it with URLs redacted; others never see it", async () => {
  await withRoutesWorld(async ({ json }) => {
    const body = { notifications: { webhooks: [{ channel: "slack", url: HOOK, name: "ops" }] } };
    for (const who of ["manager", "staff", "viewer", "stranger"] as const) {
      const res = await json(who, "/alerts/config", { method: "PATCH", body });
      assert.equal(res.status, 403, `${who}: ${JSON.stringify(res.body)}`);
    }
    const res = await json("owner", "/alerts/config", { method: "PATCH", body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.settings.notifications.webhooks[0].url, HOOK);
    const staff = await json("staff", "/alerts/config");
    assert.equal(staff.body.settings.notifications.webhooks[0].url, "[redacted]");
    assert.equal(
      (await json("owner", "/alerts/config")).body.settings.notifications.webhooks[0].url,
      HOOK,
    );
    const other = await json("otherManager", "/alerts/config");
    assert.equal(other.status, 200);
    assert.deepEqual(other.body.settings, {});
    assert.equal((await json("stranger", "/alerts/config")).status, 403);
    assert.equal((await json("viewer", `/alerts/config?tenant_id=${OTHER_TENANT}`)).status, 400);
    const service = await json("service", `/alerts/config?tenant_id=${TENANT}`);
    assert.equal(service.body.settings.notifications.webhooks[0].url, HOOK);
    const servicePatch = await json("service", `/alerts/config?tenant_id=${OTHER_TENANT}`, {
      method: "PATCH",
      body: { retention: { events_days: 30 } },
    });
    assert.equal(servicePatch.status, 200, JSON.stringify(servicePatch.body));
    assert.deepEqual((await json("otherManager", "/alerts/config")).body.settings, {
      retention: { events_days: 30 },
    });
  });
});

Deno.test("config: malformed patches answer 400, settings SQL refuses 422, naming the field and changing nothing", async () => {
  await withRoutesWorld(async ({ json }) => {
    // 422: well-formed sections whose values the SQL validation (SW001) refuses.
    const cases: [unknown, RegExp, number][] = [
      [{ stock: { critical_days: "soon" } }, /settings\.stock/, 422],
      [{ notifications: { bogus: 1 } }, /settings\.notifications/, 422],
      [{ notifications: { sla: { high: { resolve_minutes: 0 } } } }, /resolve_minutes/, 422],
      [
        { notifications: { webhooks: [{ channel: "slack", url: "http://x" }] } },
        /webhooks\[0\]\.url/,
        422,
      ],
      [{ retention: { forever: true } }, /settings\.retention/, 422],
      // 400: the patch itself fails the schema.
      [{ colours: {} }, /colours/, 400],
      [{ stock: [1] }, /stock/, 400],
      [{}, /section/, 400],
    ];
    for (const [body, field, status] of cases) {
      const res = await json("owner", "/alerts/config", { method: "PATCH", body });
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.error.code, status === 400 ? "invalid_input" : "unprocessable");
      assert.match(res.body.error.message, field);
    }
    assert.deepEqual((await json("owner", "/alerts/config")).body.settings, {});
  });
});

Deno.test("random config patches never make PATCH /alerts/config answer 5xx (seed 17)", async () => {
  await withRoutesWorld(async ({ json }) => {
    const random = seededRandom(17);
    const sections = ["notifications", "stock", "data_quality", "retention", "x"];
    const keys = [
      "safety_days",
      "critical_days",
      "digest",
      "sla",
      "escalation",
      "webhooks",
      "events_days",
      "quiet_hours",
      "channels",
      "high",
    ];
    const value = (depth: number): unknown =>
      depth > 0 && random.chance(0.4)
        ? Object.fromEntries(
          Array.from({ length: 1 + random.int(3) }, () => [random.pick(keys), value(depth - 1)]),
        )
        : random.chance(0.5)
        ? randomJson(random, 1)
        : randomString(random);
    for (let round = 0; round < 300; round++) {
      const body = random.chance(0.1) ? randomJson(random) : Object.fromEntries(
        Array.from({ length: 1 + random.int(2) }, () => [random.pick(sections), value(3)]),
      );
      const who = random.pick(["owner", "owner", "manager", "service"] as const);
      const path = who === "service" ? `/alerts/config?tenant_id=${TENANT}` : "/alerts/config";
      const res = await json(who, path, { method: "PATCH", body });
      assert.ok(
        res.status < 500,
        `${JSON.stringify(body).slice(0, 300)} → ${JSON.stringify(res.body)}`,
      );
      if (res.status >= 400) assert.equal(typeof res.body.error.code, "string");
    }
  });
});
