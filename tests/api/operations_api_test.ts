import assert from "node:assert/strict";
import { formatMetrics } from "../../functions/alerts/operations_prometheus.ts";
import { expectError, json, OTHER_TENANT, withReportingWorld } from "./_reporting_fixture.ts";

interface Exposition {
  help: Map<string, string>;
  types: Map<string, string>;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/** A small parser for the text format 0.0.4: fails on any line it does not understand. */
function parseExposition(text: string): Exposition {
  const out: Exposition = { help: new Map(), types: new Map(), samples: [] };
  assert.ok(text.endsWith("\n"), "the exposition ends with a newline");
  for (const line of text.slice(0, -1).split("\n")) {
    const comment = line.match(/^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/);
    if (comment) {
      const [, kind, name, rest] = comment;
      const target = kind === "HELP" ? out.help : out.types;
      assert.ok(!target.has(name), `${kind} ${name} appears once`);
      if (kind === "TYPE") {
        assert.match(rest, /^(counter|gauge|histogram|summary|untyped)$/);
        assert.ok(!out.samples.some((s) => s.name.startsWith(name)), `TYPE ${name} before samples`);
      }
      target.set(name, rest);
      continue;
    }
    const sample = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/);
    assert.ok(sample, `cannot parse line: ${line}`);
    const [, name, labelText = "", valueText] = sample;
    const labels: Record<string, string> = {};
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
    let consumed = 0;
    while (consumed < labelText.length) {
      labelPattern.lastIndex = consumed;
      const label = labelPattern.exec(labelText);
      assert.ok(label, `cannot parse labels of: ${line}`);
      labels[label[1]] = label[2].replace(/\\(["\\n])/g, (_, c) => (c === "n" ? "\n" : c));
      consumed = labelPattern.lastIndex;
    }
    const value = valueText === "+Inf" ? Infinity : Number(valueText);
    assert.ok(!Number.isNaN(value), `value of: ${line}`);
    out.samples.push({ name, labels, value });
  }
  return out;
}

function value(exposition: Exposition, name: string, labels: Record<string, string> = {}) {
  const found = exposition.samples.filter((s) =>
    s.name === name && Object.keys(labels).length === Object.keys(s.labels).length &&
    Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  );
  assert.equal(found.length, 1, `one sample ${name}${JSON.stringify(labels)}`);
  return found[0].value;
}

function histogram(exposition: Exposition, name: string) {
  const buckets = exposition.samples.filter((s) => s.name === `${name}_bucket`);
  const les = buckets.map((b) => b.labels.le);
  assert.deepEqual(les, ["60", "300", "900", "1800", "3600", "14400", "86400", "+Inf"]);
  const counts = buckets.map((b) => b.value);
  counts.forEach((count, i) => assert.ok(i === 0 || count >= counts[i - 1], "monotonic"));
  assert.equal(counts.at(-1), value(exposition, `${name}_count`), "+Inf = _count");
  return {
    counts,
    sum: value(exposition, `${name}_sum`),
    count: value(exposition, `${name}_count`),
  };
}

type World = Parameters<Parameters<typeof withReportingWorld>[0]>[0];

/** Alerts and deliveries in both tenants, times placed by hand (see each line). */
async function arrange({ raise, place, deliver, db }: World) {
  const t1 = await raise({ severity: "high" });
  const t2 = await raise({ severity: "high" });
  const t3 = await raise({ severity: "critical" });
  const f1 = await raise({ tenantId: OTHER_TENANT, severity: "low" });
  await place(t1, { createdAgo: 3600, acknowledgedAfter: 30 });
  await place(t2, { createdAgo: 3600, acknowledgedAfter: 600, resolvedAfter: 900 });
  await place(t3, { createdAgo: 8000, acknowledgedAfter: 7200 });
  await place(f1, { createdAgo: 2 * 86400, acknowledgedAfter: 100000 });
  await db.sql`delete from public.deliveries`;
  await deliver(t1, { channel: "email", status: "pending", dueAgo: 120, createdAgo: 130 });
  await deliver(t1, { channel: "email", status: "deferred", dueAgo: -600 });
  await deliver(t2, { channel: "sms", status: "sent" });
  await deliver(t2, { channel: "email", status: "pending", dueAgo: -60 }); // not due yet
  await deliver(f1, {
    user: "otherManager",
    channel: "push",
    status: "pending",
    dueAgo: 3000,
    createdAgo: 3000,
  });
}

Deno.test("GET /alerts/metrics renders every family in the text format (service role)", async () => {
  await withReportingWorld(async (world) => {
    await arrange(world);
    const res = await world.call("service", "/alerts/metrics");
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const metrics = parseExposition(text);
    assert.deepEqual(Object.fromEntries(metrics.types), {
      shelfwatch_alerts_created_total: "counter",
      shelfwatch_alerts_active: "gauge",
      shelfwatch_alert_response_seconds: "histogram",
      shelfwatch_alert_resolution_seconds: "histogram",
      shelfwatch_deliveries_total: "counter",
      shelfwatch_outbox_backlog: "gauge",
      shelfwatch_outbox_oldest_due_seconds: "gauge",
    });
    for (const name of metrics.types.keys()) assert.ok(metrics.help.get(name), `HELP ${name}`);
    for (const sample of metrics.samples) {
      const family = sample.name.replace(/_(bucket|sum|count)$/, "");
      assert.ok(metrics.types.has(sample.name) || metrics.types.get(family) === "histogram");
    }

    const created = (severity: string) =>
      value(metrics, "shelfwatch_alerts_created_total", { type: "inventory.low_stock", severity });
    assert.deepEqual([created("high"), created("critical"), created("low")], [2, 1, 1]);
    const active = (severity: string) => value(metrics, "shelfwatch_alerts_active", { severity });
    assert.deepEqual(
      ["low", "medium", "high", "critical"].map(active),
      [1, 0, 1, 1],
      "open = not resolved",
    );
    // Response times 30, 600, 7200, 100000 s; one resolution after 900 s.
    assert.deepEqual(histogram(metrics, "shelfwatch_alert_response_seconds"), {
      counts: [1, 1, 2, 2, 2, 3, 3, 4],
      sum: 107830,
      count: 4,
    });
    assert.deepEqual(histogram(metrics, "shelfwatch_alert_resolution_seconds"), {
      counts: [0, 0, 1, 1, 1, 1, 1, 1],
      sum: 900,
      count: 1,
    });
    const deliveries = (channel: string, status: string) =>
      value(metrics, "shelfwatch_deliveries_total", { channel, status });
    assert.deepEqual(
      [
        deliveries("email", "pending"),
        deliveries("email", "deferred"),
        deliveries("sms", "sent"),
        deliveries("push", "pending"),
      ],
      [2, 1, 1, 1],
    );
    const backlog = (status: string) => value(metrics, "shelfwatch_outbox_backlog", { status });
    assert.deepEqual(["pending", "sending", "deferred"].map(backlog), [3, 0, 1]);
    const oldest = value(metrics, "shelfwatch_outbox_oldest_due_seconds");
    assert.ok(oldest >= 3000 && oldest < 3060, `oldest due ≈ 3000 s, got ${oldest}`);
  });
});

Deno.test("GET /alerts/metrics is for the service role only", async () => {
  await withReportingWorld(async ({ call }) => {
    for (const who of ["owner", "manager", "viewer", "otherManager", "stranger"] as const) {
      await expectError(await call(who, "/alerts/metrics"), 403, "forbidden");
    }
    await expectError(await call(null, "/alerts/metrics"), 401, "missing_token");
    const empty = parseExposition(await (await call("service", "/alerts/metrics")).text());
    assert.equal(value(empty, "shelfwatch_alert_response_seconds_count"), 0);
    assert.equal(value(empty, "shelfwatch_outbox_oldest_due_seconds"), 0);
  });
});

Deno.test("formatMetrics() escapes label values and HELP text so they parse back", () => {
  const tricky = 'a "quoted" \\ back\nslash';
  const text = formatMetrics([
    {
      name: "x_total",
      help: "Help with \\ and\nnewline",
      type: "counter",
      samples: [{ labels: { v: tricky, w: "" }, value: 2 }],
    },
  ]);
  assert.equal(text.split("\n")[0], "# HELP x_total Help with \\\\ and\\nnewline");
  const parsed = parseExposition(text);
  assert.deepEqual(parsed.samples, [{ name: "x_total", labels: { v: tricky, w: "" }, value: 2 }]);
});

Deno.test("GET /alerts/queue/stats: backlog as RLS shows it, for owners and the service role", async () => {
  await withReportingWorld(async (world) => {
    await arrange(world);
    const res = await world.call("owner", "/alerts/queue/stats");
    const owner = await json(res);
    assert.equal(res.status, 200, JSON.stringify(owner));
    assert.deepEqual(owner.backlog, [
      { status: "deferred", channel: "email", deliveries: 1 },
      { status: "pending", channel: "email", deliveries: 2 },
    ]);
    assert.ok(
      owner.oldest_due_seconds >= 120 && owner.oldest_due_seconds < 180,
      `the tenant's oldest due pending delivery is ≈ 120 s old, got ${owner.oldest_due_seconds}`,
    );
    assert.equal(owner.jobs, null, "no pg_cron in test databases");

    const service = await json(await world.call("service", "/alerts/queue/stats"));
    assert.deepEqual(service.backlog.map((r: { channel: string }) => r.channel), [
      "email",
      "email",
      "push",
    ]);
    assert.ok(service.oldest_due_seconds >= 3000);
    for (const who of ["manager", "staff", "viewer", "otherManager", "stranger"] as const) {
      await expectError(await world.call(who, "/alerts/queue/stats"), 403, "forbidden");
    }
  });
});

Deno.test("GET /alerts/queue/stats reports each Shelfwatch job's last run where pg_cron is present", async () => {
  await withReportingWorld(async ({ call, db }) => {
    const [{ present }] = await db.sql`select to_regclass('cron.job') is not null as present`;
    if (present) return; // a database with the real pg_cron: nothing to stand in for
    await db.sql.begin(async (tx) => {
      await tx`create schema cron`;
      await tx`create table cron.job (jobid bigint primary key, jobname text, schedule text,
                                      command text, active boolean)`;
      await tx`create table cron.job_run_details (runid bigint primary key, jobid bigint,
                 status text, return_message text, start_time timestamptz, end_time timestamptz)`;
      await tx`insert into cron.job values
        (1, 'shelfwatch_score_stockouts', '* * * * *', 'select 1', true),
        (2, 'shelfwatch_retention', '17 * * * *', 'select 2', true),
        (3, 'someone_else', '* * * * *', 'select 3', true)`;
      await tx`insert into cron.job_run_details values
        (10, 1, 'succeeded', '1 row', '2026-11-22 10:00:00+00', '2026-11-22 10:00:01+00'),
        (11, 1, 'failed', 'ERROR: boom', '2026-11-22 10:01:00+00', '2026-11-22 10:01:02+00'),
        (12, 3, 'succeeded', 'x', '2026-11-22 10:02:00+00', '2026-11-22 10:02:00+00')`;
    });
    const { jobs } = await json(await call("owner", "/alerts/queue/stats"));
    assert.deepEqual(jobs, [
      {
        jobname: "shelfwatch_retention",
        schedule: "17 * * * *",
        active: true,
        last_status: null,
        last_started_at: null,
        last_ended_at: null,
        last_message: null,
      },
      {
        jobname: "shelfwatch_score_stockouts",
        schedule: "* * * * *",
        active: true,
        last_status: "failed",
        last_started_at: "2026-11-22T10:01:00.000Z",
        last_ended_at: "2026-11-22T10:01:02.000Z",
        last_message: "ERROR: boom",
      },
    ]);
  });
});
