/**
 * @module
 * Provider faults, every channel at once (email, SMS, WhatsApp, push, Slack, Discord, webhook):
 * the provider refuses connections, answers 5xx, answers 429 with its reset headers, or hangs
 * past the timeout. Each time every delivery is kept for a retry, none is sent before it is due,
 * and once the provider recovers each is sent exactly once — one successful request per delivery
 * at the provider, every delivery `sent` in the table. Time is moved with the `shelfwatch.now`
 * setting (new pools see it) instead of waiting out the backoffs. Also: one tenant's broken
 * channel configuration (401s, a webhook URL that is gone) while other tenants keep flowing.
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createDispatcher } from "../../functions/notify/dispatcher.ts";
import type { NotifyConfig } from "../../functions/notify/notify_config.ts";
import { createTestDatabase, type TestDatabase } from "../_support/database.ts";
import { raiseAlert } from "../notify/_fixture.ts";
import {
  type AllChannels,
  CHANNELS,
  duplicates,
  routeToFakes,
  startAllChannels,
  tenantOnEveryChannel,
} from "../load/_channels.ts";

const quiet = createLogger("faults", () => {});
const ALERTS = 5;

/** Dispatches everything due at `at` (the database's clock, for a new pool) until none is left. */
async function drainAt(
  db: TestDatabase,
  at: Date,
  config: NotifyConfig,
): Promise<{ claimed: number; sent: number; retried: number }> {
  await db.sql.unsafe(`alter database ${db.name} set shelfwatch.now = '${at.toISOString()}'`);
  const sql = postgres(db.url, { max: 4, onnotice: () => {} });
  const total = { claimed: 0, sent: 0, retried: 0 };
  try {
    const dispatcher = createDispatcher({ sql, config, logger: quiet });
    for (;;) {
      const summary = await dispatcher.dispatch();
      total.claimed += summary.claimed;
      total.sent += summary.sent;
      total.retried += summary.retried;
      if (summary.claimed === 0) return total;
    }
  } finally {
    await sql.end();
  }
}

interface Fault {
  name: string;
  /** Breaks the providers; returns the configuration to dispatch with while broken. */
  breakThem(channels: AllChannels, db: TestDatabase): Promise<NotifyConfig>;
  /** The shortest wait (seconds) the retry must respect. */
  minWaitSeconds: number;
}

const CLOSED = "http://127.0.0.1:9";
const hung: (() => void)[] = [];

const FAULTS: Fault[] = [
  {
    name: "refuses connections",
    minWaitSeconds: 5,
    async breakThem({ config }, db) {
      // kept to put the destinations back once the outage ends
      await db.sql`create table load_test.saved as select id, destination from public.deliveries`;
      await db
        .sql`update public.deliveries set destination = regexp_replace(destination, '^http://[^/]+', ${CLOSED})
                   where destination is not null`;
      return {
        ...config,
        resendBaseUrl: CLOSED,
        twilioBaseUrl: CLOSED,
        webPushBaseUrl: CLOSED,
      };
    },
  },
  {
    name: "answers 5xx",
    minWaitSeconds: 5,
    breakThem(channels) {
      channels.respondAll(() => new Response("upstream unavailable", { status: 503 }));
      return Promise.resolve(channels.config);
    },
  },
  {
    name: "answers 429 with reset headers",
    minWaitSeconds: 120,
    breakThem(channels) {
      const reset = String(Math.floor(Date.now() / 1000) + 120);
      channels.respondAll(() =>
        new Response('{"message":"Too many requests"}', {
          status: 429,
          headers: {
            "retry-after": "120",
            "ratelimit-reset": "120",
            "x-ratelimit-reset": reset,
            "x-rate-limit-reset": "120",
          },
        })
      );
      return Promise.resolve(channels.config);
    },
  },
  {
    name: "hangs past the timeout",
    minWaitSeconds: 5,
    breakThem(channels) {
      channels.respondAll(() =>
        new Promise<Response>((resolve) => hung.push(() => resolve(new Response("late"))))
      );
      return Promise.resolve({ ...channels.config, timeoutMs: 300 });
    },
  },
];

