/**
 * @module
 * Postgres Changes through the gateway with the real supabase-js, in both serializer versions: a
 * table in publication `supabase_realtime` with row level security by tenant, written by plain
 * SQL; each member gets only its tenant's rows, typed by supabase-js from the column types,
 * INSERT / UPDATE / DELETE with the old key, filters (`lt`, `in`, AND), columns the role may not
 * read left out, hosted's 413 for a record over 1 MB, hosted's errors for unpublished tables and
 * unknown filter columns (the channel stays joined), and nothing after the channel is left.
 */

import assert from "node:assert/strict";
import type { SupabaseClient } from "@supabase/supabase-js";
import {
  eventually,
  MEMBER,
  OTHER_MEMBER,
  OTHER_TENANT,
  type RealtimeWorld,
  type Received,
  startRealtimeWorld,
  subscribed,
  TENANT,
  VERSIONS,
} from "./_realtime_fixture.ts";

async function createShelfCounts(world: RealtimeWorld): Promise<void> {
  await world.stack.db.sql.unsafe(`
    create table public.shelf_counts (
      id bigint generated always as identity primary key,
      tenant_id uuid not null,
      product text not null,
      qty integer not null,
      counted_at timestamptz not null default now(),
      note text,
      cost_price numeric
    );
    alter table public.shelf_counts enable row level security;
    create policy shelf_counts_of_my_tenant on public.shelf_counts for select to authenticated
      using (private.member_role(tenant_id) is not null);
    -- cost_price is for buyers' eyes only: members may read every other column (the platform's
    -- default privileges grant the whole table, as hosted's do)
    revoke select on public.shelf_counts from anon, authenticated;
    grant select (id, tenant_id, product, qty, counted_at, note) on public.shelf_counts
      to authenticated;
    alter publication supabase_realtime add table public.shelf_counts;
    create table public.not_published (id bigint primary key);
  `);
}

function count(world: RealtimeWorld, tenantId: string, product: string, qty: number) {
  return world.stack.db.sql<{ id: string }[]>`
    insert into public.shelf_counts (tenant_id, product, qty, cost_price)
    values (${tenantId}, ${product}, ${qty}, 1.25) returning id::text`;
}

async function listen(
  supabase: SupabaseClient,
  topic: string,
  filter: Record<string, string>,
): Promise<{ received: Received[]; system: Received[] }> {
  const received: Received[] = [];
  const system: Received[] = [];
  const channel = supabase.channel(topic)
    .on(
      "postgres_changes",
      // deno-lint-ignore no-explicit-any
      { schema: "public", table: "shelf_counts", ...filter } as any,
      (change: Received) => received.push(change),
    )
    .on("system", {}, (message: Received) => system.push(message));
  const { status, error } = await subscribed(channel);
  assert.equal(status, "SUBSCRIBED", error?.message);
  await eventually(() => system.length > 0, `the postgres_changes system message on ${topic}`);
  return { received, system };
}

