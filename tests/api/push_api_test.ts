import assert from "node:assert/strict";
import { expectError, json, USERS, withReportingWorld } from "./_reporting_fixture.ts";

const KEY =
  "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U";

function subscription(n: number) {
  return {
    endpoint: `https://fcm.googleapis.com/fcm/send/device-${n}`,
    expirationTime: null,
    keys: { p256dh: KEY, auth: "tBHItJI5svbpez7KI4CCXg" },
  };
}

Deno.test("GET /alerts/push/vapid-public-key answers the configured key, or 404 when unset", async () => {
  await withReportingWorld(async ({ call }) => {
    const body = await json(await call("viewer", "/alerts/push/vapid-public-key"));
    assert.deepEqual(body, { public_key: KEY });
    await expectError(await call(null, "/alerts/push/vapid-public-key"), 401, "missing_token");
  }, { vapidPublicKey: KEY });
  await withReportingWorld(async ({ call }) => {
    await expectError(
      await call("viewer", "/alerts/push/vapid-public-key"),
      404,
      "push_not_configured",
    );
  });
});

Deno.test("POST /alerts/push/subscriptions registers the caller's browser; re-subscribing replaces it", async () => {
  await withReportingWorld(async ({ call, db }) => {
    const res = await call("viewer", "/alerts/push/subscriptions", {
      body: subscription(1),
      headers: { "user-agent": "Firefox/140" },
    });
    const created = await json(res);
    assert.equal(res.status, 201, JSON.stringify(created));
    assert.equal(created.endpoint, subscription(1).endpoint);
    assert.ok(!("keys" in created) && !("p256dh" in created));
    const [row] = await db.sql`select tenant_id, user_id, user_agent, p256dh
                               from public.push_subscriptions where id = ${created.id}`;
    assert.equal(row.user_id, USERS.viewer);
    assert.equal(row.user_agent, "Firefox/140");

    await db.sql`update public.push_subscriptions set failed_at = now() where id = ${created.id}`;
    const again = await json(
      await call("viewer", "/alerts/push/subscriptions", { body: subscription(1) }),
    );
    const rows = await db.sql`select id, failed_at from public.push_subscriptions
                              where user_id = ${USERS.viewer}`;
    assert.deepEqual(rows.map((r) => [r.id, r.failed_at]), [[again.id, null]]);

    // A shared device: the same browser subscribed by another member moves to that member.
    const moved = await call("staff", "/alerts/push/subscriptions", { body: subscription(1) });
    assert.equal(moved.status, 201, "a second member's subscription of the browser is accepted");
    const owners = await db.sql`select user_id from public.push_subscriptions
                                where endpoint = ${
      subscription(1).endpoint
    } and tenant_id = ${row.tenant_id}`;
    assert.deepEqual(
      owners.map((r) => r.user_id),
      [USERS.staff],
      "and the browser is theirs alone",
    );
    await expectError(
      await call("stranger", "/alerts/push/subscriptions", { body: subscription(2) }),
      403,
      "forbidden",
    );
    const other = await call("otherManager", "/alerts/push/subscriptions", {
      body: subscription(1),
    });
    assert.equal(other.status, 201, "endpoints are unique per tenant");
  });
});

Deno.test("POST /alerts/push/subscriptions names each invalid field", async () => {
  await withReportingWorld(async ({ call }) => {
    const good = subscription(1);
    const cases: Array<[unknown, string]> = [
      [{ ...good, endpoint: "http://push.example.com/x" }, "endpoint"],
      [{ ...good, endpoint: "not a url" }, "endpoint"],
      [{ ...good, keys: { ...good.keys, p256dh: "short" } }, "keys.p256dh"],
      [{ ...good, keys: { ...good.keys, auth: "a+b/c==!" } }, "keys.auth"],
      [{ endpoint: good.endpoint }, "keys"],
      [{ ...good, extra: 1 }, "extra"],
    ];
    for (const [body, field] of cases) {
      const error = await expectError(
        await call("viewer", "/alerts/push/subscriptions", { body }),
        400,
        "invalid_input",
      );
      const paths = (error.details as { path: string }[]).map((d) => d.path);
      assert.ok(paths.includes(field), `${JSON.stringify(body)}: ${JSON.stringify(error)}`);
    }
  });
});

Deno.test("DELETE /alerts/push/subscriptions/{id} removes only the caller's own", async () => {
  await withReportingWorld(async ({ call, db }) => {
    const mine = await json(
      await call("staff", "/alerts/push/subscriptions", { body: subscription(1) }),
    );
    const path = `/alerts/push/subscriptions/${mine.id}`;
    await expectError(await call("manager", path, { method: "DELETE" }), 404, "not_found");
    await expectError(await call("otherManager", path, { method: "DELETE" }), 404, "not_found");
    assert.equal((await call("staff", path, { method: "DELETE" })).status, 204);
    await expectError(await call("staff", path, { method: "DELETE" }), 404, "not_found");
    const [{ n }] = await db.sql`select count(*)::int as n from public.push_subscriptions`;
    assert.equal(n, 0);
    await expectError(
      await call("staff", "/alerts/push/subscriptions/not-a-uuid", { method: "DELETE" }),
      400,
      "invalid_input",
    );
  });
});
