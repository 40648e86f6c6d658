/**
 * @module
 * The wire details supabase-js relies on, checked frame by frame on a raw socket: heartbeat
 * replies, the join reply echoing `postgres_changes` with ids, `unmatched topic`, `phx_leave`
 * answered then `phx_close` with ref = join_ref, 1.0.0 object frames when no vsn is sent, binary
 * kind 3 in and kind 4 out, and hosted's limits with hosted's texts.
 */

import assert from "node:assert/strict";
import { eventually, startRealtimeWorld } from "./_realtime_fixture.ts";

type Frame = [string | null, string | null, string, string, Record<string, unknown>];
const isFrame = (event: string, ref?: string) => (frame: unknown) =>
  Array.isArray(frame) && frame[3] === event && (ref === undefined || frame[1] === ref);

Deno.test("vsn 2.0.0 frames: heartbeat, join echo, unmatched topic, leave then close", async () => {
  await using world = await startRealtimeWorld();
  const socket = await world.raw({ vsn: "2.0.0" });
  socket.send([null, "1", "phoenix", "heartbeat", {}]);
  assert.deepEqual(await socket.next(isFrame("phx_reply", "1"), "heartbeat reply"), [
    null,
    "1",
    "phoenix",
    "phx_reply",
    { status: "ok", response: {} },
  ]);

  const bindings = [
    { event: "INSERT", schema: "public", table: "alerts", filter: "severity=eq.high" },
    { event: "*", schema: "public", table: "alerts" },
  ];
  socket.send(["3", "3", "realtime:room", "phx_join", {
    config: { broadcast: { self: false }, postgres_changes: bindings, private: false },
  }]);
  const join = await socket.next(isFrame("phx_reply", "3"), "join reply") as Frame;
  assert.equal(join[0], "3");
  const response = join[4].response as { postgres_changes: Record<string, unknown>[] };
  assert.equal(join[4].status, "ok");
  assert.deepEqual(response.postgres_changes.map(({ id: _, ...rest }) => rest), bindings);
  for (const binding of response.postgres_changes) assert.equal(typeof binding.id, "number");
  assert.notEqual(response.postgres_changes[0].id, response.postgres_changes[1].id);

  socket.send(["9", "4", "realtime:never-joined", "broadcast", { type: "broadcast", event: "x" }]);
  assert.deepEqual(
    (await socket.next(isFrame("phx_reply", "4"), "unmatched reply") as Frame)[4],
    { status: "error", response: { reason: "unmatched topic" } },
  );

  socket.send(["3", "5", "realtime:room", "phx_leave", {}]);
  await socket.next(isFrame("phx_close"), "phx_close");
  const leaveReply = socket.frames.findIndex(isFrame("phx_reply", "5"));
  const close = socket.frames.findIndex(isFrame("phx_close"));
  assert.ok(leaveReply >= 0 && leaveReply < close, "the leave is answered before the close");
  assert.deepEqual(socket.frames[close], ["3", "3", "realtime:room", "phx_close", {}]);
});

Deno.test("without vsn the socket speaks 1.0.0 JSON objects", async () => {
  await using world = await startRealtimeWorld();
  const socket = await world.raw({});
  socket.send({ topic: "phoenix", event: "heartbeat", payload: {}, ref: "7", join_ref: null });
  const reply = await socket.next((f) => (f as { ref?: string }).ref === "7", "the reply");
  assert.deepEqual(reply, {
    join_ref: null,
    ref: "7",
    topic: "phoenix",
    event: "phx_reply",
    payload: { status: "ok", response: {} },
  });
});

