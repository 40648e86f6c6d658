/**
 * @module
 * The rate counter behind hosted's limits, on a fake clock, and the payload-size rule.
 */

import assert from "node:assert/strict";
import { DEFAULT_LIMITS, payloadTooLarge, RateCounter } from "../../local/realtime/limits.ts";

Deno.test("RateCounter is over its limit in the second it was exceeded and the next one", () => {
  let now = 10_000;
  const counter = new RateCounter(3, () => now);
  assert.equal(counter.add(3), false);
  assert.equal(counter.over(), false);
  assert.equal(counter.add(1), true);
  now += 1000;
  assert.equal(counter.over(), true, "the last full second was over");
  assert.equal(counter.add(1), false);
  now += 1000;
  assert.equal(counter.over(), false);
  now += 5000;
  assert.equal(counter.add(3), false, "an idle gap resets");
});

Deno.test("payloadTooLarge allows kb * 1000 + 500 bytes, as hosted", () => {
  const limits = { ...DEFAULT_LIMITS, maxPayloadSizeKb: 1 };
  assert.equal(payloadTooLarge("x".repeat(1498), limits), false); // 1,500 bytes as JSON
  assert.equal(payloadTooLarge("x".repeat(1499), limits), true);
  assert.equal(payloadTooLarge(new Uint8Array(1501).buffer, limits), true);
});
