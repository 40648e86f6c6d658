import assert from "node:assert/strict";
import { maskNumber, verificationCode } from "../../functions/notify/phone_verification.ts";
import { type MemberWorld, PHONES, USERS, type Who, withMemberWorld } from "./_member_world.ts";

async function call(world: MemberWorld, who: Who | null, path: string, body: unknown) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (who) headers.authorization = `Bearer ${await world.token(who)}`;
  return await world.app.request(`/notify/verify/${path}`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
}

/** The code in the newest text to `number` in the local inbox. */
async function lastCode(world: MemberWorld, number: string): Promise<string> {
  const texts = (await world.texts()).filter((t) => t.recipient === number);
  assert.ok(texts.length > 0, `no text to ${number}`);
  const match = texts.at(-1)!.body_text.match(/code is (\d{6})\./);
  assert.ok(match, texts.at(-1)!.body_text);
  return match[1];
}

async function verifiedAt(world: MemberWorld, who: Who): Promise<Date | null> {
  const [row] = await world.db.sql<{ phone_verified_at: Date | null }[]>`
    select phone_verified_at from public.tenant_members where user_id = ${USERS[who]}`;
  return row.phone_verified_at;
}

function wrong(code: string): string {
  return code === "999999" ? "000000" : "999999";
}

Deno.test("verificationCode gives 6 digits; maskNumber shows the last 4", () => {
  for (let i = 0; i < 50; i++) assert.match(verificationCode(), /^\d{6}$/);
  assert.equal(maskNumber("+15551234567"), "+•••••••4567");
});

Deno.test("a member verifies their phone with the texted code, and then gets SMS alerts", () =>
  withMemberWorld(async (world) => {
    const before = await world.raise({ severity: "critical" });
    const [{ n: smsBefore }] = await world.db.sql<{ n: number }[]>`
      select count(*)::int as n from public.deliveries
      where alert_id = ${before} and user_id = ${USERS.staff} and channel = 'sms'`;
    assert.equal(smsBefore, 0, "an unverified number gets no SMS");

    const res = await call(world, "staff", "request", { channel: "sms" });
    assert.equal(res.status, 202);
    const body = await res.json();
    assert.equal(body.number, maskNumber(PHONES.staff));
    const code = await lastCode(world, PHONES.staff);
    assert.ok(!JSON.stringify(body).includes(code), "the answer does not carry the code");
    assert.ok(!world.logs.some((line) => line.includes(code)), "the code is not logged");

    const bad = await call(world, "staff", "confirm", { channel: "sms", code: wrong(code) });
    assert.equal(bad.status, 400);
    const badBody = await bad.json();
    assert.equal(badBody.error.code, "verification_code_wrong");
    assert.equal(badBody.error.details.attempts_left, 4);
    assert.equal(await verifiedAt(world, "staff"), null);

    const good = await call(world, "staff", "confirm", { channel: "sms", code });
    assert.equal(good.status, 200);
    assert.deepEqual(await good.json(), { channel: "sms", verified: true });
    assert.ok(await verifiedAt(world, "staff"));

    const after = await world.raise({ severity: "critical" });
    const [{ n }] = await world.db.sql<{ n: number }[]>`
      select count(*)::int as n from public.deliveries
      where alert_id = ${after} and user_id = ${USERS.staff} and channel = 'sms'`;
    assert.equal(n, 1);

    // A used code cannot be used again.
    const again = await call(world, "staff", "confirm", { channel: "sms", code });
    assert.equal(again.status, 404);
    assert.equal((await again.json()).error.code, "verification_not_requested");
  }));

Deno.test("an expired code is refused and does not verify", () =>
  withMemberWorld(async (world) => {
    await call(world, "staff", "request", { channel: "sms" });
    const code = await lastCode(world, PHONES.staff);
    await world.db
      .sql`update public.phone_verifications set expires_at = now() - interval '1 second'`;
    const res = await call(world, "staff", "confirm", { channel: "sms", code });
    assert.equal(res.status, 410);
    assert.equal((await res.json()).error.code, "verification_code_expired");
    assert.equal(await verifiedAt(world, "staff"), null);
  }));

Deno.test("after 5 wrong codes even the right one is refused until a new code is requested", () =>
  withMemberWorld(async (world) => {
    await call(world, "staff", "request", { channel: "sms" });
    const code = await lastCode(world, PHONES.staff);
    for (let left = 4; left >= 0; left--) {
      const res = await call(world, "staff", "confirm", { channel: "sms", code: wrong(code) });
      assert.equal(res.status, 400);
      assert.equal((await res.json()).error.details.attempts_left, left);
    }
    const blocked = await call(world, "staff", "confirm", { channel: "sms", code });
    assert.equal(blocked.status, 429);
    assert.equal((await blocked.json()).error.code, "verification_attempts_exceeded");
    assert.equal(await verifiedAt(world, "staff"), null);

    // A new code starts over; the old one no longer works.
    await call(world, "staff", "request", { channel: "sms" });
    const fresh = await lastCode(world, PHONES.staff);
    if (fresh !== code) {
      const old = await call(world, "staff", "confirm", { channel: "sms", code });
      assert.equal(old.status, 400);
    }
    assert.equal(
      (await call(world, "staff", "confirm", { channel: "sms", code: fresh })).status,
      200,
    );
  }));

