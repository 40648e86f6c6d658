import assert from "node:assert/strict";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AuthEnv } from "../../functions/_shared/auth.ts";
import { registerConfigRoutes } from "../../functions/alerts/config.ts";
import { registerEventRoutes } from "../../functions/alerts/events.ts";
import type { RouteDeps } from "../../functions/alerts/route_deps.ts";
import { registerRuleRoutes } from "../../functions/alerts/rules.ts";
import { registerSuppressionRoutes } from "../../functions/alerts/suppressions.ts";
import { type Caller, OTHER_TENANT, TENANT, withRoutesWorld } from "./_routes_fixture.ts";
import { randomJson, randomString, seededRandom } from "./_random.ts";

const RULE = {
  name: "Low stock",
  event_types: ["inventory.*"],
  conditions: [{ path: "on_hand", op: "lte", value: 5 }],
  severity: "high",
  title_template: "Low stock of {{payload.product_id}}",
};

Deno.test("POST /alerts/rules creates a rule every member lists; other tenants never see it", async () => {
  await withRoutesWorld(async ({ json }) => {
    const created = await json("manager", "/alerts/rules", { body: RULE });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.tenant_id, TENANT);
    assert.equal(created.body.category, "operations");
    assert.deepEqual(created.body.channels, []);
    assert.equal(created.body.active, true);
    for (const who of ["viewer", "staff", "manager", "owner"] as const) {
      const list = await json(who, "/alerts/rules");
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.data.map((r: { id: string }) => r.id), [created.body.id]);
    }
    const other = await json("otherManager", "/alerts/rules");
    assert.deepEqual(other.body.data, []);
    const id = created.body.id;
    const patch = await json("otherManager", `/alerts/rules/${id}`, {
      method: "PATCH",
      body: { active: false },
    });
    assert.equal(patch.status, 404);
    assert.equal(
      (await json("otherManager", `/alerts/rules/${id}`, { method: "DELETE" })).status,
      404,
    );
    assert.equal((await json("service", "/alerts/rules", { body: RULE })).status, 400);
    const service = await json("service", "/alerts/rules", {
      body: { ...RULE, tenant_id: OTHER_TENANT },
    });
    assert.equal(service.status, 201);
    assert.equal(service.body.tenant_id, OTHER_TENANT);
    assert.equal((await json("otherManager", "/alerts/rules")).body.data.length, 1);
  });
});

