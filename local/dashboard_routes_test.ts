import assert from "node:assert/strict";
import { jwtVerify } from "jose";
import { createDashboardRoutes } from "./dashboard_routes.ts";
import { DEMO_TENANT_ID, DEMO_USERS } from "./demo.ts";
import { anonKey } from "./tokens.ts";

const SECRET = "dashboard-routes-test-secret-".padEnd(48, "x");

Deno.test("/config.js points the dashboard at the origin it was loaded from, in local mode", async () => {
  const app = createDashboardRoutes({ jwtSecret: SECRET });
  const res = await app.request("http://127.0.0.1:54321/config.js");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /javascript/);
  const text = await res.text();
  const config = JSON.parse(text.match(/SHELFWATCH_CONFIG = (.*);/)![1]);
  const { anonKey: key, ...rest } = config;
  assert.deepEqual(rest, { supabaseUrl: "http://127.0.0.1:54321", mode: "local" });
  // an anon key of this project (compared by its claims: its iat is the second it was made)
  const { payload } = await jwtVerify(key, new TextEncoder().encode(SECRET));
  const { payload: expected } = await jwtVerify(
    await anonKey(SECRET),
    new TextEncoder().encode(SECRET),
  );
  assert.equal(payload.role, "anon");
  assert.deepEqual({ ...payload, iat: 0, exp: 0 }, { ...expected, iat: 0, exp: 0 });
});

Deno.test("/local/v1/demo-users hands out a valid token for each demo user of the demo tenant", async () => {
  const app = createDashboardRoutes({ jwtSecret: SECRET });
  const body = await (await app.request("/local/v1/demo-users")).json();
  assert.equal(body.tenant_id, DEMO_TENANT_ID);
  assert.deepEqual(body.users.map((u: { role: string }) => u.role), DEMO_USERS.map((u) => u.role));
  for (const user of body.users) {
    const { payload } = await jwtVerify(user.token, new TextEncoder().encode(SECRET));
    assert.equal(payload.sub, user.id);
    assert.equal((payload.app_metadata as { tenant_id: string }).tenant_id, DEMO_TENANT_ID);
    assert.ok(user.display_name.length > 0);
  }
  const other = createDashboardRoutes({ jwtSecret: "another-secret-".padEnd(48, "y") });
  const [foreign] = (await (await other.request("/local/v1/demo-users")).json()).users;
  await assert.rejects(jwtVerify(foreign.token, new TextEncoder().encode(SECRET)));
});