for (const fault of FAULTS) {
  Deno.test(`a provider that ${fault.name}: every delivery on every channel is retried and sent once on recovery`, async () => {
    await using db = await createTestDatabase();
    await using channels = startAllChannels();
    try {
      await routeToFakes(db.sql, channels);
      const { tenantId } = await tenantOnEveryChannel(db.sql);
      for (let i = 0; i < ALERTS; i++) {
        await raiseAlert(db.sql, tenantId, { severity: "critical", title: `Fault loaf ${i}` });
      }
      const expected = ALERTS * CHANNELS.length;
      const working = channels.config;
      const broken = await fault.breakThem(channels, db);

      let clock = new Date(Date.now() + 60_000);
      const down = await drainAt(db, clock, broken);
      assert.deepEqual([down.claimed, down.sent, down.retried], [expected, 0, expected]);
      for (const resolve of hung.splice(0)) resolve();
      const pending = await db.sql<
        { status: string; attempts: number; wait: number; last_error: string }[]
      >`
        select status, attempts, last_error, extract(epoch from due_at - ${clock})::float8 as wait
        from public.deliveries where tenant_id = ${tenantId}`;
      assert.ok(pending.every((d) => d.status === "pending" && d.attempts === 1), "kept, not lost");
      const soonest = Math.min(...pending.map((d) => d.wait));
      assert.ok(soonest >= 1, `none retried at once: ${soonest}`);
      // Deliveries the provider answered wait at least as long as it asked (or the backoff);
      // those an open circuit breaker held back wait for the breaker's cool-down.
      const answered = pending.filter((d) => !d.last_error.includes("circuit breaker"));
      assert.ok(answered.length > 0);
      const waits = answered.map((d) => Math.round(d.wait));
      assert.ok(
        waits.every((w) => w >= fault.minWaitSeconds),
        `waits at least ${fault.minWaitSeconds} s: ${waits}`,
      );

      // Recovery, but the retries are not due yet.
      channels.respondAll();
      if (fault.name === "refuses connections") {
        await db.sql`update public.deliveries as d set destination = s.destination
                     from load_test.saved as s where s.id = d.id`;
      }
      const recovered = performance.now();
      clock = new Date(clock.getTime() + (soonest - 1) * 1000);
      assert.equal((await drainAt(db, clock, working)).claimed, 0, "nothing before it is due");
      const latest = Math.max(...pending.map((d) => d.wait));
      clock = new Date(clock.getTime() + (latest + 1) * 1000);
      const up = await drainAt(db, clock, working);
      assert.equal(up.sent, expected);

      const succeeded = channels.sends().filter((s) => s.at >= recovered);
      assert.equal(succeeded.length, expected, "one successful request per delivery");
      assert.deepEqual(duplicates(succeeded.map((s) => `${s.channel}|${s.key}`)), []);
      for (const channel of CHANNELS) {
        assert.equal(succeeded.filter((s) => s.channel === channel).length, ALERTS, channel);
      }
      const rows = await db.sql<{ status: string; attempts: number }[]>`
        select status, attempts from public.deliveries where tenant_id = ${tenantId}`;
      assert.equal(rows.length, expected, "no delivery lost");
      assert.ok(rows.every((d) => d.status === "sent" && d.attempts === 2), JSON.stringify(rows));
      assert.equal((await drainAt(db, new Date(clock.getTime() + 86_400_000), working)).claimed, 0);
    } finally {
      for (const resolve of hung.splice(0)) resolve();
    }
  });
}

Deno.test("one tenant's broken channel configuration fails its deliveries for good while other tenants keep flowing", async () => {
  await using db = await createTestDatabase();
  await using channels = startAllChannels();
  await routeToFakes(db.sql, channels);
  const healthy = await Promise.all([1, 2].map(() => tenantOnEveryChannel(db.sql)));
  const broken = await tenantOnEveryChannel(db.sql, { tag: "broken" });
  // The broken tenant's Slack and Discord tokens were revoked, its webhook receiver is gone.
  for (const name of ["slack", "discord", "webhook"] as const) {
    channels[name].respond((r) =>
      r.path.startsWith("/broken/")
        ? new Response(name === "webhook" ? "no such hook" : "invalid_token", {
          status: name === "webhook" ? 404 : 401,
        })
        : new Response(null, { status: 204 })
    );
  }
  for (let i = 0; i < ALERTS; i++) {
    for (const { tenantId } of [...healthy, broken]) {
      await raiseAlert(db.sql, tenantId, { severity: "critical", title: `Mixed loaf ${i}` });
    }
  }
  const clock = new Date(Date.now() + 60_000);
  await drainAt(db, clock, channels.config);
  // However long it goes on, nothing more is tried.
  assert.equal(
    (await drainAt(db, new Date(clock.getTime() + 86_400_000), channels.config)).claimed,
    0,
  );

  const rows = await db.sql<
    { tenant_id: string; channel: string; status: string; attempts: number }[]
  >`
    select tenant_id, channel, status, attempts from public.deliveries`;
  for (const { tenantId } of healthy) {
    const own = rows.filter((r) => r.tenant_id === tenantId);
    assert.equal(own.length, ALERTS * CHANNELS.length);
    assert.ok(own.every((r) => r.status === "sent" && r.attempts === 1), "healthy tenants flow");
  }
  const own = rows.filter((r) => r.tenant_id === broken.tenantId);
  const hooks = own.filter((r) => ["slack", "discord", "webhook"].includes(r.channel));
  assert.equal(hooks.length, ALERTS * 3);
  assert.ok(hooks.every((r) => r.status === "failed" && r.attempts === 1), JSON.stringify(hooks));
  assert.ok(
    own.filter((r) => !hooks.includes(r)).every((r) => r.status === "sent"),
    "its members are still reached",
  );
  const sends = channels.sends();
  assert.deepEqual(duplicates(sends.map((s) => `${s.channel}|${s.key}`)), [], "none sent twice");
  assert.equal(sends.length, 3 * ALERTS * CHANNELS.length, "each tried exactly once");
});
