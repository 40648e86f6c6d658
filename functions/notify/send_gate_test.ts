import assert from "node:assert/strict";
import { createSendGate } from "./send_gate.ts";

/** A fake clock; `sleep` records each wait and, when `advance`, moves the clock by it. */
function fakeTime({ advance = true } = {}) {
  let clock = 0;
  const sleeps: number[] = [];
  return {
    now: () => clock,
    sleep: (ms: number) => {
      sleeps.push(ms);
      if (advance) clock += ms;
      return Promise.resolve();
    },
    sleeps,
  };
}

Deno.test("the send gate spaces sends to one destination by waiting, never dropping", async () => {
  // Four sends asked for at the same instant: each waits one interval more than the one before.
  const time = fakeTime({ advance: false });
  const gate = createSendGate({ concurrency: 8, ...time });
  const key = { provider: "slack", destination: "https://hooks.slack.test/x", perSecond: 2 };
  const results = await Promise.all(
    [1, 2, 3, 4].map((n) => gate.run(key, 60_000, () => Promise.resolve(n))),
  );
  assert.deepEqual(results.map((r) => r.ran && r.value), [1, 2, 3, 4]);
  assert.deepEqual(time.sleeps, [500, 1000, 1500]);
  const other = await gate.run(
    { ...key, destination: "https://hooks.slack.test/y" },
    0,
    () => Promise.resolve("other"),
  );
  assert.deepEqual(other, { ran: true, value: "other" }, "another webhook has its own rate");
});

Deno.test("the send gate says how long to wait instead of sending when that exceeds the caller's limit", async () => {
  const time = fakeTime();
  const gate = createSendGate({ concurrency: 8, ...time });
  const key = { provider: "twilio", destination: "+15550001111", perSecond: 1 };
  let sent = 0;
  const send = () => Promise.resolve(++sent);
  assert.equal((await gate.run(key, 1_500, send)).ran, true);
  assert.equal((await gate.run(key, 1_500, send)).ran, true);
  // The clock moved 1 s (one wait); the next slot is 1 s away, the one after 2 s.
  const third = gate.run(key, 500, send);
  assert.deepEqual(await third, { ran: false, waitMs: 1_000 });
  assert.equal(sent, 2);
});

Deno.test("the send gate keeps at most `concurrency` sends of one provider in flight", async () => {
  const gate = createSendGate({ concurrency: 2 });
  let inFlight = 0;
  let most = 0;
  let done = 0;
  const releases: (() => void)[] = [];
  const runs = [1, 2, 3, 4, 5].map(() =>
    gate.run({ provider: "webhook:a" }, 60_000, async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => releases.push(resolve));
      inFlight--;
      done++;
    })
  );
  for (let tick = 0; done < 5 && tick < 100; tick++) {
    await new Promise((r) => setTimeout(r, 0));
    releases.shift()?.();
  }
  await Promise.all(runs);
  assert.equal(done, 5);
  assert.equal(most, 2);
});

Deno.test("a send that cannot get one of its provider's slots within the caller's limit is handed back", async () => {
  const gate = createSendGate({ concurrency: 1 });
  const { promise: busy, resolve: free } = Promise.withResolvers<void>();
  const first = gate.run({ provider: "email" }, 60_000, () => busy);
  const second = await gate.run({ provider: "email" }, 20, () => Promise.resolve("sent"));
  assert.equal(second.ran, false);
  assert.ok(!second.ran && second.waitMs >= 1_000);
  free();
  await first;
  const third = await gate.run({ provider: "email" }, 20, () => Promise.resolve("sent"));
  assert.deepEqual(third, { ran: true, value: "sent" }, "the abandoned wait did not keep a slot");
});
