/**
 * @module
 * The gateway survives a Postgres restart with either feed: subscribed supabase-js clients keep
 * their channel and receive what the database sends afterwards, including a message sent right
 * after the restart, before the feed has reconnected (re-read on reconnect), each exactly once.
 * Runs on a throwaway cluster of its own (another port, under /tmp), never the shared one.
 */

import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import postgres from "postgres";
import { applyPlatform } from "../../local/migrations.ts";
import { startStack } from "../../local/stack.ts";
import { startThrowawayCluster } from "../_support/throwaway_cluster.ts";
import { createLogger } from "../../functions/_shared/logging.ts";
import { anonKey } from "../../local/tokens.ts";
import { eventually, type Received, subscribed } from "./_realtime_fixture.ts";

Deno.test("both feeds deliver after a Postgres restart, nothing lost or doubled", async () => {
  await using cluster = await startThrowawayCluster({
    prefix: "shelfwatch_rt_restart_",
    firstPort: 55400,
  });
  const jwtSecret = crypto.randomUUID() + crypto.randomUUID();
  const stacks: Awaited<ReturnType<typeof startStack>>[] = [];
  const logs: string[] = [];
  const admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
  try {
    await applyPlatform(admin);
    const anon = await anonKey(jwtSecret);
    const received = { notify: [] as Received[], replication: [] as Received[] };
    const clients = [];
    for (const feed of ["notify", "replication"] as const) {
      const stack = await startStack({
        databaseUrl: cluster.url,
        jwtSecret,
        port: 0,
        realtimeFeed: feed,
        logger: createLogger("realtime", (line) => logs.push(line)),
      });
      stacks.push(stack);
      const supabase = createClient(stack.url, anon, { auth: { persistSession: false } });
      clients.push(supabase);
      const channel = supabase.channel("room:restart")
        .on("broadcast", { event: "tick" }, (m) => received[feed].push(m));
      assert.equal((await subscribed(channel)).status, "SUBSCRIBED");
    }
    // Postgres Changes ride a logical-replication stream of their own (started by this join).
    await admin.unsafe(`
      create table public.restart_counts (id bigint primary key);
      grant select on public.restart_counts to anon;
      alter publication supabase_realtime add table public.restart_counts`);
    const changes: number[] = [];
    const changesSystem: Received[] = [];
    const changesChannel = clients[0].channel("changes:restart")
      .on(
        "postgres_changes",
        { event: "INSERT", schema: "public", table: "restart_counts" },
        (change: Received) => changes.push(change.new.id),
      )
      .on("system", {}, (message: Received) => changesSystem.push(message));
    assert.equal((await subscribed(changesChannel)).status, "SUBSCRIBED");
    await eventually(() => changesSystem[0]?.status === "ok", "Postgres Changes subscribed");
    await admin`insert into public.restart_counts values (1)`;
    await eventually(() => changes.includes(1), "the change before the restart");

    const send = (n: number) =>
      admin`select realtime.send(${admin.json({ n })}, 'tick', 'room:restart', false)`;
    const ticks = (feed: "notify" | "replication") => received[feed].map((m) => m.payload.n);

    await send(1);
    await eventually(
      () => ticks("notify").length === 1 && ticks("replication").length === 1,
      "tick 1",
    );

    await cluster.stop();
    await cluster.start();
    await send(2); // likely before either feed has reconnected
    await eventually(
      () => ticks("notify").includes(2) && ticks("replication").includes(2),
      "tick 2, sent right after the restart",
      15_000,
    );
    await send(3);
    await eventually(
      () => ticks("notify").includes(3) && ticks("replication").includes(3),
      "tick 3, once both feeds are back",
      15_000,
    );
    // A change committed before the stream's new slot exists is not replayed (as hosted's
    // clients, ours refetch after a reconnect), so write until one arrives.
    for (let id = 100; !changes.some((n) => n >= 100); id++) {
      assert.ok(id < 150, "Postgres Changes resume after the restart");
      await admin`insert into public.restart_counts values (${id})`;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.equal(new Set(changes).size, changes.length, "no change delivered twice");
    assert.ok(logs.some((line) => line.includes("realtime postgres changes reconnected")));
    assert.ok(logs.some((line) => line.includes("realtime feed reconnected")));
    assert.ok(logs.some((line) => line.includes("realtime replication feed reconnected")));
    assert.deepEqual(ticks("notify"), [1, 2, 3]);
    assert.deepEqual(ticks("replication"), [1, 2, 3]);
    for (const supabase of clients) await supabase.removeAllChannels();
  } finally {
    await admin.end({ timeout: 1 }).catch(() => {});
    for (const stack of stacks) await stack.stop();
  }
});
