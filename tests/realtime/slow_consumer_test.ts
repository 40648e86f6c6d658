/**
 * @module
 * A subscriber that stops reading must not make the gateway buffer without bound: once more than
 * 16 MB from earlier turns still wait for its socket, the gateway closes it (1011 "slow consumer")
 * and goes on serving everyone else; a burst bigger than that closes no socket that reads. The stalled subscriber here is a bare TCP connection that upgrades, joins a public
 * topic and then never reads again; a supabase-js client on the same topic keeps reading.
 */

import assert from "node:assert/strict";
import { eventually, startRealtimeWorld, subscribed } from "./_realtime_fixture.ts";

const TOPIC = "slow-consumer-room";
const MESSAGES = 20_000;
const PAD = "x".repeat(2_000);

/** One masked client text frame (clients must mask; a zero mask keeps the bytes as they are). */
function clientTextFrame(text: string): Uint8Array {
  const body = new TextEncoder().encode(text);
  if (body.length > 125) throw new Error("the test only sends short frames");
  return new Uint8Array([0x81, 0x80 | body.length, 0, 0, 0, 0, ...body]);
}

/** Opens a WebSocket by hand, joins `topic` and returns the connection, which is never read again. */
async function stalledSubscriber(url: string, apikey: string): Promise<Deno.TcpConn> {
  const { port } = new URL(url);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
  const request = [
    `GET /realtime/v1/websocket?apikey=${apikey}&vsn=2.0.0 HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    "",
    "",
  ].join("\r\n");
  await conn.write(new TextEncoder().encode(request));
  const join = JSON.stringify(["1", "1", `realtime:${TOPIC}`, "phx_join", { config: {} }]);
  await conn.write(clientTextFrame(join));
  // read the upgrade and the join's reply, then never again
  let seen = "";
  const buffer = new Uint8Array(4096);
  while (!seen.includes('"status":"ok"')) {
    const read = await conn.read(buffer);
    if (read === null) {
      throw new Error("the gateway closed the connection before the join was answered");
    }
    seen += new TextDecoder().decode(buffer.subarray(0, read));
  }
  assert.match(seen, /^HTTP\/1\.1 101/);
  return conn;
}

Deno.test("a subscriber that stops reading is closed once 16 MB wait for it; the others get every message", async () => {
  await using world = await startRealtimeWorld({ realtimeLimits: { maxEventsPerSecond: 1e9 } });
  const stalled = await stalledSubscriber(world.stack.url, world.anon);
  try {
    const reader = await world.client({ vsn: "2.0.0" });
    let received = 0;
    const channel = reader.channel(TOPIC).on("broadcast", { event: "flood" }, () => received++);
    assert.equal((await subscribed(channel)).status, "SUBSCRIBED");

    // ~40 MB for each subscriber in one feed batch: more than the 16 MB limit plus what the kernel
    // buffers hold. The burst itself closes nobody (it is queued before any of it can be written)...
    const flood = (count: number) =>
      world.stack.db.sql`
        select realtime.send(jsonb_build_object('n', g, 'pad', ${PAD}::text), 'flood', ${TOPIC}, false)
        from generate_series(1, ${count}) as g`;
    await flood(MESSAGES);
    await eventually(() => received === MESSAGES, `the reading client has all ${MESSAGES}`, 60_000);
    // ...the messages after it find the stalled socket still holding it, and close it
    await flood(100);
    await eventually(
      () => world.stack.logs.some((line) => line.includes("realtime socket too slow, closing")),
      "the gateway closes the stalled socket",
      30_000,
    );
    await eventually(
      () => received === MESSAGES + 100,
      "the reading client has the later ones too",
    );
    assert.equal(
      world.stack.logs.filter((line) => line.includes("realtime socket too slow")).length,
      1,
      "only the stalled socket was closed",
    );
  } finally {
    stalled.close();
  }
});
