/**
 * @module
 * Rate limits hold through the real stack: the alerts API's per-caller limit (429 with
 * Retry-After, not bypassed by minting a new token for the same user, not shared with another
 * caller), the Realtime gateway's joins, events and presence limits, and the phone verification
 * request limit.
 */

import assert from "node:assert/strict";
import { eventually, openRawSocket, type RawSocket } from "../realtime/_realtime_fixture.ts";
import { startTestStack } from "../_support/stack.ts";
import { anonKey } from "../../local/tokens.ts";
import { OWNER_A, startSecurityWorld, TENANT_A } from "./_security_world.ts";

const API_LIMIT = 600; // the alerts app's default per minute (RATE_LIMIT_PER_MINUTE)

Deno.test("the alerts API answers 429 with Retry-After after the per-caller limit; a fresh token of the same user is limited too, another user is not", async () => {
  await using world = await startSecurityWorld();
  const statuses: number[] = [];
  for (let sent = 0; sent < API_LIMIT; sent += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, API_LIMIT - sent) }, async () => {
        const res = await world.call("A", "/alerts/members/me");
        await res.body?.cancel();
        return res.status;
      }),
    );
    statuses.push(...batch);
  }
  assert.deepEqual([...new Set(statuses)], [200], "every request within the limit is served");
  const over = await world.call("A", "/alerts/members/me");
  assert.equal(over.status, 429);
  assert.equal((await over.json()).error.code, "rate_limited");
  const retryAfter = Number(over.headers.get("retry-after"));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
  assert.equal(over.headers.get("ratelimit-remaining"), "0");
  // a new token for the same user counts against the same limit
  const fresh = await world.stack.tokenFor({ tenantId: TENANT_A, userId: OWNER_A });
  const again = await world.call(fresh, "/alerts");
  await again.body?.cancel();
  assert.equal(again.status, 429);
  const other = await world.call("B", "/alerts/members/me");
  await other.body?.cancel();
  assert.equal(other.status, 200, "another caller keeps its own budget");
});

type Frame = [string | null, string | null, string, string, Record<string, unknown>];

function joinFrame(ref: string, topic: string, extra: Record<string, unknown> = {}): Frame {
  return [ref, ref, `realtime:${topic}`, "phx_join", {
    config: { broadcast: { self: false }, presence: { key: "" }, private: false },
    ...extra,
  }];
}

function repliesTo(socket: RawSocket, ref: string) {
  return socket.frames.filter((f) => (f as Frame)[1] === ref && (f as Frame)[3] === "phx_reply");
}

Deno.test("the Realtime gateway refuses joins, broadcasts and presence calls beyond its limits", async () => {
  await using stack = await startTestStack({
    realtimeLimits: { maxJoinsPerSecond: 3, maxEventsPerSecond: 5, presenceMaxCalls: 2 },
  });
  const anon = await anonKey(stack.jwtSecret);

  // joins: ten at once on one socket; the limit is three a second
  const joiner = await openRawSocket(stack.url, { vsn: "2.0.0", apikey: anon });
  for (let i = 0; i < 10; i++) joiner.send(joinFrame(`j${i}`, `room:${i}`));
  await eventually(
    () => Array.from({ length: 10 }, (_, i) => repliesTo(joiner, `j${i}`).length).every(Boolean),
    "every join answered",
  );
  const refusals = Array.from({ length: 10 }, (_, i) => repliesTo(joiner, `j${i}`)[0] as Frame)
    .filter((f) => f[4].status === "error");
  assert.equal((repliesTo(joiner, "j0")[0] as Frame)[4].status, "ok");
  assert.ok(refusals.length >= 4, `only ${refusals.length} of 10 joins refused`);
  assert.deepEqual(refusals[0][4].response, {
    reason: "ClientJoinRateLimitReached: Too many joins per second",
  });
  joiner.close();
  await new Promise((resolve) => setTimeout(resolve, 2100)); // let the join counter's seconds pass

  // broadcasts: thirty at once; the channel is shut with hosted's reason
  const sender = await openRawSocket(stack.url, { vsn: "2.0.0", apikey: anon });
  sender.send(joinFrame("s", "room:flood"));
  await sender.next((f) => (f as Frame)[1] === "s", "the sender joined");
  for (let i = 0; i < 30; i++) {
    sender.send(["s", `b${i}`, "realtime:room:flood", "broadcast", {
      type: "broadcast",
      event: "flood",
      payload: { i },
    }]);
  }
  const system = await sender.next(
    (f) => (f as Frame)[3] === "system" && (f as Frame)[4].status === "error",
    "the flood is stopped",
  ) as Frame;
  assert.equal(system[4].message, "Too many messages per second");
  await sender.next((f) => (f as Frame)[3] === "phx_close", "the channel is closed");
  sender.close();
  await new Promise((resolve) => setTimeout(resolve, 2100));

  // presence: two calls per window; the third shuts the channel
  const tracker = await openRawSocket(stack.url, { vsn: "2.0.0", apikey: anon });
  tracker.send(joinFrame("p", "room:presence"));
  await tracker.next((f) => (f as Frame)[1] === "p", "the tracker joined");
  for (let i = 0; i < 3; i++) {
    tracker.send(["p", `t${i}`, "realtime:room:presence", "presence", {
      type: "presence",
      event: "track",
      payload: { i },
    }]);
  }
  const presence = await tracker.next(
    (f) => (f as Frame)[3] === "system" && (f as Frame)[4].status === "error",
    "the presence flood is stopped",
  ) as Frame;
  assert.equal(presence[4].message, "Client presence rate limit exceeded");
  tracker.close();
});

Deno.test("phone verification codes can be requested at most five times an hour", async () => {
  await using world = await startSecurityWorld();
  // the world seeds one request for A's owner; start from none
  await world.stack.db.sql`delete from public.phone_verifications where tenant_id = ${TENANT_A}`;
  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) {
    const res = await world.call("A", "/notify/verify/request", { body: { channel: "sms" } });
    const text = await res.text();
    statuses.push(res.status);
    if (res.status === 429) {
      assert.ok(res.headers.get("retry-after") !== null || /rate|too many/i.test(text), text);
    }
  }
  assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429, 429]);
  const [{ n }] = await world.stack.db.sql<{ n: number }[]>`
    select count(*)::int as n from public.inbox_messages
    where channel = 'sms' and body_text like '%verification code%'`;
  assert.equal(n, 5, "no code was texted past the limit");
});
