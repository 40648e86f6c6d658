/**
 * @module
 * Who may listen: private topics are authorised by the app's RLS policies on realtime.messages
 * under the caller's claims (another tenant's members and anon are refused with hosted's
 * reason), tokens are re-checked on `access_token` and close the channel when they expire, and
 * nothing reaches a socket that never joined or joined the public topic of the same name.
 */

import assert from "node:assert/strict";
import {
  alertsTopic,
  eventually,
  MEMBER,
  OTHER_MEMBER,
  OTHER_TENANT,
  type Received,
  startRealtimeWorld,
  subscribed,
  TENANT,
  VERSIONS,
} from "./_realtime_fixture.ts";

for (const vsn of VERSIONS) {
  Deno.test(`vsn ${vsn}: another tenant's alerts topic is refused, with hosted's reason`, async () => {
    await using world = await startRealtimeWorld();
    const outsider = await world.client({ vsn, tenantId: OTHER_TENANT, userId: OTHER_MEMBER });
    const channel = outsider.channel(alertsTopic(TENANT), { config: { private: true } });
    const { status, error } = await subscribed(channel);
    await outsider.removeChannel(channel);
    assert.equal(status, "CHANNEL_ERROR");
    assert.equal(
      error?.message,
      `Unauthorized: You do not have permissions to read from this Channel topic: ${
        alertsTopic(TENANT)
      }`,
    );
  });

  Deno.test(`vsn ${vsn}: a refreshed token keeps the channel; one for another tenant closes it`, async () => {
    await using world = await startRealtimeWorld();
    const supabase = await world.client({ vsn, tenantId: TENANT, userId: MEMBER });
    const received: Received[] = [];
    const system: Received[] = [];
    const statuses: string[] = [];
    const channel = supabase.channel(alertsTopic(TENANT), { config: { private: true } })
      .on("broadcast", { event: "INSERT" }, (m) => received.push(m))
      .on("system", {}, (m) => system.push(m));
    channel.subscribe((status) => statuses.push(status));
    await eventually(() => statuses.includes("SUBSCRIBED"), "subscribed");

    await world.useToken(
      supabase,
      await world.stack.tokenFor({ tenantId: TENANT, userId: MEMBER }),
    );
    await world.raise(TENANT, "after refresh");
    await eventually(() => received.length === 1, "alerts still arrive after a refresh");

    const foreign = await world.stack.tokenFor({ tenantId: OTHER_TENANT, userId: OTHER_MEMBER });
    await world.useToken(supabase, foreign);
    await eventually(() => statuses.includes("CLOSED"), "the channel closes");
    assert.equal(system[0]?.status, "error");
    assert.equal(
      system[0]?.message,
      `You no longer have permission to read from this Channel topic: ${alertsTopic(TENANT)}`,
    );
    // a member still subscribed gets the next alert; the closed channel, fed by the same
    // fan-out, must not
    const watcher = await world.client({ vsn, tenantId: TENANT, userId: MEMBER });
    const watched: Received[] = [];
    const watching = watcher.channel(alertsTopic(TENANT), { config: { private: true } })
      .on("broadcast", { event: "INSERT" }, (m) => watched.push(m));
    assert.equal((await subscribed(watching)).status, "SUBSCRIBED");
    await world.raise(TENANT, "after losing access");
    await eventually(() => watched.length === 1, "the watcher gets the alert");
    assert.equal(received.length, 1);
  });
}

Deno.test("a channel closes with a system error when its token expires", async () => {
  await using world = await startRealtimeWorld();
  const supabase = await world.client({
    vsn: "2.0.0",
    tenantId: TENANT,
    userId: MEMBER,
    expiresInSeconds: 2,
  });
  const system: Received[] = [];
  const statuses: string[] = [];
  const channel = supabase.channel(alertsTopic(TENANT), { config: { private: true } })
    .on("system", {}, (m) => system.push(m));
  channel.subscribe((status) => statuses.push(status));
  await eventually(() => statuses.includes("SUBSCRIBED"), "subscribed");
  await eventually(() => statuses.includes("CLOSED"), "closed at expiry", 10_000);
  assert.equal(system.length, 1);
  assert.equal(system[0].status, "error");
  assert.match(system[0].message, /^Token has expired \d+ seconds ago$/);
});

Deno.test("an expired token is refused at join with InvalidJWTExpiration", async () => {
  await using world = await startRealtimeWorld();
  const supabase = await world.client({
    vsn: "2.0.0",
    tenantId: TENANT,
    userId: MEMBER,
    expiresInSeconds: -30,
  });
  const channel = supabase.channel(alertsTopic(TENANT), { config: { private: true } });
  const { status, error } = await subscribed(channel);
  await supabase.removeChannel(channel);
  assert.equal(status, "CHANNEL_ERROR");
  assert.match(error?.message ?? "", /^InvalidJWTExpiration: Token has expired \d+ seconds ago$/);
});

Deno.test("anon cannot join a private topic; a bad apikey cannot even connect", async () => {
  await using world = await startRealtimeWorld();
  const anon = await world.client({ vsn: "2.0.0" });
  const channel = anon.channel(alertsTopic(TENANT), { config: { private: true } });
  const { status, error } = await subscribed(channel);
  await anon.removeChannel(channel);
  assert.equal(status, "CHANNEL_ERROR");
  assert.match(error?.message ?? "", /^Unauthorized: /);

  const url = `${world.stack.url}/realtime/v1/websocket?apikey=not-a-jwt&vsn=2.0.0`;
  const res = await fetch(url, { headers: { upgrade: "websocket" } });
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), {
    error: "MalformedJWT: The token provided is not a valid JWT",
  });
});

Deno.test("a socket that never joined, or joined the public topic of that name, gets nothing", async () => {
  await using world = await startRealtimeWorld();
  const idle = await world.raw({ vsn: "2.0.0" });
  const publicJoin = await world.raw({ vsn: "2.0.0" });
  const topic = `realtime:${alertsTopic(TENANT)}`;
  publicJoin.send(["1", "1", topic, "phx_join", { config: { private: false } }]);
  await publicJoin.next((f) => (f as unknown[])[3] === "phx_reply", "the public join reply");

  const member = await world.client({ vsn: "2.0.0", tenantId: TENANT, userId: MEMBER });
  const received: Received[] = [];
  const channel = member.channel(alertsTopic(TENANT), { config: { private: true } })
    .on("broadcast", { event: "*" }, (m) => received.push(m));
  assert.equal((await subscribed(channel)).status, "SUBSCRIBED");
  await world.raise(TENANT, "secret");
  await eventually(() => received.length === 1, "the member gets it");

  // a heartbeat round trip after the alert: anything sent before it has arrived
  for (const socket of [idle, publicJoin]) {
    socket.send([null, "99", "phoenix", "heartbeat", {}]);
    await socket.next((f) => (f as unknown[])[1] === "99", "the heartbeat reply");
  }
  assert.deepEqual(idle.frames, [[null, "99", "phoenix", "phx_reply", {
    status: "ok",
    response: {},
  }]]);
  assert.equal(publicJoin.frames.filter((f) => (f as unknown[])[3] === "broadcast").length, 0);
});