Deno.test("a code sent to a number changed since does not verify the new number", () =>
  withMemberWorld(async (world) => {
    await call(world, "staff", "request", { channel: "sms" });
    const code = await lastCode(world, PHONES.staff);
    await world.db.sql`update public.tenant_members set phone = '+15550009999'
                       where user_id = ${USERS.staff}`;
    const res = await call(world, "staff", "confirm", { channel: "sms", code });
    assert.equal(res.status, 409);
    assert.equal((await res.json()).error.code, "verification_number_changed");
    assert.equal(await verifiedAt(world, "staff"), null);
  }));

Deno.test("verification requests are checked: auth, body, a number to text, at most 5 an hour", () =>
  withMemberWorld(async (world) => {
    const anonymous = await call(world, null, "request", { channel: "sms" });
    assert.equal(anonymous.status, 401);

    const badChannel = await call(world, "staff", "request", { channel: "pigeon" });
    assert.equal(badChannel.status, 400);
    assert.match((await badChannel.json()).error.message, /channel/);

    const badCode = await call(world, "staff", "confirm", { channel: "sms", code: "12ab" });
    assert.equal(badCode.status, 400);
    assert.match((await badCode.json()).error.message, /code/);

    const noPhone = await call(world, "owner", "request", { channel: "sms" });
    assert.equal(noPhone.status, 422, "well formed, but the engine cannot text no number");
    const noPhoneError = (await noPhone.json()).error;
    assert.equal(noPhoneError.code, "unprocessable");
    assert.match(noPhoneError.message, /phone is not set/);

    for (let i = 0; i < 5; i++) {
      assert.equal((await call(world, "staff", "request", { channel: "sms" })).status, 202);
    }
    const sixth = await call(world, "staff", "request", { channel: "sms" });
    assert.equal(sixth.status, 429);
    assert.equal((await sixth.json()).error.code, "rate_limited");
    assert.equal((await world.texts()).filter((t) => t.recipient === PHONES.staff).length, 5);
  }));

Deno.test("members cannot read verification rows nor set their own verified time", () =>
  withMemberWorld(async (world) => {
    await call(world, "staff", "request", { channel: "sms" });
    const claims = JSON.stringify({
      role: "authenticated",
      sub: USERS.staff,
      app_metadata: { tenant_id: "a0000000-0000-4000-8000-000000000001" },
    });
    const rows = await world.db.sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true),
                      set_config('request.jwt.claims', ${claims}, true)`;
      return await tx`select * from public.phone_verifications`;
    }).catch((error) => error);
    assert.ok(rows instanceof Error, "select on phone_verifications is not granted");
    const update = await world.db.sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true),
                      set_config('request.jwt.claims', ${claims}, true)`;
      return await tx`update public.tenant_members set phone_verified_at = now()
                      where user_id = ${USERS.staff}`;
    }).catch((error) => error);
    assert.ok(update instanceof Error, "phone_verified_at is not updatable by members");
    assert.equal(await verifiedAt(world, "staff"), null);
  }));

Deno.test("a WhatsApp number is verified on its own channel, not by an SMS code", () =>
  withMemberWorld(async (world) => {
    await world.db.sql`update public.tenant_members set whatsapp = '+15550000033'
                       where user_id = ${USERS.staff}`;
    assert.equal((await call(world, "staff", "request", { channel: "whatsapp" })).status, 202);
    const [text] = (await world.texts()).filter((t) => t.recipient === "+15550000033");
    assert.equal(text.channel, "whatsapp");
    const code = text.body_text.match(/code is (\d{6})\./)![1];
    const bySms = await call(world, "staff", "confirm", { channel: "sms", code });
    assert.equal(bySms.status, 404, "no SMS code was requested");
    assert.equal(
      (await call(world, "staff", "confirm", { channel: "whatsapp", code })).status,
      200,
    );
    const [row] = await world.db.sql<
      { whatsapp_verified_at: Date | null; phone_verified_at: Date | null }[]
    >`select whatsapp_verified_at, phone_verified_at from public.tenant_members
      where user_id = ${USERS.staff}`;
    assert.ok(row.whatsapp_verified_at);
    assert.equal(row.phone_verified_at, null);
  }));
