/**
 * @module
 * Forged provider callbacks through the real stack, beyond tests/notify (which covers missing,
 * wrong-key and stale signatures in-process): a captured valid signature replayed with a changed
 * body, another tenant's message id, an added parameter, a moved timestamp, a new svix-id, or on
 * another endpoint is refused with 401 and changes nothing; the captured request itself works.
 */

import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { svixSignature } from "../../functions/notify/svix_signature.ts";
import { twilioSignature } from "../../functions/notify/twilio_signature.ts";
import { OWNER_A, PUBLIC_URL, SECRETS, startSecurityWorld, TENANT_A } from "./_security_world.ts";

const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const SENDGRID_PUBLIC_KEY = Buffer.from(publicKey.export({ format: "der", type: "spki" }))
  .toString("base64");

type Attempt = [name: string, path: string, headers: Record<string, string>, body: string];

Deno.test("replayed or altered provider callbacks are refused with 401 and change nothing; the genuine ones apply", async () => {
  await using world = await startSecurityWorld({
    notify: { sendgridWebhookPublicKey: SENDGRID_PUBLIC_KEY },
  });
  const sql = world.stack.db.sql;
  for (const [provider, id] of [["sendgrid", "sg-a"], ["resend", "re-a"]]) {
    await sql`insert into public.deliveries
                (tenant_id, alert_id, user_id, channel, reason, status, sent_at, idempotency_key,
                 provider, provider_message_id)
              values (${TENANT_A}, ${world.a.alert}, ${OWNER_A}, 'email', 'created', 'sent', now(),
                      ${`replay/${provider}`}, ${provider}, ${id})`;
  }
  const form = "application/x-www-form-urlencoded";
  const json = "application/json";

  // Twilio: the signature covers the URL and every parameter
  const twilioUrl = `${PUBLIC_URL}/functions/v1/notify/callbacks/twilio`;
  const twilioParams = { MessageSid: "SMaseed", MessageStatus: "delivered" };
  const twilioBody = new URLSearchParams(twilioParams);
  const twilioSig = twilioSignature(twilioUrl, twilioBody, SECRETS.twilioAuthToken);
  const twilio = (body: Record<string, string>, signature = twilioSig) =>
    [
      { "content-type": form, "x-twilio-signature": signature },
      new URLSearchParams(body).toString(),
    ] as const;

  // SendGrid: ECDSA over timestamp + body
  const ts = String(Math.floor(Date.now() / 1000));
  const sgEvents = [{ event: "delivered", sg_message_id: "sg-a.filter", sg_event_id: "e1" }];
  const sgBody = JSON.stringify(sgEvents);
  const sgSig = sign("sha256", Buffer.from(ts + sgBody), privateKey).toString("base64");
  const sendgrid = (body: string, timestamp = ts, signature = sgSig) =>
    [{
      "content-type": json,
      "x-twilio-email-event-webhook-signature": signature,
      "x-twilio-email-event-webhook-timestamp": timestamp,
    }, body] as const;

  // Resend (svix): HMAC over id.timestamp.body
  const svixId = "msg_replay_1";
  const reBody = JSON.stringify({ type: "email.delivered", data: { email_id: "re-a" } });
  const reSig = svixSignature({
    secret: SECRETS.resendWebhookSecret,
    id: svixId,
    timestamp: ts,
    body: reBody,
  });
  const resend = (body: string, id = svixId, timestamp = ts) =>
    [{
      "content-type": json,
      "svix-id": id,
      "svix-timestamp": timestamp,
      "svix-signature": reSig,
    }, body] as const;

  const twilioPath = "/notify/callbacks/twilio";
  const attempts: Attempt[] = [
    ["Twilio: status changed", twilioPath, ...twilio({ ...twilioParams, MessageStatus: "failed" })],
    ["Twilio: B's message id", twilioPath, ...twilio({ ...twilioParams, MessageSid: "SMbseed" })],
    ["Twilio: a parameter added", twilioPath, ...twilio({ ...twilioParams, ErrorCode: "30006" })],
    ["Twilio: replayed on the replies endpoint", "/notify/replies/twilio", ...twilio(twilioParams)],
    [
      "SendGrid: event changed",
      "/notify/callbacks/sendgrid",
      ...sendgrid(sgBody.replace("delivered", "bounce")),
    ],
    [
      "SendGrid: another event appended",
      "/notify/callbacks/sendgrid",
      ...sendgrid(JSON.stringify([...sgEvents, { ...sgEvents[0], sg_event_id: "e2" }])),
    ],
    [
      "SendGrid: timestamp moved",
      "/notify/callbacks/sendgrid",
      ...sendgrid(sgBody, String(+ts + 1)),
    ],
    [
      "Resend: body changed",
      "/notify/callbacks/resend",
      ...resend(reBody.replace("delivered", "bounced")),
    ],
    ["Resend: new svix-id", "/notify/callbacks/resend", ...resend(reBody, "msg_replay_2")],
    [
      "Resend: timestamp moved",
      "/notify/callbacks/resend",
      ...resend(reBody, svixId, String(+ts - 1)),
    ],
  ];
  const before = await world.snapshot();
  for (const [name, path, headers, body] of attempts) {
    const res = await world.call(null, path, { method: "POST", headers, body });
    const text = await res.text();
    assert.equal(res.status, 401, `${name}: ${res.status} ${text}`);
    assert.match(JSON.parse(text).error.code, /signature/, name);
  }
  assert.equal(await world.snapshot(), before, "no refused callback changed a row");

  // the captured requests themselves are genuine: each applies
  const genuine: Attempt[] = [
    ["Twilio", twilioPath, ...twilio(twilioParams)],
    ["SendGrid", "/notify/callbacks/sendgrid", ...sendgrid(sgBody)],
    ["Resend", "/notify/callbacks/resend", ...resend(reBody)],
  ];
  for (const [name, path, headers, body] of genuine) {
    const res = await world.call(null, path, { method: "POST", headers, body });
    assert.equal(res.status, 200, `${name}: ${await res.text()}`);
  }
  const statuses = await sql<{ provider_message_id: string; provider_status: string | null }[]>`
    select provider_message_id, provider_status from public.deliveries
    where provider_message_id in ('SMaseed', 'SMbseed', 'sg-a', 're-a')
    order by provider_message_id`;
  assert.deepEqual(statuses.map((s) => [s.provider_message_id, s.provider_status]), [
    ["SMaseed", "delivered"],
    ["SMbseed", null],
    ["re-a", "delivered"],
    ["sg-a", "delivered"],
  ]);
});
