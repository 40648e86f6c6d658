import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { svixSignature } from "../../functions/notify/svix_signature.ts";
import { twilioSignature } from "../../functions/notify/twilio_signature.ts";
import { assertNoSecrets, type MemberWorld, SECRETS, withMemberWorld } from "./_member_world.ts";

const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const SENDGRID_PUBLIC_KEY = Buffer.from(publicKey.export({ format: "der", type: "spki" }))
  .toString("base64");

async function delivery(db: MemberWorld["db"], id: string) {
  const [row] = await db.sql<
    {
      status: string;
      provider_status: string | null;
      error_reason: string | null;
      last_error: string | null;
    }[]
  >`select status, provider_status, error_reason, last_error from public.deliveries where id = ${id}`;
  return row;
}

async function eventCount(db: MemberWorld["db"]): Promise<number> {
  const [{ n }] = await db.sql<{ n: number }[]>`
    select count(*)::int as n from public.delivery_status_events`;
  return n;
}

function sendgridPost(
  world: MemberWorld,
  events: unknown[],
  { timestamp = String(Math.floor(world.clock.now / 1000)), signature }: {
    timestamp?: string;
    signature?: string;
  } = {},
) {
  const body = JSON.stringify(events);
  const signed = signature ??
    sign("sha256", Buffer.from(timestamp + body), privateKey).toString("base64");
  return world.app.request("/notify/callbacks/sendgrid", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-twilio-email-event-webhook-signature": signed,
      "x-twilio-email-event-webhook-timestamp": timestamp,
    },
    body,
  });
}

function resendPost(
  world: MemberWorld,
  event: unknown,
  { id = `msg_${crypto.randomUUID()}`, timestamp, secret = SECRETS.resendWebhookSecret }: {
    id?: string;
    timestamp?: string;
    secret?: string;
  } = {},
) {
  const body = JSON.stringify(event);
  const ts = timestamp ?? String(Math.floor(world.clock.now / 1000));
  return world.app.request("/notify/callbacks/resend", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "svix-id": id,
      "svix-timestamp": ts,
      "svix-signature": svixSignature({ secret, id, timestamp: ts, body }),
    },
    body,
  });
}

Deno.test("a signed Twilio delivered callback records the status on the delivery and its timeline", () =>
  withMemberWorld(async (world) => {
    const id = await world.sentDelivery({ provider: "twilio", messageId: "SM0001" });
    const res = await world.twilioPost("/notify/callbacks/twilio", {
      MessageSid: "SM0001",
      MessageStatus: "delivered",
      AccountSid: "AC1",
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).recorded, 1);
    const row = await delivery(world.db, id);
    assert.equal(row.status, "sent");
    assert.equal(row.provider_status, "delivered");
    assert.equal(await eventCount(world.db), 1);

    // The same callback again (Twilio retries) changes nothing.
    const again = await world.twilioPost("/notify/callbacks/twilio", {
      MessageSid: "SM0001",
      MessageStatus: "delivered",
      AccountSid: "AC1",
    });
    assert.equal((await again.json()).duplicate, 1);
    assert.equal(await eventCount(world.db), 1);

    // A late "sent" after "delivered" stays in the timeline only.
    await world.twilioPost("/notify/callbacks/twilio", {
      MessageSid: "SM0001",
      MessageStatus: "sent",
    });
    assert.equal((await delivery(world.db, id)).provider_status, "delivered");
    assert.equal(await eventCount(world.db), 2);
  }));

Deno.test("an undelivered Twilio callback fails the sent delivery with the reason from its error code", () =>
  withMemberWorld(async (world) => {
    const id = await world.sentDelivery({ provider: "twilio", messageId: "SM0002" });
    const res = await world.twilioPost("/notify/callbacks/twilio", {
      MessageSid: "SM0002",
      MessageStatus: "undelivered",
      ErrorCode: "30006",
    });
    assert.equal(res.status, 200);
    const row = await delivery(world.db, id);
    assert.deepEqual([row.status, row.provider_status, row.error_reason], [
      "failed",
      "failed",
      "invalid_destination",
    ]);
    assert.match(row.last_error ?? "", /30006/);
  }));

