import assert from "node:assert/strict";
import { createCircuitBreaker } from "./circuit_breaker.ts";
import type { SendResult } from "./http_outcome.ts";

const failure: SendResult = { ok: false, retryable: true, reason: "provider_error", error: "503" };
const bad: SendResult = {
  ok: false,
  retryable: false,
  reason: "invalid_destination",
  error: "404",
};
const success: SendResult = { ok: true, providerId: "x" };

Deno.test("a circuit breaker opens after N retryable failures in a row and says how long to wait", () => {
  let clock = 0;
  const breaker = createCircuitBreaker({
    failureThreshold: 3,
    cooldownMs: 30_000,
    now: () => clock,
  });
  for (let i = 0; i < 2; i++) {
    assert.equal(breaker.admit().ok, true);
    breaker.record(failure);
  }
  assert.equal(breaker.state(), "closed");
  breaker.admit();
  breaker.record(failure);
  assert.equal(breaker.state(), "open");
  clock = 10_000;
  assert.deepEqual(breaker.admit(), { ok: false, retryAfterMs: 20_000 });
});

Deno.test("a permanent failure (a bad address) does not count against the provider", () => {
  const breaker = createCircuitBreaker({ failureThreshold: 2, now: () => 0 });
  breaker.record(failure);
  breaker.record(bad);
  breaker.record(failure);
  assert.equal(breaker.state(), "closed");
});

Deno.test("after the cooldown one trial request goes out: success closes, failure reopens", () => {
  let clock = 0;
  const breaker = createCircuitBreaker({
    failureThreshold: 1,
    cooldownMs: 1_000,
    now: () => clock,
  });
  breaker.record(failure);
  assert.equal(breaker.state(), "open");
  clock = 1_000;
  assert.equal(breaker.state(), "half_open");
  assert.equal(breaker.admit().ok, true);
  assert.equal(breaker.admit().ok, false, "only one trial at a time");
  breaker.record(failure);
  assert.equal(breaker.state(), "open");
  clock = 2_000;
  assert.equal(breaker.admit().ok, true);
  breaker.record(success);
  assert.equal(breaker.state(), "closed");
  assert.equal(breaker.admit().ok, true);
});

Deno.test("an open breaker waits as long as the provider's Retry-After when that is longer", () => {
  let clock = 0;
  const breaker = createCircuitBreaker({
    failureThreshold: 2,
    cooldownMs: 30_000,
    now: () => clock,
  });
  const limited: SendResult = { ...failure, reason: "rate_limited", retryAfterMs: 120_000 };
  breaker.admit();
  breaker.record(failure);
  breaker.admit();
  breaker.record(limited);
  assert.equal(breaker.state(), "open");
  clock = 31_000;
  assert.deepEqual(breaker.admit(), { ok: false, retryAfterMs: 89_000 }, "not after the cooldown");
  clock = 120_000;
  assert.equal(breaker.admit().ok, true, "a trial once the provider's reset has passed");
});
