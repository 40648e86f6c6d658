/**
 * @module
 * The dashboard's presence pacer on a fake clock: bursts coalesce to the latest state, never more
 * than the budget per window, nothing while the channel is away, a fresh announce on rejoin.
 */

import assert from "node:assert/strict";
import { createPresencePacer, type PacerClock } from "../../web/src/presence_pacer.ts";

/** A clock whose timers run only when the test advances it. */
function fakeClock() {
  let now = 1_000_000;
  let nextId = 1;
  const timers = new Map<number, { at: number; work: () => void }>();
  const clock: PacerClock = {
    now: () => now,
    setTimeout(work, ms) {
      timers.set(nextId, { at: now + ms, work });
      return nextId++;
    },
    clearTimeout: (id) => void timers.delete(id),
  };
  function advance(ms: number) {
    const end = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= end)
        .sort(([, a], [, b]) => a.at - b.at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = Math.max(now, due[1].at);
      due[1].work();
    }
    now = end;
  }
  return { clock, advance, now: () => now };
}

function pacedWorld() {
  const time = fakeClock();
  const sent: Array<{ at: number; viewing: string | null }> = [];
  const pacer = createPresencePacer<{ viewing: string | null }>({
    send: (state) => sent.push({ at: time.now(), ...state }),
    clock: time.clock,
  });
  return { time, sent, pacer };
}

Deno.test("presence pacer: a burst of changes sends one track with the latest state", () => {
  const { time, sent, pacer } = pacedWorld();
  pacer.set({ viewing: null });
  pacer.joined();
  time.advance(0);
  assert.deepEqual(sent.map((s) => s.viewing), [null]);
  for (let i = 0; i < 20; i++) {
    pacer.set({ viewing: `a${i}` });
    time.advance(10);
  }
  time.advance(1000);
  assert.deepEqual(sent.map((s) => s.viewing), [null, "a19"]);
});

Deno.test("presence pacer: never more than 4 tracks in any 31 s, and the latest state goes out last", () => {
  const { time, sent, pacer } = pacedWorld();
  pacer.set({ viewing: null });
  pacer.joined();
  for (let i = 0; i < 200; i++) {
    pacer.set({ viewing: `a${i}` });
    time.advance(500);
  }
  time.advance(120_000);
  for (const call of sent) {
    const inWindow = sent.filter((other) => other.at > call.at - 31_000 && other.at <= call.at);
    assert.ok(inWindow.length <= 4, `${inWindow.length} calls in the 31 s up to ${call.at}`);
  }
  assert.equal(sent.at(-1)?.viewing, "a199");
  assert.ok(sent.length >= 8, `it kept announcing while the changes went on (${sent.length})`);
});

Deno.test("presence pacer: holds while the channel is away, announces the latest state on rejoin", () => {
  const { time, sent, pacer } = pacedWorld();
  pacer.set({ viewing: "a1" });
  time.advance(5000);
  assert.equal(sent.length, 0, "nothing before the join");
  pacer.joined();
  time.advance(0);
  pacer.left();
  pacer.set({ viewing: "a2" });
  time.advance(5000);
  assert.deepEqual(sent.map((s) => s.viewing), ["a1"]);
  pacer.joined();
  time.advance(0);
  assert.deepEqual(sent.map((s) => s.viewing), ["a1", "a2"]);
  // The same state again is not sent twice on one join; on a new join it is (the server forgot).
  pacer.set({ viewing: "a2" });
  time.advance(5000);
  assert.equal(sent.length, 2);
  pacer.left();
  pacer.joined();
  time.advance(0);
  assert.deepEqual(sent.map((s) => s.viewing), ["a1", "a2", "a2"]);
  pacer.stop();
  pacer.set({ viewing: "a3" });
  time.advance(60_000);
  assert.equal(sent.length, 3, "nothing after stop");
});