for (const vsn of VERSIONS) {
  Deno.test(`postgres_changes (${vsn}): each member sees its tenant's changes, typed`, async () => {
    await using world = await startRealtimeWorld();
    await createShelfCounts(world);
    const member = await world.client({ vsn, tenantId: TENANT, userId: MEMBER });
    const other = await world.client({ vsn, tenantId: OTHER_TENANT, userId: OTHER_MEMBER });
    const mine = await listen(member, "counts:mine", { event: "*" });
    const theirs = await listen(other, "counts:theirs", { event: "INSERT" });
    assert.deepEqual(mine.system[0], {
      extension: "postgres_changes",
      status: "ok",
      message: "Subscribed to PostgreSQL",
      channel: "counts:mine",
    });

    const [{ id }] = await count(world, TENANT, "rye loaf", 3);
    await count(world, OTHER_TENANT, "baguette", 9);
    const insert = await eventually(() => mine.received[0], "the member's insert");
    assert.equal(insert.eventType, "INSERT");
    assert.equal(insert.schema, "public");
    assert.equal(insert.table, "shelf_counts");
    assert.equal(insert.errors, null);
    assert.match(insert.commit_timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // supabase-js casts the text values by column type: int8 and int4 become numbers
    assert.equal(insert.new.id, Number(id));
    assert.equal(insert.new.qty, 3);
    assert.equal(insert.new.product, "rye loaf");
    assert.equal(insert.new.tenant_id, TENANT);
    assert.ok(!("cost_price" in insert.new), "a column the role may not read is left out");
    assert.deepEqual(insert.old, {});
    const other_insert = await eventually(() => theirs.received[0], "the other member's insert");
    assert.equal(other_insert.new.product, "baguette");

    await world.stack.db.sql`update public.shelf_counts set qty = 1 where id = ${id}`;
    const update = await eventually(() => mine.received[1], "the update");
    assert.equal(update.eventType, "UPDATE");
    assert.equal(update.new.qty, 1);
    assert.deepEqual(update.old, { id: Number(id) }, "the old record is the key");

    await world.stack.db.sql`delete from public.shelf_counts where id = ${id}`;
    const deleted = await eventually(() => mine.received[2], "the delete");
    assert.equal(deleted.eventType, "DELETE");
    assert.deepEqual(deleted.old, { id: Number(id) });
    assert.deepEqual(deleted.new, {});

    // Give a stray delivery time to arrive before checking that none did.
    await count(world, TENANT, "marker", 0);
    await eventually(() => mine.received.length === 4, "the marker insert");
    assert.equal(mine.received.length, 4);
    assert.ok(mine.received.every((change) => change.new?.product !== "baguette"));
    assert.equal(theirs.received.length, 1, "an INSERT binding gets no updates or deletes");
  });
}

Deno.test("postgres_changes: filters pick rows by typed comparison", async () => {
  await using world = await startRealtimeWorld();
  await createShelfCounts(world);
  const member = await world.client({ vsn: "2.0.0", tenantId: TENANT, userId: MEMBER });
  const low = await listen(member, "counts:low", { event: "INSERT", filter: "qty=lt.10" });
  const breads = await listen(member, "counts:breads", {
    event: "INSERT",
    filter: "product=in.(rye loaf,spelt),qty=gte.2",
  });
  // 9 < 10 but "9" > "10" as text: a typed comparison is needed
  for (const [product, qty] of [["rye loaf", 9], ["spelt", 12], ["rye loaf", 1], ["bun", 2]]) {
    await count(world, TENANT, product as string, qty as number);
  }
  await count(world, TENANT, "marker", 5);
  await eventually(() => low.received.length === 4, "the four counts under 10");
  assert.deepEqual(low.received.map((c) => [c.new.product, c.new.qty]), [
    ["rye loaf", 9],
    ["rye loaf", 1],
    ["bun", 2],
    ["marker", 5],
  ]);
  await eventually(() => breads.received.length === 2, "the two breads counted at 2 or more");
  assert.deepEqual(breads.received.map((c) => [c.new.product, c.new.qty]), [
    ["rye loaf", 9],
    ["spelt", 12],
  ]);
});

Deno.test("postgres_changes: a record over 1 MB comes with hosted's 413 and its small values", async () => {
  await using world = await startRealtimeWorld();
  await createShelfCounts(world);
  const member = await world.client({ vsn: "1.0.0", tenantId: TENANT, userId: MEMBER });
  const { received } = await listen(member, "counts:big", { event: "INSERT" });
  await world.stack.db.sql`
    insert into public.shelf_counts (tenant_id, product, qty, note)
    values (${TENANT}, 'long note', 4, repeat('x', 1200000))`;
  const change = await eventually(() => received[0], "the oversized insert");
  assert.deepEqual(change.errors, ["Error 413: Payload Too Large"]);
  assert.equal(change.new.product, "long note");
  assert.equal(change.new.qty, 4);
  assert.ok(!("note" in change.new), "values over 64 bytes are dropped");
});

Deno.test("postgres_changes: unpublished tables and unknown filter columns get hosted's errors", async () => {
  await using world = await startRealtimeWorld();
  await createShelfCounts(world);
  const member = await world.client({ vsn: "2.0.0", tenantId: TENANT, userId: MEMBER });
  const system: Received[] = [];
  const channel = member.channel("counts:wrong")
    .on(
      "postgres_changes",
      { event: "*", schema: "public", table: "not_published" },
      () => {},
    )
    .on("system", {}, (message: Received) => system.push(message));
  assert.equal((await subscribed(channel)).status, "SUBSCRIBED");
  const refused = await eventually(() => system[0], "the system error");
  assert.equal(refused.status, "error");
  assert.equal(refused.extension, "postgres_changes");
  assert.equal(
    refused.message,
    "Unable to subscribe to changes with given parameters. Please check Realtime is enabled for " +
      "the given connect parameters: [event: *, schema: public, table: not_published, " +
      "filters: [], select: nil]",
  );

  const columnSystem: Received[] = [];
  const badColumn = member.channel("counts:bad-column")
    .on(
      "postgres_changes",
      { event: "INSERT", schema: "public", table: "shelf_counts", filter: "shelf=eq.3" },
      () => {},
    )
    .on("system", {}, (message: Received) => columnSystem.push(message));
  assert.equal((await subscribed(badColumn)).status, "SUBSCRIBED");
  const invalid = await eventually(() => columnSystem[0], "the filter column error");
  assert.equal(invalid.status, "error");
  assert.match(invalid.message, /Exception: .*invalid column for filter shelf$/);
  // errors do not close the channel: it still carries broadcasts
  assert.equal(badColumn.state, "joined");
});

Deno.test("postgres_changes: nothing arrives after the channel is left", async () => {
  await using world = await startRealtimeWorld();
  await createShelfCounts(world);
  const member = await world.client({ vsn: "2.0.0", tenantId: TENANT, userId: MEMBER });
  const leaving = await listen(member, "counts:leaving", { event: "INSERT" });
  const staying = await listen(member, "counts:staying", { event: "INSERT" });
  await count(world, TENANT, "before", 1);
  await eventually(() => leaving.received.length === 1, "the insert before leaving");
  await member.removeChannel(member.getChannels().find((c) => c.subTopic === "counts:leaving")!);
  await count(world, TENANT, "after", 1);
  await eventually(() => staying.received.length === 2, "the insert after, on the other channel");
  assert.equal(leaving.received.length, 1);
});

Deno.test("postgres_changes: hosted's 400 for a table without a primary key, 401 for an unreadable key", async () => {
  await using world = await startRealtimeWorld();
  await world.stack.db.sql.unsafe(`
    create table public.tallies (n integer);
    create table public.secret_keys (id bigint primary key, label text);
    revoke all on public.tallies, public.secret_keys from anon, authenticated;
    grant select on public.tallies to authenticated;
    grant select (label) on public.secret_keys to authenticated;
    alter publication supabase_realtime add table public.tallies, public.secret_keys;
  `);
  const member = await world.client({ vsn: "2.0.0", tenantId: TENANT, userId: MEMBER });
  const received: Received[] = [];
  const system: Received[] = [];
  const channel = member.channel("tallies")
    .on("postgres_changes", { event: "INSERT", schema: "public", table: "tallies" }, (change) => {
      received.push(change);
    })
    .on(
      "postgres_changes",
      { event: "INSERT", schema: "public", table: "secret_keys" },
      (change) => received.push(change),
    )
    .on("system", {}, (message: Received) => system.push(message));
  assert.equal((await subscribed(channel)).status, "SUBSCRIBED");
  await eventually(() => system[0]?.status === "ok", "subscribed to PostgreSQL");
  await world.stack.db.sql`insert into public.tallies values (7)`;
  await world.stack.db.sql`insert into public.secret_keys values (1, 'front door')`;
  await eventually(() => received.length === 2, "both inserts");
  const [tally, secret] = received;
  assert.equal(tally.table, "tallies");
  assert.deepEqual(tally.errors, ["Error 400: Bad Request, no primary key"]);
  assert.deepEqual(tally.new, {});
  assert.equal(secret.table, "secret_keys");
  assert.deepEqual(secret.errors, ["Error 401: Unauthorized"]);
  assert.deepEqual(secret.new, {});
});