Deno.test("GET /alerts/rules pages newest first by cursor, without duplicates or gaps while rules keep arriving", async () => {
  await withRoutesWorld(async ({ json }) => {
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await json("manager", "/alerts/rules", {
        body: { ...RULE, name: `Rule ${i}`, active: i % 2 === 0 },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      created.push(res.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? "" : `&cursor=${cursor}`;
      const page = await json("viewer", `/alerts/rules?limit=3${query}`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.ok(page.body.data.length <= 3);
      seen.push(...page.body.data.map((r: { id: string }) => r.id));
      cursor = page.body.next_cursor;
      // Rules created while paging are newer than the cursor: they never shift later pages.
      if (pages++ === 0) {
        await json("manager", "/alerts/rules", { body: { ...RULE, name: "Late" } });
      }
    } while (cursor !== null);
    assert.deepEqual(seen, created.toReversed());
    assert.equal(pages, 3);

    const first = await json("viewer", "/alerts/rules?limit=200");
    assert.equal(first.body.data.length, 8);
    assert.equal(first.body.next_cursor, null);
    const off = await json("viewer", "/alerts/rules?active=false");
    assert.deepEqual(
      off.body.data.map((r: { id: string }) => r.id),
      created.filter((_, i) => i % 2 === 1).toReversed(),
    );
    for (const query of ["limit=0", "limit=201", "cursor=nonsense", "active=maybe", "extra=1"]) {
      const res = await json("viewer", `/alerts/rules?${query}`);
      assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "invalid_input");
      const field = query.split("=")[0];
      assert.ok(
        res.body.error.details.some((d: { path: string }) => d.path === field),
        `${query}: ${JSON.stringify(res.body)}`,
      );
    }
  });
});

Deno.test("a service caller lists the rules of the tenant it names, and must name one", async () => {
  await withRoutesWorld(async ({ json }) => {
    const mine = await json("manager", "/alerts/rules", { body: RULE });
    const theirs = await json("otherManager", "/alerts/rules", { body: RULE });
    const unnamed = await json("service", "/alerts/rules");
    assert.equal(unnamed.status, 400, JSON.stringify(unnamed.body));
    assert.deepEqual(unnamed.body.error.details.map((d: { path: string }) => d.path), [
      "tenant_id",
    ]);
    const listed = await json("service", `/alerts/rules?tenant_id=${OTHER_TENANT}`);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(listed.body.data.map((r: { id: string }) => r.id), [theirs.body.id]);
    const own = await json("service", `/alerts/rules?tenant_id=${TENANT}&limit=1`);
    assert.deepEqual(own.body.data.map((r: { id: string }) => r.id), [mine.body.id]);
    // A member's tenant comes from their token: naming one (even their own) is refused.
    const named = await json("manager", `/alerts/rules?tenant_id=${TENANT}`);
    assert.equal(named.status, 400);
    assert.equal(named.body.error.details[0].path, "tenant_id");
  });
});

Deno.test("rules: staff and viewers read but cannot write; managers and owners can", async () => {
  await withRoutesWorld(async ({ json }) => {
    for (const who of ["viewer", "staff", "stranger"] as Caller[]) {
      const res = await json(who, "/alerts/rules", { body: RULE });
      assert.equal(res.status, 403, `${who}: ${JSON.stringify(res.body)}`);
    }
    const { body: rule } = await json("owner", "/alerts/rules", { body: RULE });
    for (const who of ["viewer", "staff"] as const) {
      const patch = await json(who, `/alerts/rules/${rule.id}`, {
        method: "PATCH",
        body: { name: "x" },
      });
      assert.equal(patch.status, 403, JSON.stringify(patch.body));
      assert.equal(patch.body.error.code, "forbidden");
      const del = await json(who, `/alerts/rules/${rule.id}`, { method: "DELETE" });
      assert.equal(del.status, 403);
      const dry = await json(who, "/alerts/rules/dry-run", { body: RULE });
      assert.equal(dry.status, 403);
    }
    const patched = await json("manager", `/alerts/rules/${rule.id}`, {
      method: "PATCH",
      body: { name: "Renamed", severity: null, severity_map: { path: "level", map: { x: "low" } } },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.name, "Renamed");
    assert.equal(patched.body.severity, null);
    assert.deepEqual(patched.body.conditions, RULE.conditions, "untouched fields are kept");
    const del = await json("manager", `/alerts/rules/${rule.id}`, { method: "DELETE" });
    assert.equal(del.status, 204);
    assert.equal(
      (await json("manager", `/alerts/rules/${rule.id}`, { method: "DELETE" })).status,
      404,
    );
  });
});

Deno.test("rules: malformed input answers 400 (zod), input the rule language refuses 422 (SQL SW001), naming the field", async () => {
  await withRoutesWorld(async ({ json }) => {
    const cases: [unknown, RegExp, number?][] = [
      [{ ...RULE, bogus: 1 }, /bogus/],
      [{ ...RULE, severity: "urgent" }, /severity/],
      [{ ...RULE, conditions: [{ path: "x", op: "like", value: 1 }] }, /conditions\.0\.op/],
      [
        { ...RULE, conditions: [{ path: "x", op: "gt", value: "a" }] },
        /conditions\[1\]\.value/,
        422,
      ],
      [{ ...RULE, event_types: ["not a type!"] }, /event_types/, 422],
      [{ ...RULE, severity: undefined }, /severity and severity_map/, 422],
      [{ ...RULE, title_template: "{{nope}}" }, /title_template/, 422],
      [{ ...RULE, category: "Bad Category" }, /category/, 422],
      [{ ...RULE, channels: ["pigeon"] }, /channels/],
    ];
    for (const [body, field, status = 400] of cases) {
      const res = await json("manager", "/alerts/rules", { body });
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.error.code, status === 400 ? "invalid_input" : "unprocessable");
      assert.match(res.body.error.message, field);
    }
    const { body: rule } = await json("manager", "/alerts/rules", { body: RULE });
    const res = await json("manager", `/alerts/rules/${rule.id}`, {
      method: "PATCH",
      body: { priority: null, max_alerts_per_hour: 0 },
    });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /max_alerts_per_hour/);
    const empty = await json("manager", `/alerts/rules/${rule.id}`, { method: "PATCH", body: {} });
    assert.equal(empty.status, 400);
  });
});

Deno.test("POST /alerts/rules/dry-run reports which recent events an unsaved rule matches", async () => {
  await withRoutesWorld(async ({ json, db }) => {
    await db.sql`
      insert into public.alert_events (tenant_id, source, event_type, payload) values
        (${TENANT}, 'pos', 'inventory.low_stock', '{"on_hand": 2, "product_id": "rye"}'),
        (${TENANT}, 'pos', 'inventory.low_stock', '{"on_hand": 9, "product_id": "wheat"}'),
        (${TENANT}, 'pos', 'quality.batch_failed', '{}'),
        (${OTHER_TENANT}, 'pos', 'inventory.low_stock', '{"on_hand": 1, "product_id": "secret"}')`;
    const res = await json("manager", "/alerts/rules/dry-run", { body: RULE });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.evaluated, 2);
    assert.equal(res.body.matched, 1);
    assert.equal(res.body.events[0].title, "Low stock of rye");
    assert.equal(res.body.events[0].severity, "high");
    const future = await json("manager", "/alerts/rules/dry-run?since=2999-01-01T00:00:00Z", {
      body: RULE,
    });
    assert.equal(future.body.evaluated, 0);
    const service = await json("service", "/alerts/rules/dry-run", {
      body: { ...RULE, tenant_id: OTHER_TENANT },
    });
    assert.equal(service.status, 200, JSON.stringify(service.body));
    assert.deepEqual([service.body.evaluated, service.body.events[0]?.title], [
      1,
      "Low stock of secret",
    ]);
    const bad = await json("manager", "/alerts/rules/dry-run", {
      body: { ...RULE, severity: "x" },
    });
    assert.equal(bad.status, 400);
    const rows = await db.sql`select count(*)::int as n from public.alert_rules`;
    assert.equal(rows[0].n, 0, "a dry run writes nothing");
  });
});

