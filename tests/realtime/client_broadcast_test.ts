/**
 * @module
 * Broadcast between clients through the gateway with the real supabase-js: `self` and `ack` in
 * both serializer versions (2.0.0 sends binary kind-3 frames), and the REST endpoints
 * (`httpSend`, the batch `POST /realtime/v1/api/broadcast`) reaching WebSocket subscribers.
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
  Deno.test(`vsn ${vsn}: broadcast with self and ack reaches the sender and the others`, async () => {
    await using world = await startRealtimeWorld();
    const sender = await world.client({ vsn });
    const listener = await world.client({ vsn });
    const own: unknown[] = [];
    const heard: Received[] = [];
    const sending = sender.channel("room:shelf-7", {
      config: { broadcast: { self: true, ack: true } },
    })
      .on("broadcast", { event: "moved" }, (message) => own.push(message));
    const listening = listener.channel("room:shelf-7")
      .on("broadcast", { event: "moved" }, (message) => heard.push(message));
    assert.equal((await subscribed(sending)).status, "SUBSCRIBED");
    assert.equal((await subscribed(listening)).status, "SUBSCRIBED");

    const result = await sending.send({
      type: "broadcast",
      event: "moved",
      payload: { to: "wörld" },
    });
    assert.equal(result, "ok");
    await eventually(() => own.length === 1 && heard.length === 1, "both receive it");
    assert.deepEqual(heard[0].payload, { to: "wörld" });
    assert.equal(heard[0].event, "moved");
  });

  Deno.test(`vsn ${vsn}: without self the sender does not hear its own broadcast`, async () => {
    await using world = await startRealtimeWorld();
    const sender = await world.client({ vsn });
    const listener = await world.client({ vsn });
    const own: unknown[] = [];
    const heard: unknown[] = [];
    const sending = sender.channel("room:quiet").on(
      "broadcast",
      { event: "*" },
      (m) => own.push(m),
    );
    const listening = listener.channel("room:quiet")
      .on("broadcast", { event: "*" }, (m) => heard.push(m));
    assert.equal((await subscribed(sending)).status, "SUBSCRIBED");
    assert.equal((await subscribed(listening)).status, "SUBSCRIBED");
    await sending.send({ type: "broadcast", event: "first", payload: {} });
    await sending.send({ type: "broadcast", event: "second", payload: {} });
    await eventually(() => heard.length === 2, "the listener hears both");
    assert.equal(own.length, 0);
  });
}

Deno.test("httpSend and the batch REST endpoint reach WebSocket subscribers", async () => {
  await using world = await startRealtimeWorld();
  const supabase = await world.client({ vsn: "2.0.0", tenantId: TENANT, userId: MEMBER });
  const heard: Received[] = [];
  const room = supabase.channel("room:rest").on("broadcast", { event: "*" }, (m) => heard.push(m));
  const alerts = supabase.channel(alertsTopic(TENANT), { config: { private: true } })
    .on("broadcast", { event: "*" }, (m) => heard.push(m));
  assert.equal((await subscribed(room)).status, "SUBSCRIBED");
  assert.equal((await subscribed(alerts)).status, "SUBSCRIBED");

  await room.httpSend("ping", { n: 1 });
  const service = await world.stack.serviceToken();
  const res = await fetch(`${world.stack.url}/realtime/v1/api/broadcast?apikey=x&vsn=2.0.0`, {
    method: "POST",
    headers: { authorization: `Bearer ${service}`, "content-type": "application/json" },
    body: JSON.stringify({
      messages: [{ topic: alertsTopic(TENANT), event: "note", payload: { n: 2 }, private: true }],
    }),
  });
  assert.equal(res.status, 202);
  await eventually(() => heard.length === 2, "both REST messages arrive");
  assert.deepEqual(heard.map((m) => [m.event, m.payload.n]).sort(), [["note", 2], ["ping", 1]]);

  const anonymous = await fetch(`${world.stack.url}/realtime/v1/api/broadcast`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ topic: "room:rest", event: "x", payload: {} }] }),
  });
  assert.equal(anonymous.status, 401);
  assert.deepEqual(await anonymous.json(), { message: "Unauthorized" });
});

Deno.test("a member cannot broadcast on the alerts topic: RLS allows presence only", async () => {
  await using world = await startRealtimeWorld();
  const sender = await world.client({ vsn: "2.0.0", tenantId: TENANT, userId: MEMBER });
  const listener = await world.client({ vsn: "2.0.0", tenantId: TENANT, userId: MEMBER });
  const heard: Received[] = [];
  const sending = sender.channel(alertsTopic(TENANT), { config: { private: true } });
  const listening = listener.channel(alertsTopic(TENANT), { config: { private: true } })
    .on("broadcast", { event: "*" }, (m) => heard.push(m));
  assert.equal((await subscribed(sending)).status, "SUBSCRIBED");
  assert.equal((await subscribed(listening)).status, "SUBSCRIBED");
  await sending.send({ type: "broadcast", event: "INSERT", payload: { forged: true } });
  await world.raise(TENANT, "real");
  await eventually(() => heard.length >= 1, "the real alert arrives");
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(heard.map((m) => m.payload.record?.title ?? "forged"), ["real"]);
});
