/**
 * @module
 * Event ingest through the rules engine against a real Postgres: one statement inserting 10,000
 * events is processed completely and set-based (every event ends with a final status, and the
 * rules open exactly the alerts they call for), concurrent inserts repeating one alert number
 * its occurrences exactly once each, and two transactions opening the same new alert number
 * theirs 1 and 2.
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { createTestDatabase } from "../_support/database.ts";

const EVENTS = 10_000;
const STORES = 50;
const SCANNER_CAP = 100;

/** What the rules below make of event i, worked out independently of the SQL. */
function expectedOutcome(i: number): { status: string; key?: string } {
  const store = `S${i % STORES}`;
  if (i % 4 === 0) return { status: "scanner", key: `scanner:D${i}` };
  if (i % 4 === 1) return { status: "no_rule" };
  const onHand = Math.floor(i / 4) % 10;
  if (onHand >= 5) return { status: "no_rule" };
  if (store === "S1") return { status: "suppressed" };
  return { status: "low", key: `low:${store}` };
}

Deno.test("one insert of 10,000 events is processed completely: every event gets a final status and the expected alerts exist", async () => {
  await using db = await createTestDatabase();
  const [{ id: tenantId }] = await db.sql`
    insert into public.tenants (name) values ('Batch ingest') returning id`;
  await db.sql`
    insert into public.alert_rules (tenant_id, name, event_types, conditions, severity, title_template,
                                    dedup_key_template, max_alerts_per_hour)
    values (${tenantId}, 'Low stock', '{inventory.*}', '[{"path": "on_hand", "op": "lt", "value": 5}]', 'high',
            'Low stock at {{payload.store_id}}: {{payload.on_hand}} left', 'low:{{payload.store_id}}', null),
           (${tenantId}, 'Scanner errors', '{device.scanner_error}', '[]', 'low',
            'Scanner {{payload.device}} failed', 'scanner:{{payload.device}}', ${SCANNER_CAP})`;
  await db.sql`
    insert into public.alert_suppressions (tenant_id, store_ids, ends_at, reason)
    values (${tenantId}, '{S1}', now() + interval '1 hour', 'Store S1 is being refitted')`;

  // One statement, as a feed would send it.
  await db.sql`
    insert into public.alert_events (tenant_id, source, event_type, payload)
    select ${tenantId}, 'batch',
           case i % 4 when 0 then 'device.scanner_error' when 1 then 'misc.unrouted' else 'inventory.level' end,
           jsonb_build_object('store_id', 'S' || (i % ${STORES}), 'device', 'D' || i, 'on_hand', (i / 4) % 10, 'i', i)
    from generate_series(1, ${EVENTS}) as i`;

  const expected = { alerted: 0, aggregated: 0, no_rule: 0, suppressed: 0, throttled: 0 };
  const lowOccurrences = new Map<string, number>();
  let scanners = 0;
  for (let i = 1; i <= EVENTS; i++) {
    const { status, key } = expectedOutcome(i);
    if (status === "scanner") {
      scanners++;
      if (scanners <= SCANNER_CAP) expected.alerted++;
      else expected.throttled++;
    } else if (status === "low") {
      const seen = lowOccurrences.get(key!) ?? 0;
      lowOccurrences.set(key!, seen + 1);
      if (seen === 0) expected.alerted++;
      else expected.aggregated++;
    } else {
      expected[status as "no_rule" | "suppressed"]++;
    }
  }

  const statuses = await db.sql<{ status: string; events: number; unprocessed: number }[]>`
    select status, count(*)::int as events, count(*) filter (where processed_at is null)::int as unprocessed
    from public.alert_events where tenant_id = ${tenantId} group by status order by status`;
  assert.deepEqual(
    Object.fromEntries(statuses.map((row) => [row.status, row.events])),
    expected,
    "every event has its final status (none left pending)",
  );
  assert.equal(
    statuses.reduce((sum, row) => sum + row.unprocessed, 0),
    0,
    "every event has processed_at",
  );

  const alerts = await db.sql<{ dedup_key: string; occurrence_count: number }[]>`
    select dedup_key, occurrence_count from public.alerts where tenant_id = ${tenantId}`;
  assert.equal(
    alerts.length,
    lowOccurrences.size + SCANNER_CAP,
    "one alert per store in trouble, plus the capped scanners",
  );
  const lowAlerts = alerts.filter((alert) => alert.dedup_key.startsWith("low:"));
  assert.deepEqual(
    Object.fromEntries(lowAlerts.map((alert) => [alert.dedup_key, alert.occurrence_count])),
    Object.fromEntries(lowOccurrences),
    "each low-stock alert counts every event of its store",
  );

  const [{ linked }] = await db.sql<{ linked: number }[]>`
    select count(*)::int as linked
    from public.alert_events as e
    join public.alerts as a on a.id = e.alert_id
    where e.tenant_id = ${tenantId} and e.status in ('alerted', 'aggregated')
      and a.dedup_key = case when e.event_type = 'inventory.level' then 'low:' || (e.payload ->> 'store_id')
                             else 'scanner:' || (e.payload ->> 'device') end`;
  assert.equal(
    linked,
    expected.alerted + expected.aggregated,
    "each alerted or aggregated event names its alert",
  );
  const [{ gaps }] = await db.sql<{ gaps: number }[]>`
    select count(*)::int as gaps from (
      select e.alert_id from public.alert_events as e
      where e.tenant_id = ${tenantId} and e.status in ('alerted', 'aggregated')
      group by e.alert_id
      having count(*) <> count(distinct e.occurrence) or max(e.occurrence) <> count(*)) as numbering`;
  assert.equal(gaps, 0, "each alert's events are its occurrences 1..n, once each");
});

