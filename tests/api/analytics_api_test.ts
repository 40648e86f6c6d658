import assert from "node:assert/strict";
import { expectError, json, OTHER_TENANT, withReportingWorld } from "./_reporting_fixture.ts";

const HOUR = 3600;
const DAY = 86400;

function utcDate(secondsAgo: number) {
  return new Date(Date.now() - secondsAgo * 1000).toISOString().slice(0, 10);
}

/**
 * The tenant's alerts (UTC tenant), all placed in time:
 *   A high  inventory.low_stock       30 min ago, ack +120 s, resolved +600 s  (SLA 60 min: met)
 *   B high  inventory.low_stock       20 min ago, ack +300 s                   (met)
 *   C crit  equipment.temperature     10 min ago, ack +1200 s, resolved +3600 s (SLA 15 min: violated)
 *   D low   inventory.low_stock       10 days ago, open
 *   E med   feed.stale                now, open                                 (no SLA)
 * and one of the other tenant (critical, acknowledged after 60 s) that must never count.
 */
async function arrange(world: Parameters<Parameters<typeof withReportingWorld>[0]>[0]) {
  const { raise, place } = world;
  const ids = {
    a: await raise({ severity: "high" }),
    b: await raise({ severity: "high" }),
    c: await raise({ severity: "critical", alertType: "equipment.temperature" }),
    d: await raise({ severity: "low" }),
    e: await raise({ severity: "medium", alertType: "feed.stale" }),
    foreign: await raise({ tenantId: OTHER_TENANT, severity: "critical" }),
  };
  await place(ids.a, { createdAgo: 1800, acknowledgedAfter: 120, resolvedAfter: 600 });
  await place(ids.b, { createdAgo: 1200, acknowledgedAfter: 300 });
  await place(ids.c, { createdAgo: 600, acknowledgedAfter: 1200, resolvedAfter: 3600 });
  await place(ids.d, { createdAgo: 10 * DAY });
  await place(ids.e, { createdAgo: 0 });
  await place(ids.foreign, { createdAgo: 300, acknowledgedAfter: 60 });
  return ids;
}

Deno.test("GET /alerts/analytics/dashboard counts, MTTA/MTTR and SLA over the tenant's alerts", async () => {
  await withReportingWorld(async (world) => {
    await arrange(world);
    const res = await world.call("viewer", "/alerts/analytics/dashboard");
    const body = await json(res);
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(body.counts, {
      low: { active: 1, acknowledged: 0, snoozed: 0, resolved: 0 },
      medium: { active: 1, acknowledged: 0, snoozed: 0, resolved: 0 },
      high: { active: 0, acknowledged: 1, snoozed: 0, resolved: 1 },
      critical: { active: 0, acknowledged: 0, snoozed: 0, resolved: 1 },
    });
    assert.equal(body.open, 3);
    assert.equal(body.total, 5);
    const midnight = new Date(new Date().toISOString().slice(0, 10) + "T00:00:00Z").getTime();
    const expectedToday = [1800, 1200, 600, 10 * DAY, 0]
      .filter((ago) => Date.now() - ago * 1000 >= midnight + 5000).length;
    if (Date.now() - midnight > 2 * HOUR) assert.equal(body.created_today, expectedToday);
    assert.deepEqual(body.last_7_days, {
      created: 4,
      mtta_seconds: 540, // (120 + 300 + 1200) / 3
      mttr_seconds: 2100, // (600 + 3600) / 2
      sla: { met: 2, violated: 1, pending: 0, none: 1 },
    });

    const other = await json(await world.call("otherManager", "/alerts/analytics/dashboard"));
    assert.equal(other.total, 1, "the other tenant sees only its own alert");
    assert.equal(other.last_7_days.mtta_seconds, 60);
    const stranger = await json(await world.call("stranger", "/alerts/analytics/dashboard"));
    assert.equal(stranger.total, 0, "a non-member sees nothing");
    assert.equal(stranger.last_7_days.mtta_seconds, null);
    await expectError(await world.call(null, "/alerts/analytics/dashboard"), 401, "missing_token");
  });
});

Deno.test("GET /alerts/analytics/by-severity and /by-type sum alert_daily_stats over the window", async () => {
  await withReportingWorld(async (world) => {
    await arrange(world);
    const bySeverity = await json(await world.call("staff", "/alerts/analytics/by-severity"));
    assert.equal(bySeverity.to, utcDate(0));
    assert.equal(bySeverity.from, utcDate(29 * DAY), "default: the last 30 days");
    assert.deepEqual(bySeverity.data, [
      {
        severity: "critical",
        created: 1,
        acknowledged: 1,
        resolved: 1,
        mtta_seconds: 1200,
        mttr_seconds: 3600,
      },
      {
        severity: "high",
        created: 2,
        acknowledged: 2,
        resolved: 1,
        mtta_seconds: 210,
        mttr_seconds: 600,
      },
      {
        severity: "medium",
        created: 1,
        acknowledged: 0,
        resolved: 0,
        mtta_seconds: null,
        mttr_seconds: null,
      },
      {
        severity: "low",
        created: 1,
        acknowledged: 0,
        resolved: 0,
        mtta_seconds: null,
        mttr_seconds: null,
      },
    ]);

    const byType = await json(await world.call("viewer", "/alerts/analytics/by-type"));
    assert.deepEqual(
      byType.data.map((r: { alert_type: string; created: number }) => [r.alert_type, r.created]),
      [["inventory.low_stock", 3], ["equipment.temperature", 1], ["feed.stale", 1]],
    );
    assert.equal(byType.data[0].mtta_seconds, 210);

    const day = utcDate(10 * DAY);
    const oneDay = await json(
      await world.call("viewer", `/alerts/analytics/by-type?from=${day}&to=${day}`),
    );
    assert.deepEqual(oneDay, {
      from: day,
      to: day,
      data: [{
        alert_type: "inventory.low_stock",
        created: 1,
        acknowledged: 0,
        resolved: 0,
        mtta_seconds: null,
        mttr_seconds: null,
      }],
    });

    const other = await json(await world.call("otherManager", "/alerts/analytics/by-severity"));
    assert.deepEqual(other.data.map((r: { created: number }) => r.created), [1]);
  });
});

