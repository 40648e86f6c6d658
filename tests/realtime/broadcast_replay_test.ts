/**
 * @module
 * Broadcast replay with the real supabase-js: a private channel joining with
 * `broadcast.replay` first gets the newest database messages of its topic since a time, oldest
 * first, marked `meta.replayed`, then live ones unmarked, none twice; public channels and bad
 * parameters are refused with hosted's reasons.
 */

import assert from "node:assert/strict";
import {
  alertsTopic,
  eventually,
  MEMBER,
  type RealtimeWorld,
  type Received,
  startRealtimeWorld,
  subscribed,
  TENANT,
  VERSIONS,
} from "./_realtime_fixture.ts";

const TOPIC = alertsTopic(TENANT);

// One transaction per tick, so each has its own inserted_at.
async function tick(world: RealtimeWorld, n: number): Promise<void> {
  await world.stack.db.sql`select realtime.send(${
    world.stack.db.sql.json({ n })
  }, 'tick', ${TOPIC}, true)`;
}

async function join(
  world: RealtimeWorld,
  vsn: string,
  replay: { since: number; limit?: number },
): Promise<Received[]> {
  const supabase = await world.client({ vsn, tenantId: TENANT, userId: MEMBER });
  await supabase.realtime.setAuth();
  const received: Received[] = [];
  const channel = supabase.channel(TOPIC, { config: { private: true, broadcast: { replay } } })
    .on("broadcast", { event: "tick" }, (message) => received.push(message));
  assert.equal((await subscribed(channel)).status, "SUBSCRIBED");
  return received;
}

for (const vsn of VERSIONS) {
  Deno.test(`vsn ${vsn}: a join with replay gets the newest messages first, then live ones`, async () => {
    await using world = await startRealtimeWorld();
    for (let n = 1; n <= 5; n++) await tick(world, n);
    const received = await join(world, vsn, { since: Date.now() - 60_000, limit: 3 });
    await eventually(() => received.length === 3, "three replayed messages");
    assert.deepEqual(received.map((m) => m.payload.n), [3, 4, 5]);
    assert.ok(received.every((m) => m.meta.replayed === true));
    const ids = await world.stack.db.sql<{ id: string }[]>`
      select id::text from realtime.messages where topic = ${TOPIC}
      order by inserted_at desc limit 3`;
    assert.deepEqual(received.map((m) => m.meta.id), ids.map((r) => r.id).reverse());

    await tick(world, 6);
    await eventually(() => received.length === 4, "the live message");
    assert.equal(received[3].payload.n, 6);
    assert.equal(received[3].meta.replayed, undefined);
    await tick(world, 7);
    await eventually(() => received.length === 5, "another live message");
    assert.deepEqual(received.map((m) => m.payload.n), [3, 4, 5, 6, 7], "nothing twice");
  });
}

Deno.test("replay starts at `since` (epoch ms) and stops at the hosted cap of 25", async () => {
  await using world = await startRealtimeWorld();
  for (let n = 1; n <= 30; n++) await tick(world, n);
  const [{ since }] = await world.stack.db.sql<{ since: number }[]>`
    select floor(extract(epoch from inserted_at) * 1000)::float8 as since
    from realtime.messages where topic = ${TOPIC} and payload->>'n' = '28'`;
  const fromTick28 = await join(world, "2.0.0", { since, limit: 25 });
  await eventually(() => fromTick28.length === 3, "ticks 28 to 30");
  assert.deepEqual(fromTick28.map((m) => m.payload.n), [28, 29, 30]);

  const capped = await join(world, "2.0.0", { since: 0, limit: 100 });
  await eventually(() => capped.length === 25, "25 ticks");
  assert.deepEqual(capped.map((m) => m.payload.n), Array.from({ length: 25 }, (_, i) => i + 6));
});

Deno.test("replay is refused on public channels and with bad parameters", async () => {
  await using world = await startRealtimeWorld();
  const socket = await world.raw({ vsn: "2.0.0" });
  const token = await world.stack.tokenFor({ tenantId: TENANT, userId: MEMBER });
  const cases = [
    [false, { since: 0 }, "UnableToReplayMessages: Replay is not allowed for public channels"],
    [true, { since: "yesterday" }, "UnableToReplayMessages: Replay params are not valid"],
    [true, { since: 0, limit: 2.5 }, "UnableToReplayMessages: Replay params are not valid"],
  ] as const;
  for (const [i, [isPrivate, replay, reason]] of cases.entries()) {
    const ref = String(i + 1);
    socket.send([ref, ref, `realtime:${TOPIC}`, "phx_join", {
      config: { private: isPrivate, broadcast: { replay } },
      access_token: token,
    }]);
    const reply = await socket.next(
      (f) => Array.isArray(f) && f[1] === ref && f[3] === "phx_reply",
      `the reply to join ${ref}`,
    ) as [string, string, string, string, { status: string; response: { reason: string } }];
    assert.equal(reply[4].status, "error");
    assert.equal(reply[4].response.reason, reason);
  }
});
