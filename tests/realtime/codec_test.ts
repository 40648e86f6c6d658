/**
 * @module
 * The serializer on its own: both text forms, binary kind 3 as realtime-js encodes it (the
 * observed header `03 01 01 13 06 00 01`), kind 4 as realtime-js decodes it, and refusals.
 */

import assert from "node:assert/strict";
import { decodeFrame, encodeText, encodeUserBroadcast } from "../../local/realtime/codec.ts";

Deno.test("decodeFrame reads 2.0.0 arrays and 1.0.0 objects into one shape", () => {
  const expected = { joinRef: "6", ref: "7", topic: "realtime:a", event: "phx_join", payload: {} };
  assert.deepEqual(decodeFrame('["6","7","realtime:a","phx_join",{}]', "2.0.0"), expected);
  assert.deepEqual(
    decodeFrame(
      '{"join_ref":"6","ref":"7","topic":"realtime:a","event":"phx_join","payload":{}}',
      "1.0.0",
    ),
    expected,
  );
  assert.deepEqual(decodeFrame('[null,"1","phoenix","heartbeat",null]', "2.0.0").payload, {});
});

Deno.test("decodeFrame reads a kind-3 push exactly as realtime-js 2.119 writes it", () => {
  const enc = new TextEncoder();
  const body = enc.encode("6" + "7" + "realtime:alerts:all" + "ack-me" + '{"hello":"wörld"}');
  const frame = new Uint8Array([3, 1, 1, 19, 6, 0, 1, ...body]);
  assert.deepEqual(decodeFrame(frame.buffer, "2.0.0"), {
    joinRef: "6",
    ref: "7",
    topic: "realtime:alerts:all",
    event: "broadcast",
    payload: { type: "broadcast", event: "ack-me", payload: { hello: "wörld" } },
  });
});

Deno.test("decodeFrame refuses frames that are not Phoenix messages", () => {
  assert.throws(() => decodeFrame('{"topic":"x","event":"y"}', "2.0.0"), TypeError);
  assert.throws(() => decodeFrame("[1,2]", "2.0.0"), TypeError);
  assert.throws(() => decodeFrame(new Uint8Array([4, 0, 0, 0, 1]).buffer, "2.0.0"), TypeError);
});

Deno.test("encodeText writes arrays for 2.0.0 and objects for 1.0.0", () => {
  const message = { joinRef: null, ref: "1", topic: "phoenix", event: "phx_reply", payload: {} };
  assert.equal(encodeText(message, "2.0.0"), '[null,"1","phoenix","phx_reply",{}]');
  assert.deepEqual(JSON.parse(encodeText(message, "1.0.0")), {
    join_ref: null,
    ref: "1",
    topic: "phoenix",
    event: "phx_reply",
    payload: {},
  });
});

Deno.test("encodeUserBroadcast writes kind 4 with sizes in bytes, JSON or raw payloads", () => {
  const frame = encodeUserBroadcast({
    topic: "realtime:é",
    event: "move",
    payload: { x: 1 },
    meta: { id: "m1" },
  })!;
  const dec = new TextDecoder();
  assert.deepEqual([...frame.subarray(0, 5)], [4, 11, 4, 11, 1]);
  assert.equal(dec.decode(frame.subarray(5, 16)), "realtime:é");
  assert.equal(dec.decode(frame.subarray(20, 31)), '{"id":"m1"}');
  assert.deepEqual(JSON.parse(dec.decode(frame.subarray(31))), { x: 1 });
  const raw = encodeUserBroadcast({ topic: "t", event: "e", payload: new Uint8Array([9]).buffer })!;
  assert.deepEqual([...raw], [4, 1, 1, 0, 0, 116, 101, 9]);
  assert.equal(encodeUserBroadcast({ topic: "x".repeat(256), event: "e", payload: {} }), undefined);
});