Deno.test("a Twilio callback with a forged or missing signature is refused with 401 and changes nothing", () =>
  withMemberWorld(async (world) => {
    const id = await world.sentDelivery({ provider: "twilio", messageId: "SM0003" });
    const params = { MessageSid: "SM0003", MessageStatus: "undelivered", ErrorCode: "30006" };
    const forged = await world.twilioPost("/notify/callbacks/twilio", params, "bm9wZQ==");
    assert.equal(forged.status, 401);
    assert.equal((await forged.json()).error.code, "invalid_signature");

    const missing = await world.app.request("/notify/callbacks/twilio", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params).toString(),
    });
    assert.equal(missing.status, 401);
    const body = await missing.json();
    assert.equal(body.error.code, "missing_signature");

    // Signed for another URL (say, a different deployment): refused too.
    const elsewhere = twilioSignature(
      "https://evil.example.com/functions/v1/notify/callbacks/twilio",
      new URLSearchParams(params),
      SECRETS.twilioAuthToken,
    );
    const moved = await world.twilioPost("/notify/callbacks/twilio", params, elsewhere);
    assert.equal(moved.status, 401);

    const row = await delivery(world.db, id);
    assert.deepEqual([row.status, row.provider_status], ["sent", null]);
    assert.equal(await eventCount(world.db), 0);
    assertNoSecrets([JSON.stringify(body), ...world.logs]);
  }));

Deno.test("SendGrid events with a valid ECDSA signature record delivered and fail bounced deliveries", () =>
  withMemberWorld(async (world) => {
    const delivered = await world.sentDelivery({
      provider: "sendgrid",
      messageId: "sgmsg1",
      channel: "email",
    });
    const bounced = await world.sentDelivery({
      provider: "sendgrid",
      messageId: "sgmsg2",
      channel: "email",
    });
    const res = await sendgridPost(world, [
      {
        event: "delivered",
        sg_message_id: "sgmsg1.filter0001.16648.5515E0B88.0",
        sg_event_id: "ev1",
        timestamp: 1_800_000_000,
      },
      {
        event: "bounce",
        type: "bounce",
        reason: "550 5.1.1 unknown user",
        sg_message_id: "sgmsg2.filter0002",
        sg_event_id: "ev2",
      },
      { event: "processed", sg_message_id: "not-ours.filter", sg_event_id: "ev3" },
      { event: "something_new", sg_message_id: "sgmsg1.filter", sg_event_id: "ev4" },
    ]);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      received: 4,
      recorded: 2,
      duplicate: 0,
      unknown: 1,
      ignored: 1,
    });
    assert.equal((await delivery(world.db, delivered)).provider_status, "delivered");
    const row = await delivery(world.db, bounced);
    assert.deepEqual([row.status, row.error_reason], ["failed", "invalid_destination"]);
    assert.match(row.last_error ?? "", /unknown user/);
  }, { notify: { sendgridWebhookPublicKey: SENDGRID_PUBLIC_KEY } }));

Deno.test("SendGrid events with a bad, missing or stale signature are refused and change nothing", () =>
  withMemberWorld(async (world) => {
    const id = await world.sentDelivery({
      provider: "sendgrid",
      messageId: "sgmsg9",
      channel: "email",
    });
    const events = [{ event: "bounce", sg_message_id: "sgmsg9.f", sg_event_id: "ev9" }];

    const other = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
    const ts = String(Math.floor(world.clock.now / 1000));
    const forged = sign("sha256", Buffer.from(ts + JSON.stringify(events)), other).toString(
      "base64",
    );
    const bad = await sendgridPost(world, events, { timestamp: ts, signature: forged });
    assert.equal(bad.status, 401);
    assert.equal((await bad.json()).error.code, "invalid_signature");

    const stale = await sendgridPost(world, events, {
      timestamp: String(Math.floor(world.clock.now / 1000) - 3600),
    });
    assert.equal(stale.status, 401);
    assert.equal((await stale.json()).error.code, "stale_signature");

    const missing = await world.app.request("/notify/callbacks/sendgrid", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(events),
    });
    assert.equal(missing.status, 401);
    assert.equal((await missing.json()).error.code, "missing_signature");

    const row = await delivery(world.db, id);
    assert.deepEqual([row.status, row.provider_status], ["sent", null]);
    assert.equal(await eventCount(world.db), 0);
  }, { notify: { sendgridWebhookPublicKey: SENDGRID_PUBLIC_KEY } }));