function kind3(
  { joinRef, ref, topic, event, payload }: Record<string, string>,
): Uint8Array {
  const enc = new TextEncoder();
  const parts = [joinRef, ref, topic, event, ""].map((s) => enc.encode(s));
  const body = enc.encode(payload);
  const header = [3, ...parts.map((p) => p.length), 1];
  const out = new Uint8Array(header.length + parts.reduce((n, p) => n + p.length, 0) + body.length);
  out.set(header);
  let offset = header.length;
  for (const part of [...parts, body]) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

Deno.test("a binary kind-3 broadcast reaches 2.0.0 sockets as kind 4 and 1.0.0 sockets as text", async () => {
  await using world = await startRealtimeWorld();
  const sender = await world.raw({ vsn: "2.0.0" });
  const v2 = await world.raw({ vsn: "2.0.0" });
  const v1 = await world.raw({ vsn: "1.0.0" });
  sender.send(["1", "1", "realtime:bin", "phx_join", { config: { broadcast: { ack: true } } }]);
  v2.send(["1", "1", "realtime:bin", "phx_join", { config: {} }]);
  v1.send({ join_ref: "1", ref: "1", topic: "realtime:bin", event: "phx_join", payload: {} });
  await sender.next(isFrame("phx_reply", "1"), "sender joined");
  await v2.next(isFrame("phx_reply", "1"), "v2 joined");
  await v1.next((f) => (f as { event?: string }).event === "phx_reply", "v1 joined");

  sender.send(
    kind3({ joinRef: "1", ref: "2", topic: "realtime:bin", event: "hi", payload: '{"n":1}' }),
  );
  assert.deepEqual(
    (await sender.next(isFrame("phx_reply", "2"), "ack") as Frame)[4],
    { status: "ok", response: {} },
  );
  const binary = await v2.next((f) => f instanceof Uint8Array, "kind 4") as Uint8Array;
  const dec = new TextDecoder();
  assert.equal(binary[0], 4);
  const [topicLength, eventLength, metaLength] = [binary[1], binary[2], binary[3]];
  assert.equal(dec.decode(binary.subarray(5, 5 + topicLength)), "realtime:bin");
  assert.equal(dec.decode(binary.subarray(5 + topicLength, 5 + topicLength + eventLength)), "hi");
  assert.deepEqual(
    JSON.parse(dec.decode(binary.subarray(5 + topicLength + eventLength + metaLength))),
    { n: 1 },
  );
  const text = await v1.next((f) => (f as { event?: string }).event === "broadcast", "text");
  assert.deepEqual((text as { payload: unknown }).payload, {
    type: "broadcast",
    event: "hi",
    payload: { n: 1 },
  });
  // self is off: the sender gets the ack only
  assert.equal(sender.frames.filter((f) => f instanceof Uint8Array).length, 0);
});

Deno.test("hosted limits: channels per client, payload size and messages per second", async () => {
  await using world = await startRealtimeWorld({
    realtimeLimits: { maxChannelsPerClient: 2, maxPayloadSizeKb: 1, maxEventsPerSecond: 5 },
  });
  const socket = await world.raw({ vsn: "2.0.0" });
  for (const n of [1, 2, 3]) {
    socket.send([`${n}`, `${n}`, `realtime:c${n}`, "phx_join", {
      config: { broadcast: { ack: true } },
    }]);
    await socket.next(isFrame("phx_reply", `${n}`), `join ${n}`);
  }
  assert.deepEqual((socket.frames.find(isFrame("phx_reply", "3")) as Frame)[4], {
    status: "error",
    response: { reason: "ChannelRateLimitReached: Too many channels" },
  });

  socket.send(["1", "10", "realtime:c1", "broadcast", {
    type: "broadcast",
    event: "big",
    payload: { text: "x".repeat(2000) },
  }]);
  assert.deepEqual((await socket.next(isFrame("phx_reply", "10"), "size reply") as Frame)[4], {
    status: "error",
    response: { error: "payload_size_exceeded" },
  });

  for (let i = 0; i < 20; i++) {
    socket.send(["2", `${100 + i}`, "realtime:c2", "broadcast", { type: "broadcast", event: "e" }]);
  }
  const system = await socket.next(isFrame("system"), "the system error") as Frame;
  assert.deepEqual(system, ["2", null, "realtime:c2", "system", {
    extension: "system",
    status: "error",
    message: "Too many messages per second",
    channel: "c2",
  }]);
  await socket.next(isFrame("phx_close"), "the channel closes");
  await eventually(
    () => socket.frames.some((f) => JSON.stringify(f) === '["2","2","realtime:c2","phx_close",{}]'),
    "phx_close carries ref = join_ref",
  );
});

Deno.test("hosted limits: joins per second", async () => {
  await using world = await startRealtimeWorld({ realtimeLimits: { maxJoinsPerSecond: 3 } });
  const socket = await world.raw({ vsn: "2.0.0" });
  for (let n = 1; n <= 8; n++) socket.send([`${n}`, `${n}`, `realtime:j${n}`, "phx_join", {}]);
  await socket.next(isFrame("phx_reply", "8"), "the last join reply");
  const reasons = socket.frames.filter(isFrame("phx_reply"))
    .map((f) => ((f as Frame)[4].response as { reason?: string }).reason);
  assert.ok(reasons.includes("ClientJoinRateLimitReached: Too many joins per second"));
});
