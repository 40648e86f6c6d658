/**
 * @module
 * Event-ingest benchmarks: single-row durable inserts into alert_events from 4 connections (each
 * event matched against a rule, deduplicated into an alert, recorded with its outcome) beside the
 * same inserts into a bare table with the same columns; and one statement of 10,000 events.
 */

import postgres from "postgres";
import type { TestDatabase } from "../_support/database.ts";
import { measure, type Measurement } from "./measure.ts";

const TENANT = "00000000-0000-4000-8000-0000000000bf";

/** A tenant with one rule matching every `sensor.*` event, and a bare twin of alert_events. */
export async function prepareIngest(db: TestDatabase): Promise<void> {
  await db.sql`insert into public.tenants (id, name) values (${TENANT}, 'Ingest bench')`;
  await db
    .sql`insert into public.alert_rules (tenant_id, name, event_types, conditions, severity, title_template, aggregation_window_minutes)
               values (${TENANT}, 'Freezer too warm', array['sensor.*'],
                       '[{"path": "temperature", "op": "gt", "value": -15}]', 'high',
                       'Freezer {{payload.freezer}} is at {{payload.temperature}} C', 60)`;
  await db.sql`create table public.bench_bare_events (like public.alert_events including defaults)`;
}

function event(i: number) {
  return {
    source: "bench",
    event_type: "sensor.temperature",
    payload: { freezer: `f${i % 50}`, temperature: i % 3 === 0 ? -10 : -20 },
    dedup_key: `freezer-f${i % 50}`,
  };
}

/** Single-row inserts from `connections` connections, each in its own (durable) transaction. */
export async function singleRowIngest(db: TestDatabase, count: number, connections = 4) {
  const pools = Array.from(
    { length: connections },
    () => postgres(db.url, { max: 1, onnotice: () => {} }),
  );
  try {
    const run = (table: "alert_events" | "bench_bare_events") =>
      measure((i) => {
        const e = event(i);
        const sql = pools[i % connections];
        return sql`insert into ${
          sql("public." + table)
        } (tenant_id, source, event_type, payload, dedup_key)
                   values (${TENANT}, ${e.source}, ${e.event_type}, ${
          sql.json(e.payload)
        }, ${e.dedup_key})`;
      }, { count, concurrency: connections });
    const reference = await run("bench_bare_events");
    const figure = await run("alert_events");
    return { figure, reference };
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
}

/** One insert statement of `count` events, and the same into the bare table. */
export async function batchIngest(
  db: TestDatabase,
  count: number,
): Promise<{ figure: Measurement; reference: Measurement }> {
  const batch = (table: string) =>
    db.sql`insert into ${
      db.sql("public." + table)
    } (tenant_id, source, event_type, payload, dedup_key)
           select ${TENANT}, 'bench', 'sensor.temperature',
                  jsonb_build_object('freezer', 'f' || (g % 50), 'temperature', case when g % 3 = 0 then -10 else -20 end),
                  'freezer-f' || (g % 50)
           from generate_series(1, ${count}) as g`;
  const reference = await measure(() => batch("bench_bare_events"), { count: 3, concurrency: 1 });
  const figure = await measure(() => batch("alert_events"), { count: 3, concurrency: 1 });
  return { figure, reference };
}