Deno.test("a rule created through the API fires on an event posted through the API", async () => {
  await withRoutesWorld(async ({ json }) => {
    const rule = await json("manager", "/alerts/rules", { body: RULE });
    assert.equal(rule.status, 201);
    const res = await json("staff", "/alerts/events", {
      body: {
        source: "handheld",
        event_type: "inventory.low_stock",
        payload: { on_hand: 1, product_id: "baguette", store_id: "store-1" },
        dedup_key: "store-1:baguette",
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const [event] = res.body.events;
    assert.equal(event.status, "alerted", JSON.stringify(event));
    assert.equal(event.rule_id, rule.body.id);
    const alerts = await json("viewer", "/alerts");
    assert.equal(alerts.status, 200);
    const alert = alerts.body.data.find((a: { id: string }) => a.id === event.alert_id);
    assert.ok(alert, JSON.stringify(alerts.body));
    assert.equal(alert.title, "Low stock of baguette");
    assert.equal(alert.severity, "high");
  });
});

Deno.test("random rule bodies never make the rules endpoints answer 5xx (seed 7)", async () => {
  await withRoutesWorld(async ({ json }) => {
    const random = seededRandom(7);
    const { body: rule } = await json("manager", "/alerts/rules", { body: RULE });
    const fields = Object.keys({
      ...RULE,
      severity_map: 0,
      priority: 0,
      category: 0,
      alert_type: 0,
      dedup_key_template: 0,
      throttle_minutes: 0,
      channels: 0,
      notify_roles: 0,
      active: 0,
      tenant_id: 0,
    });
    const value = () =>
      random.pick([
        () => randomJson(random),
        () => randomString(random),
        () => [randomString(random)],
        () => [{
          path: randomString(random),
          op: random.pick(["eq", "gt", "in"]),
          value: randomJson(random),
        }],
        () => random.pick(["low", "high", "inventory.*", "email", "manager", 0, 100, 101, 1e9]),
      ])();
    for (let round = 0; round < 300; round++) {
      const body: Record<string, unknown> = random.chance(0.5) ? { ...RULE } : {};
      for (let n = random.int(4); n > 0; n--) body[random.pick(fields)] = value();
      const who = random.pick(["viewer", "manager", "owner", "service"] as const);
      const [method, path] = random.pick([
        ["POST", "/alerts/rules"],
        ["PATCH", `/alerts/rules/${rule.id}`],
        ["POST", "/alerts/rules/dry-run"],
      ]);
      const res = await json(who, path, { method, body: random.chance(0.05) ? value() : body });
      assert.ok(
        res.status < 500,
        `${method} ${path} ${JSON.stringify(body)} → ${JSON.stringify(res.body)}`,
      );
      if (res.status >= 400) assert.equal(typeof res.body.error.code, "string");
    }
  });
});

Deno.test("the rules, suppressions, events and config routes document themselves in OpenAPI", () => {
  const app = new OpenAPIHono<AuthEnv>().basePath("/alerts");
  const deps: RouteDeps = { asCaller: () => Promise.reject(new Error("no database here")) };
  registerRuleRoutes(app, deps);
  registerSuppressionRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerConfigRoutes(app, deps);
  const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } });
  assert.deepEqual(Object.keys(doc.paths ?? {}).sort(), [
    "/alerts/config",
    "/alerts/events",
    "/alerts/rules",
    "/alerts/rules/dry-run",
    "/alerts/rules/{id}",
    "/alerts/suppressions",
    "/alerts/suppressions/{id}/end",
  ]);
});