Deno.test("GET /alerts/analytics/response-times and /resolution-times give window percentiles", async () => {
  await withReportingWorld(async (world) => {
    await arrange(world);
    const response = await json(await world.call("viewer", "/alerts/analytics/response-times"));
    // 120, 300, 1200 (interpolated percentiles, as percentile_cont)
    assert.deepEqual(response.overall, {
      count: 3,
      mean: 540,
      p50: 300,
      p90: 1020,
      p95: 1110,
      p99: 1182,
      max: 1200,
    });
    assert.deepEqual(response.by_severity.high, {
      count: 2,
      mean: 210,
      p50: 210,
      p90: 282,
      p95: 291,
      p99: 298.2,
      max: 300,
    });
    assert.equal(response.by_severity.medium.count, 0);
    assert.equal(response.by_severity.medium.p50, null);
    const critical = response.daily.find((r: { severity: string }) => r.severity === "critical");
    assert.deepEqual(
      { count: critical.count, mean: critical.mean, p50: critical.p50, p90: critical.p90 },
      { count: 1, mean: 1200, p50: 1200, p90: 1200 },
    );

    const resolution = await json(await world.call("viewer", "/alerts/analytics/resolution-times"));
    assert.deepEqual(
      [resolution.overall.count, resolution.overall.mean, resolution.overall.p50],
      [2, 2100, 2100],
    );
    assert.equal(resolution.overall.p90, 3300); // 600 + 0.9 × 3000

    const other = await json(await world.call("otherManager", "/alerts/analytics/response-times"));
    assert.deepEqual([other.overall.count, other.overall.max], [1, 60]);
  });
});

Deno.test("GET /alerts/analytics/deliveries counts by channel × status, as RLS shows them", async () => {
  await withReportingWorld(async (world) => {
    const ids = await arrange(world);
    await world.db.sql`delete from public.deliveries`; // leave only the ones placed here
    await world.deliver(ids.a, { user: "manager", channel: "email", status: "sent" });
    await world.deliver(ids.a, { user: "staff", channel: "email", status: "sent" });
    await world.deliver(ids.c, {
      user: "manager",
      channel: "sms",
      status: "dead",
      errorReason: "provider_error",
    });
    await world.deliver(ids.c, { user: "owner", channel: "push", status: "pending" });
    await world.deliver(ids.foreign, { user: "otherManager", channel: "email", status: "sent" });

    const manager = await json(await world.call("manager", "/alerts/analytics/deliveries"));
    assert.deepEqual(manager.data, [
      { channel: "email", status: "sent", deliveries: 2 },
      { channel: "push", status: "pending", deliveries: 1 },
      { channel: "sms", status: "dead", deliveries: 1 },
    ]);
    assert.deepEqual(manager.failures, [
      { channel: "sms", error_reason: "provider_error", deliveries: 1 },
    ]);
    const staff = await json(await world.call("staff", "/alerts/analytics/deliveries"));
    assert.deepEqual(staff.data, [{ channel: "email", status: "sent", deliveries: 1 }]);
    const other = await json(await world.call("otherManager", "/alerts/analytics/deliveries"));
    assert.deepEqual(other.data, [{ channel: "email", status: "sent", deliveries: 1 }]);
  });
});

Deno.test("GET /alerts/analytics/* names each invalid query field", async () => {
  await withReportingWorld(async ({ call }) => {
    const cases: Array<[string, string]> = [
      ["from=2026-13-01", "from"],
      ["to=yesterday", "to"],
      ["from=2026-02-30", "from"],
      ["from=2026-11-22&to=2026-11-01", "from"],
      ["from=2024-01-01&to=2026-01-01", "from"],
      ["limit=5", "limit"],
    ];
    for (const [query, field] of cases) {
      const error = await expectError(
        await call("viewer", `/alerts/analytics/by-type?${query}`),
        400,
        "invalid_input",
      );
      const paths = (error.details as { path: string }[]).map((d) => d.path);
      assert.ok(paths.includes(field), `${query}: ${JSON.stringify(error)}`);
    }
  });
});

Deno.test("/alerts/openapi.json documents the reporting routes", async () => {
  await withReportingWorld(async ({ call }) => {
    const res = await call(null, "/alerts/openapi.json");
    const doc = await json(res);
    assert.equal(res.status, 200, JSON.stringify(doc));
    for (
      const path of [
        "/alerts/analytics/dashboard",
        "/alerts/analytics/by-type",
        "/alerts/members/me/preferences",
        "/alerts/members/{user_id}",
        "/alerts/push/subscriptions",
        "/alerts/queue/stats",
        "/alerts/metrics",
      ]
    ) assert.ok(doc.paths[path], `${path} in ${Object.keys(doc.paths).join(", ")}`);
    assert.ok(
      doc.paths["/alerts/members/{user_id}"].patch && doc.paths["/alerts/members/{user_id}"].delete,
    );
  });
});
