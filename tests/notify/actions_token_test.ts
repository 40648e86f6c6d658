import assert from "node:assert/strict";
import { SignJWT } from "jose";
import {
  ActionLinkError,
  buildActionLinkUrl,
  DEFAULT_SNOOZE_MINUTES,
  signActionLinkToken,
  verifyActionLinkToken,
} from "../../functions/notify/action_link_token.ts";
import { alertCode, parseAlertCode } from "../../functions/notify/alert_code.ts";

const SECRET = "action-link-test-secret-".padEnd(48, "x");
const LINK = {
  tenantId: "a0000000-0000-4000-8000-000000000001",
  alertId: "3f9a0c12-0000-4000-8000-000000000001",
  action: "acknowledge" as const,
  memberId: "a1000000-0000-4000-8000-000000000002",
};

async function rejection(promise: Promise<unknown>): Promise<ActionLinkError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ActionLinkError);
    return error;
  }
  throw new Error("expected the token to be refused");
}

Deno.test("an action link token round-trips what it names, with a jti and expiry", async () => {
  const now = () => 1_800_000_000_000;
  const token = await signActionLinkToken(LINK, { secret: SECRET, now, ttlSeconds: 600 });
  const link = await verifyActionLinkToken(token, { secret: SECRET, now });
  assert.deepEqual({ ...link, jti: "x" }, { ...LINK, jti: "x", expiresAt: 1_800_000_600 });
  assert.match(link.jti, /^[0-9a-f-]{36}$/);
});

Deno.test("a snooze link carries its duration, defaulting to an hour", async () => {
  const token = await signActionLinkToken({ ...LINK, action: "snooze" }, { secret: SECRET });
  const link = await verifyActionLinkToken(token, { secret: SECRET });
  assert.equal(link.snoozeMinutes, DEFAULT_SNOOZE_MINUTES);
});

Deno.test("an expired link is refused as expired", async () => {
  let clock = 1_800_000_000_000;
  const now = () => clock;
  const token = await signActionLinkToken(LINK, { secret: SECRET, now, ttlSeconds: 60 });
  clock += 61_000;
  assert.equal(
    (await rejection(verifyActionLinkToken(token, { secret: SECRET, now }))).reason,
    "expired",
  );
});

Deno.test("a link signed with another secret, altered or not a link at all is invalid", async () => {
  const other = await signActionLinkToken(LINK, { secret: "another-secret-".padEnd(40, "y") });
  assert.equal(
    (await rejection(verifyActionLinkToken(other, { secret: SECRET }))).reason,
    "invalid",
  );

  const token = await signActionLinkToken(LINK, { secret: SECRET });
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
  const forged = btoa(JSON.stringify({ ...claims, action: "resolve" })).replace(/=+$/, "")
    .replace(/\+/g, "-").replace(/\//g, "_");
  const altered = `${header}.${forged}.${signature}`;
  assert.equal(
    (await rejection(verifyActionLinkToken(altered, { secret: SECRET }))).reason,
    "invalid",
  );

  // A normal API token signed with the raw secret is not an action link.
  const apiToken = await new SignJWT({ role: "authenticated", ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(SECRET));
  assert.equal(
    (await rejection(verifyActionLinkToken(apiToken, { secret: SECRET }))).reason,
    "invalid",
  );
  assert.equal(
    (await rejection(verifyActionLinkToken("garbage", { secret: SECRET }))).reason,
    "invalid",
  );
});

Deno.test("signing refuses a link that names no valid alert, member or action", async () => {
  await assert.rejects(
    signActionLinkToken({ ...LINK, alertId: "nope" }, { secret: SECRET }),
    /alertId must be a UUID/,
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    signActionLinkToken({ ...LINK, action: "delete" as any }, { secret: SECRET }),
    /action must be/,
  );
});

Deno.test("buildActionLinkUrl puts the token under the public URL's notify actions path", async () => {
  const url = await buildActionLinkUrl(LINK, {
    publicUrl: "https://x.example.com/",
    secret: SECRET,
  });
  const match = url.match(/^https:\/\/x\.example\.com\/functions\/v1\/notify\/actions\/(.+)$/);
  assert.ok(match, url);
  assert.equal(
    (await verifyActionLinkToken(decodeURIComponent(match[1]), { secret: SECRET })).alertId,
    LINK.alertId,
  );
});

Deno.test("alert codes are the id's first 6 hex digits, typed back in any case or with dashes", () => {
  assert.equal(alertCode(LINK.alertId), "3F9A0C");
  assert.equal(parseAlertCode(" 3f9a0C "), "3f9a0c");
  assert.equal(parseAlertCode("3f9a0c12-00"), "3f9a0c1200");
  assert.equal(parseAlertCode("3F9A"), undefined);
  assert.equal(parseAlertCode("ZZZZZZ"), undefined);
  assert.throws(() => alertCode("nope"), /must be a UUID/);
});
