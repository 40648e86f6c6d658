/**
 * @module
 * Alert inserts and updates made with SQL reach a member's supabase-js callback on the private
 * topic `tenant:<id>:alerts`, in both serializer versions, shaped as broadcast_changes shapes
 * them and with `meta.id` the realtime.messages row id.
 */

import assert from "node:assert/strict";
import {
  alertsTopic,
  eventually,
  MEMBER,
  type Received,
  startRealtimeWorld,
  subscribed,
  TENANT,
  VERSIONS,
} from "./_realtime_fixture.ts";

for (const vsn of VERSIONS) {
  Deno.test(`vsn ${vsn}: an SQL insert into alerts reaches the member's broadcast callback`, async () => {
    await using world = await startRealtimeWorld();
    const supabase = await world.client({ vsn, tenantId: TENANT, userId: MEMBER });
    const received: Received[] = [];
    const channel = supabase.channel(alertsTopic(TENANT), { config: { private: true } })
      .on("broadcast", { event: "*" }, (message) => received.push(message));
    assert.equal((await subscribed(channel)).status, "SUBSCRIBED");

    const id = await world.raise(TENANT, "Rye bread runs out today");
    const insert = await eventually(() => received[0], "the insert arrives");
    assert.equal(insert.event, "INSERT");
    assert.equal(insert.payload.operation, "INSERT");
    assert.equal(insert.payload.table, "alerts");
    assert.equal(insert.payload.record.id, id);
    assert.equal(insert.payload.record.title, "Rye bread runs out today");
    const [row] = await world.stack.db.sql`select id from realtime.messages where topic = ${
      alertsTopic(TENANT)
    }`;
    assert.equal(insert.meta.id, row.id);

    await world.stack.db.sql`update public.alerts set severity = 'critical' where id = ${id}`;
    const update = await eventually(() => received[1], "the update arrives");
    assert.equal(update.event, "UPDATE");
    assert.equal(update.payload.record.severity, "critical");
    assert.equal(update.payload.old_record.severity, "high");
  });
}

Deno.test("one statement inserting 200 alerts delivers each of them exactly once", async () => {
  await using world = await startRealtimeWorld();
  const supabase = await world.client({ vsn: "2.0.0", tenantId: TENANT, userId: MEMBER });
  const titles: string[] = [];
  const channel = supabase.channel(alertsTopic(TENANT), { config: { private: true } })
    .on("broadcast", { event: "INSERT" }, ({ payload }) => titles.push(payload.record.title));
  assert.equal((await subscribed(channel)).status, "SUBSCRIBED");

  await world.stack.db.sql`
    insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key)
    select ${TENANT}, 'stockout_risk', 'low', 'Item ' || g, 'bulk:' || g
    from generate_series(1, 200) as g`;
  await eventually(() => titles.length >= 200, "200 alerts arrive");
  // a late duplicate would show up here
  await world.raise(TENANT, "marker");
  await eventually(() => titles.includes("marker"), "the marker arrives");
  assert.equal(titles.length, 201);
  assert.deepEqual(new Set(titles.slice(0, 200)).size, 200);
});

Deno.test("with the logical-replication feed and NOTIFY off, alerts still reach the member", async () => {
  await using world = await startRealtimeWorld({ realtimeFeed: "replication" });
  const supabase = await world.client({ vsn: "2.0.0", tenantId: TENANT, userId: MEMBER });
  const titles: string[] = [];
  const channel = supabase.channel(alertsTopic(TENANT), { config: { private: true } })
    .on("broadcast", { event: "INSERT" }, ({ payload }) => titles.push(payload.record.title));
  assert.equal((await subscribed(channel)).status, "SUBSCRIBED");
  await world.stack.db.sql.begin(async (tx) => {
    await tx`set local realtime.local_notify = off`;
    await tx`insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key)
             values (${TENANT}, 'stockout_risk', 'high', 'streamed', 'wal:1')`;
  });
  // logical decoding reads the whole shared cluster's WAL, so give it time under load
  await eventually(() => titles.includes("streamed"), "the streamed alert arrives", 30_000);
});
