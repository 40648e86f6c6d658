import assert from "node:assert/strict";
import { decide } from "./retry_decision.ts";

Deno.test("decide() records a success with the provider that answered", () => {
  assert.deepEqual(decide({ ok: true, providerId: "m1", provider: "sendgrid" }, "resend"), {
    kind: "sent",
    provider: "sendgrid",
    providerId: "m1",
  });
  assert.deepEqual(decide({ ok: true, providerId: null }, "slack"), {
    kind: "sent",
    provider: "slack",
    providerId: null,
  });
});

Deno.test("decide() retries retryable failures no sooner than the provider asked, in whole seconds", () => {
  const retry = decide(
    { ok: false, retryable: true, reason: "rate_limited", error: "429", retryAfterMs: 1_200 },
    "slack",
  );
  assert.deepEqual(retry, {
    kind: "retry",
    reason: "rate_limited",
    error: "429",
    retryAfterSeconds: 2,
  });
  const noHint = decide({ ok: false, retryable: true, reason: "timeout", error: "t" }, "slack");
  assert.equal(noHint.kind === "retry" && noHint.retryAfterSeconds, null);
  const huge = decide(
    { ok: false, retryable: true, reason: "rate_limited", error: "x", retryAfterMs: 9e9 },
    "slack",
  );
  assert.equal(huge.kind === "retry" && huge.retryAfterSeconds, 86_400);
});

Deno.test("decide() fails permanent failures at once", () => {
  assert.deepEqual(
    decide({ ok: false, retryable: false, reason: "invalid_destination", error: "404" }, "slack"),
    { kind: "fail", reason: "invalid_destination", error: "404" },
  );
});
