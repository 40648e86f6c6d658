import assert from "node:assert/strict";
import { classifyError, classifyResponse, retryAfterMs } from "./http_outcome.ts";

const NOW = Date.parse("2026-11-22T10:00:00Z");
const now = () => NOW;

Deno.test("classifyResponse() follows the retry table: 2xx ok, 429/5xx/408 retryable, other 4xx permanent", () => {
  const table: [number, boolean | "ok", string][] = [
    [200, "ok", ""],
    [201, "ok", ""],
    [202, "ok", ""],
    [204, "ok", ""],
    [408, true, "timeout"],
    [429, true, "rate_limited"],
    [500, true, "provider_error"],
    [502, true, "provider_error"],
    [503, true, "provider_error"],
    [504, true, "timeout"],
    [400, false, "invalid_destination"],
    [401, false, "rejected"],
    [403, false, "rejected"],
    [404, false, "invalid_destination"],
    [410, false, "invalid_destination"],
    [413, false, "rejected"],
    [422, false, "invalid_destination"],
  ];
  for (const [status, retryable, reason] of table) {
    const result = classifyResponse(new Response(null, { status }), { provider: "p" });
    if (retryable === "ok") {
      assert.equal(result.ok, true, `${status}`);
      continue;
    }
    assert.equal(result.ok, false, `${status}`);
    if (!result.ok) {
      assert.equal(result.retryable, retryable, `${status} retryable`);
      assert.equal(result.reason, reason, `${status} reason`);
      assert.match(result.error, new RegExp(`p answered ${status}`));
    }
  }
});

Deno.test("classifyResponse() treats a provider's gone statuses (a deleted webhook) as a bad destination", () => {
  const result = classifyResponse(new Response(null, { status: 403 }), {
    provider: "slack",
    goneStatuses: [403],
  });
  assert.deepEqual(
    { ok: result.ok, reason: !result.ok && result.reason },
    { ok: false, reason: "invalid_destination" },
  );
});

Deno.test("retryAfterMs() reads Retry-After in seconds and as an HTTP date against the clock", () => {
  assert.equal(retryAfterMs(new Headers({ "retry-after": "7" }), { now }), 7000);
  assert.equal(retryAfterMs(new Headers({ "retry-after": "0.5" }), { now }), 500);
  assert.equal(
    retryAfterMs(new Headers({ "retry-after": new Date(NOW + 90_000).toUTCString() }), { now }),
    90_000,
  );
});

Deno.test("retryAfterMs() reads reset headers: Resend's seconds, SendGrid's epoch, Discord's reset-after and body", () => {
  assert.equal(retryAfterMs(new Headers({ "ratelimit-reset": "3" }), { now }), 3000);
  assert.equal(
    retryAfterMs(new Headers({ "x-ratelimit-reset": String(NOW / 1000 + 42) }), { now }),
    42_000,
  );
  assert.equal(retryAfterMs(new Headers({ "x-ratelimit-reset-after": "1.25" }), { now }), 1250);
  assert.equal(
    retryAfterMs(new Headers(), { now, body: '{"message":"rate limited","retry_after":2.5}' }),
    2500,
  );
  assert.equal(retryAfterMs(new Headers(), { now }), undefined);
  assert.equal(retryAfterMs(new Headers({ "retry-after": "soon" }), { now }), undefined);
});

Deno.test("classifyResponse() passes the provider's wait on with a 429", () => {
  const result = classifyResponse(
    new Response(null, { status: 429, headers: { "x-ratelimit-reset": String(NOW / 1000 + 30) } }),
    { provider: "sendgrid", now },
  );
  assert.equal(!result.ok && result.retryAfterMs, 30_000);
});

Deno.test("classifyError() makes timeouts and network errors retryable without quoting the URL", () => {
  const timeout = classifyError(new DOMException("Signal timed out.", "TimeoutError"), {
    provider: "twilio",
  });
  assert.deepEqual([timeout.retryable, timeout.reason], [true, "timeout"]);
  const network = classifyError(
    new TypeError("error sending request for url (https://hooks.slack.com/services/T/B/secret)"),
    { provider: "slack" },
  );
  assert.deepEqual([network.retryable, network.reason], [true, "provider_error"]);
  assert.doesNotMatch(network.error, /secret|hooks\.slack/);
});