Deno.test("events repeating one open alert from 4 connections at once are numbered 2..n exactly once", async () => {
  await using db = await createTestDatabase();
  const [{ id: tenantId }] = await db.sql`
    insert into public.tenants (name) values ('Concurrent repeats') returning id`;
  await db.sql`
    insert into public.alert_rules (tenant_id, name, event_types, severity, title_template, dedup_key_template, notify_every)
    values (${tenantId}, 'Door', '{door.open}', 'medium', 'Door {{payload.door}} open', 'door:{{payload.door}}', 10)`;
  await db.sql`
    insert into public.alert_events (tenant_id, source, event_type, payload)
    values (${tenantId}, 'sensor', 'door.open', '{"door": "back"}')`;

  const connections = 4;
  const perConnection = 25;
  const pools = Array.from(
    { length: connections },
    () => postgres(db.url, { max: 1, onnotice: () => {} }),
  );
  try {
    const outcomes = await Promise.allSettled(pools.map(async (pool) => {
      for (let n = 0; n < perConnection; n++) {
        await pool`
          insert into public.alert_events (tenant_id, source, event_type, payload)
          values (${tenantId}, 'sensor', 'door.open', '{"door": "back"}')`;
      }
    }));
    assert.deepEqual(
      outcomes.filter((outcome) => outcome.status === "rejected"),
      [],
      "no insert fails",
    );
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }

  const total = 1 + connections * perConnection;
  const [alert] = await db.sql<{ occurrence_count: number; alerts: number }[]>`
    select max(occurrence_count)::int as occurrence_count, count(*)::int as alerts
    from public.alerts where tenant_id = ${tenantId}`;
  assert.deepEqual({ ...alert }, { occurrence_count: total, alerts: 1 });
  const events = await db.sql<{ status: string; occurrence: number; notify: boolean }[]>`
    select status, occurrence, notify from public.alert_events where tenant_id = ${tenantId} order by occurrence`;
  assert.deepEqual(
    events.map((event) => event.occurrence),
    Array.from({ length: total }, (_, i) => i + 1),
    "occurrences 1..n, each exactly once",
  );
  assert.deepEqual(
    events.filter((event) => event.notify).map((event) => event.occurrence),
    [1, ...Array.from({ length: Math.floor(total / 10) }, (_, i) => (i + 1) * 10)],
    "occurrence 1 and every 10th notify",
  );
  assert.equal(
    events.filter((event) => event.status === "alerted").length,
    1,
    "only the first opened the alert",
  );
});

Deno.test("two transactions opening the same new alert at once number its events 1 and 2: the second waits and aggregates", async () => {
  await using db = await createTestDatabase();
  const [{ id: tenantId }] = await db.sql`
    insert into public.tenants (name) values ('Racing windows') returning id`;
  await db.sql`
    insert into public.alert_rules (tenant_id, name, event_types, severity, title_template, dedup_key_template,
                                    aggregation_window_minutes)
    values (${tenantId}, 'Freezer', '{sensor.freezer}', 'high', 'Freezer {{payload.freezer}} warm',
            'freezer:{{payload.freezer}}', 60)`;
  const insertEvent = (sql: postgres.Sql | postgres.TransactionSql, source: string) =>
    sql`insert into public.alert_events (tenant_id, source, event_type, payload)
        values (${tenantId}, ${source}, 'sensor.freezer', '{"freezer": "f1"}') returning id`;

  const first = postgres(db.url, { max: 1, onnotice: () => {} });
  const second = postgres(db.url, { max: 1, onnotice: () => {} });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  try {
    let opened!: () => void;
    const isOpen = new Promise<void>((resolve) => (opened = resolve));
    // The first transaction opens the alert and stays open until the second is waiting on it.
    const firstDone = first.begin(async (tx) => {
      await insertEvent(tx, "first");
      opened();
      await released;
    });
    await isOpen;
    const secondDone = insertEvent(second, "second").execute();
    for (let tries = 0;; tries++) {
      const [{ waiting }] = await db.sql<{ waiting: number }[]>`
        select count(*)::int as waiting from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`;
      if (waiting > 0) break;
      assert.ok(tries < 500, "the second insert waits for the first transaction");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    release();
    await Promise.all([firstDone, secondDone]);
  } finally {
    release();
    await Promise.all([first.end({ timeout: 5 }), second.end({ timeout: 5 })]);
  }

  const events = await db.sql<
    { source: string; status: string; occurrence: number; notify: boolean }[]
  >`
    select source, status, occurrence, notify from public.alert_events
    where tenant_id = ${tenantId} order by source`;
  assert.deepEqual(events.map((event) => ({ ...event })), [
    { source: "first", status: "alerted", occurrence: 1, notify: true },
    { source: "second", status: "aggregated", occurrence: 2, notify: false },
  ]);
  const [alert] = await db.sql<{ occurrence_count: number; window_occurrence: string }[]>`
    select occurrence_count, metadata ->> 'window_occurrence' as window_occurrence
    from public.alerts where tenant_id = ${tenantId}`;
  assert.deepEqual({ ...alert }, { occurrence_count: 2, window_occurrence: "2" });
});