Deno.test("Resend webhooks signed with the whsec secret record events once, by svix-id", () =>
  withMemberWorld(async (world) => {
    const id = await world.sentDelivery({
      provider: "resend",
      messageId: "re-1",
      channel: "email",
    });
    const event = {
      type: "email.bounced",
      created_at: "2026-11-22T08:00:00.000Z",
      data: { email_id: "re-1", bounce: { message: "Mailbox does not exist" } },
    };
    const first = await resendPost(world, event, { id: "msg_1" });
    assert.equal(first.status, 200);
    assert.equal((await first.json()).recorded, 1);
    const row = await delivery(world.db, id);
    assert.deepEqual([row.status, row.error_reason], ["failed", "invalid_destination"]);

    const replay = await resendPost(world, event, { id: "msg_1" });
    assert.equal((await replay.json()).duplicate, 1);
    assert.equal(await eventCount(world.db), 1);
  }));

Deno.test("Resend webhooks with a wrong secret, stale timestamp or no headers are refused and change nothing", () =>
  withMemberWorld(async (world) => {
    const id = await world.sentDelivery({
      provider: "resend",
      messageId: "re-2",
      channel: "email",
    });
    const event = { type: "email.delivered", data: { email_id: "re-2" } };
    const wrong = await resendPost(world, event, { secret: `whsec_${btoa("another secret")}` });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error.code, "invalid_signature");

    const stale = await resendPost(world, event, {
      timestamp: String(Math.floor(world.clock.now / 1000) - 301),
    });
    assert.equal(stale.status, 401);
    assert.equal((await stale.json()).error.code, "stale_signature");

    const bare = await world.app.request("/notify/callbacks/resend", {
      method: "POST",
      body: JSON.stringify(event),
    });
    assert.equal(bare.status, 401);
    const body = await bare.json();
    assert.equal(body.error.code, "missing_signature");

    assert.equal((await delivery(world.db, id)).provider_status, null);
    assert.equal(await eventCount(world.db), 0);
    assertNoSecrets([JSON.stringify(body), ...world.logs]);
  }));

Deno.test("callbacks whose provider secret is not configured are refused with 503", () =>
  withMemberWorld(async (world) => {
    const res = await world.app.request("/notify/callbacks/sendgrid", {
      method: "POST",
      body: "[]",
    });
    assert.equal(res.status, 503);
    assert.equal((await res.json()).error.code, "callback_not_configured");
  }));

Deno.test("a callback that arrives before the delivery records its message id is applied when it does", () =>
  withMemberWorld(async (world) => {
    const early = await world.twilioPost("/notify/callbacks/twilio", {
      MessageSid: "SM-early",
      MessageStatus: "failed",
      ErrorCode: "21610",
    });
    assert.equal(early.status, 200);
    assert.equal((await early.json()).unknown, 1);
    // The dispatcher records the message id after Twilio already called back.
    const id = await world.sentDelivery({ provider: "twilio", messageId: "pending-id" });
    await world.db
      .sql`update public.deliveries set provider_message_id = 'SM-early' where id = ${id}`;
    const row = await delivery(world.db, id);
    assert.deepEqual([row.status, row.provider_status, row.error_reason], [
      "failed",
      "failed",
      "unsubscribed",
    ]);
  }));

Deno.test("a SendGrid batch larger than 256 KiB is accepted (SendGrid batches up to 768 KB)", () =>
  withMemberWorld(async (world) => {
    const events = Array.from({ length: 400 }, (_, i) => ({
      event: "group_resubscribe",
      sg_event_id: `big-${i}`,
      sg_message_id: `m${i}.filter`,
      padding: "x".repeat(1000),
    }));
    const res = await sendgridPost(world, events);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).ignored, 400);
  }, { notify: { sendgridWebhookPublicKey: SENDGRID_PUBLIC_KEY } }));

Deno.test("a SendGrid event resent with a new sg_event_id is recorded once", () =>
  withMemberWorld(async (world) => {
    await world.sentDelivery({ provider: "sendgrid", messageId: "sgmsg5", channel: "email" });
    const event = {
      event: "delivered",
      sg_message_id: "sgmsg5.filter0001",
      timestamp: 1_800_000_000,
    };
    const first = await sendgridPost(world, [{ ...event, sg_event_id: "first-id" }]);
    assert.equal((await first.json()).recorded, 1);
    const retry = await sendgridPost(world, [{ ...event, sg_event_id: "another-id" }]);
    assert.equal((await retry.json()).duplicate, 1);
    assert.equal(await eventCount(world.db), 1);
  }, { notify: { sendgridWebhookPublicKey: SENDGRID_PUBLIC_KEY } }));
