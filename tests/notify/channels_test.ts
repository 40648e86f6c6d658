/**
 * @module
 * Each channel against a local server speaking its provider's API: method, path, headers, auth
 * and body on success, and what 4xx, 429 (with reset headers), 5xx and timeouts come to. Web push
 * is decrypted here (http_ece) and its VAPID JWT verified (jose).
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createECDH, randomBytes } from "node:crypto";
import ece from "http_ece";
import { importJWK, jwtVerify } from "jose";
import webpush from "web-push";
import { createDiscordChannel } from "../../functions/notify/channels/discord.ts";
import { createEmailChannel } from "../../functions/notify/channels/email.ts";
import { createPushChannel } from "../../functions/notify/channels/push.ts";
import { createSlackChannel } from "../../functions/notify/channels/slack.ts";
import { createSmsChannel } from "../../functions/notify/channels/sms.ts";
import { createWebhookChannel, signWebhook } from "../../functions/notify/channels/webhook.ts";
import { createWhatsappChannel } from "../../functions/notify/channels/whatsapp.ts";
import type { SendResult } from "../../functions/notify/http_outcome.ts";
import type { OutboundMessage, PushTarget } from "../../functions/notify/message.ts";
import { fakeProvider } from "./_fixture.ts";

const ids = {
  deliveryId: "00000000-0000-4000-8000-000000000001",
  idempotencyKey: "alert-1/created/0/user-1/email",
  tenantId: "00000000-0000-4000-8000-0000000000aa",
  userId: "00000000-0000-4000-8000-0000000000bb",
};
const email: Extract<OutboundMessage, { channel: "email" }> = {
  ...ids,
  channel: "email",
  to: "owner@bakery.test",
  subject: "[HIGH] Sourdough is running out",
  text: "plain",
  html: "<p>html</p>",
};

Deno.test("email goes to Resend with the API key, the idempotency key and both bodies", async () => {
  await using resend = fakeProvider(() => Response.json({ id: "em_42" }));
  const channel = createEmailChannel({
    resend: { apiKey: "re_secret", from: "Shelfwatch <alerts@x.test>", baseUrl: resend.url },
  });
  const result = await channel.send(email);
  assert.deepEqual(result, { ok: true, providerId: "em_42", provider: "resend" });
  const [request] = resend.requests;
  assert.equal(request.method, "POST");
  assert.equal(request.path, "/emails");
  assert.equal(request.headers.get("authorization"), "Bearer re_secret");
  assert.equal(request.headers.get("idempotency-key"), ids.idempotencyKey);
  assert.equal(request.headers.get("content-type"), "application/json");
  const body = JSON.parse(request.text);
  assert.equal(body.from, "Shelfwatch <alerts@x.test>");
  assert.deepEqual(body.to, ["owner@bakery.test"]);
  assert.equal(body.subject, email.subject);
  assert.equal(body.text, "plain");
  assert.equal(body.html, "<p>html</p>");
});

Deno.test("email goes to SendGrid's v3 API (202 + X-Message-Id) with the key as a custom argument", async () => {
  await using sendgrid = fakeProvider(() =>
    new Response(null, { status: 202, headers: { "x-message-id": "sg_7" } })
  );
  const channel = createEmailChannel({
    sendgrid: { apiKey: "SG.secret", from: "Shelfwatch <alerts@x.test>", baseUrl: sendgrid.url },
  });
  assert.deepEqual(await channel.send(email), {
    ok: true,
    providerId: "sg_7",
    provider: "sendgrid",
  });
  const [request] = sendgrid.requests;
  assert.equal(request.path, "/v3/mail/send");
  assert.equal(request.headers.get("authorization"), "Bearer SG.secret");
  const body = JSON.parse(request.text);
  assert.deepEqual(body.personalizations, [{ to: [{ email: "owner@bakery.test" }] }]);
  assert.deepEqual(body.from, { email: "alerts@x.test", name: "Shelfwatch" });
  assert.deepEqual(body.content.map((c: { type: string }) => c.type), ["text/plain", "text/html"]);
  assert.equal(body.custom_args.idempotency_key, ids.idempotencyKey);
});

Deno.test("email fails over from Resend to SendGrid on a 5xx, but not on a bad address", async () => {
  await using resend = fakeProvider(() => new Response("down", { status: 503 }));
  await using sendgrid = fakeProvider(() =>
    new Response(null, { status: 202, headers: { "x-message-id": "sg_8" } })
  );
  const channel = createEmailChannel({
    resend: { apiKey: "re_secret", from: "a@x.test", baseUrl: resend.url },
    sendgrid: { apiKey: "SG.secret", from: "a@x.test", baseUrl: sendgrid.url },
  });
  assert.deepEqual(await channel.send(email), {
    ok: true,
    providerId: "sg_8",
    provider: "sendgrid",
  });

  resend.respond(() => Response.json({ message: "Invalid `to`" }, { status: 422 }));
  const result = await channel.send(email);
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.reason, "invalid_destination");
  assert.equal(sendgrid.requests.length, 1, "a permanent failure is not tried elsewhere");
});

Deno.test("email fails over to SendGrid when Resend hangs, within the caller's time", async () => {
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  await using resend = fakeProvider(async () => {
    await released;
    return new Response("late", { status: 200 });
  });
  await using sendgrid = fakeProvider(() =>
    new Response(null, { status: 202, headers: { "x-message-id": "sg_9" } })
  );
  try {
    const channel = createEmailChannel({
      resend: { apiKey: "re_secret", from: "a@x.test", baseUrl: resend.url },
      sendgrid: { apiKey: "SG.secret", from: "a@x.test", baseUrl: sendgrid.url },
      firstProviderTimeoutMs: 100,
    });
    const result = await channel.send(email, { signal: AbortSignal.timeout(30_000) });
    assert.deepEqual(result, { ok: true, providerId: "sg_9", provider: "sendgrid" });
    assert.equal(resend.requests.length, 1);
  } finally {
    release();
  }
});

Deno.test("Resend's 429 is retryable with its ratelimit-reset; SendGrid's with its epoch reset", async () => {
  await using resend = fakeProvider(() =>
    new Response('{"message":"Too many requests"}', {
      status: 429,
      headers: { "ratelimit-reset": "4" },
    })
  );
  const viaResend = createEmailChannel({
    resend: { apiKey: "k", from: "a@x.test", baseUrl: resend.url },
  });
  const first = await viaResend.send(email);
  assert.deepEqual(
    !first.ok && [first.retryable, first.reason, first.retryAfterMs],
    [true, "rate_limited", 4000],
  );
  await using sendgrid = fakeProvider(() =>
    new Response(null, {
      status: 429,
      headers: { "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 120) },
    })
  );
  const viaSendgrid = createEmailChannel({
    sendgrid: { apiKey: "k", from: "a@x.test", baseUrl: sendgrid.url },
  });
  const second = await viaSendgrid.send(email);
  assert.ok(!second.ok && second.retryAfterMs! > 100_000 && second.retryAfterMs! <= 120_000);
});

Deno.test("a provider that does not answer in time is a retryable timeout", async () => {
  await using slow = fakeProvider(() =>
    new Promise((r) => setTimeout(() => r(new Response()), 2_000))
  );
  const channel = createEmailChannel({
    resend: { apiKey: "k", from: "a@x.test", baseUrl: slow.url },
  });
  const result = await channel.send(email, { signal: AbortSignal.timeout(50) });
  assert.deepEqual(!result.ok && [result.retryable, result.reason], [true, "timeout"]);
});

Deno.test("SMS and WhatsApp go to Twilio's Messages API form-encoded with Basic auth and a status callback", async () => {
  await using twilio = fakeProvider(() =>
    Response.json({ sid: "SM123", status: "queued" }, { status: 201 })
  );
  const options = {
    accountSid: "AC123",
    authToken: "tw_secret",
    from: "+15550009999",
    publicUrl: "https://shelfwatch.example",
    baseUrl: twilio.url,
  };
  const sms = createSmsChannel(options);
  const text = { ...ids, to: "+15550001111", text: "[CRITICAL] Out of flour. Reply ACK 3F9A0C" };
  assert.deepEqual(await sms.send({ ...text, channel: "sms" }), { ok: true, providerId: "SM123" });
  const whatsapp = createWhatsappChannel(options);
  assert.equal((await whatsapp.send({ ...text, channel: "whatsapp" })).ok, true);

  const [first, second] = twilio.requests;
  assert.equal(first.method, "POST");
  assert.equal(first.path, "/2010-04-01/Accounts/AC123/Messages.json");
  assert.equal(first.headers.get("authorization"), `Basic ${btoa("AC123:tw_secret")}`);
  assert.equal(first.headers.get("content-type"), "application/x-www-form-urlencoded");
  const form = new URLSearchParams(first.text);
  assert.equal(form.get("To"), "+15550001111");
  assert.equal(form.get("From"), "+15550009999");
  assert.equal(form.get("Body"), text.text);
  assert.equal(
    form.get("StatusCallback"),
    "https://shelfwatch.example/functions/v1/notify/callbacks/twilio",
  );
  const wa = new URLSearchParams(second.text);
  assert.equal(wa.get("To"), "whatsapp:+15550001111");
  assert.equal(wa.get("From"), "whatsapp:+15550009999");
});

Deno.test("Twilio's 400 (invalid To) is permanent, its 429 (20429) and 5xx retryable", async () => {
  await using twilio = fakeProvider(() =>
    Response.json({ code: 21211, message: "Invalid 'To' Phone Number", status: 400 }, {
      status: 400,
    })
  );
  const sms = createSmsChannel({
    accountSid: "AC1",
    authToken: "t",
    from: "+15550009999",
    publicUrl: "https://x.test",
    baseUrl: twilio.url,
  });
  const message = { ...ids, channel: "sms" as const, to: "+1555", text: "x" };
  const bad = await sms.send(message);
  assert.deepEqual(!bad.ok && [bad.retryable, bad.reason], [false, "invalid_destination"]);
  twilio.respond(() => Response.json({ code: 20429, status: 429 }, { status: 429 }));
  const limited = await sms.send(message);
  assert.deepEqual(!limited.ok && [limited.retryable, limited.reason], [true, "rate_limited"]);
  twilio.respond(() => new Response("oops", { status: 500 }));
  const down = await sms.send(message);
  assert.deepEqual(!down.ok && [down.retryable, down.reason], [true, "provider_error"]);
});

Deno.test("Slack gets blocks as JSON; an archived channel (410) is a permanent failure", async () => {
  await using slack = fakeProvider(() => new Response("ok"));
  const channel = createSlackChannel();
  const url = `${slack.url}/services/T000/B000/XXXX`;
  const body = { text: "[HIGH] Low stock", blocks: [{ type: "section" }] };
  assert.deepEqual(await channel.send({ ...ids, channel: "slack", url, body }), {
    ok: true,
    providerId: null,
  });
  const [request] = slack.requests;
  assert.equal(request.path, "/services/T000/B000/XXXX");
  assert.deepEqual(JSON.parse(request.text), body);
  assert.equal(request.headers.get("x-shelfwatch-idempotency-key"), ids.idempotencyKey);
  slack.respond(() => new Response("channel_is_archived", { status: 410 }));
  const gone = await channel.send({ ...ids, channel: "slack", url, body });
  assert.deepEqual(!gone.ok && [gone.retryable, gone.reason], [false, "invalid_destination"]);
  slack.respond(() =>
    new Response("rate limited", { status: 429, headers: { "retry-after": "30" } })
  );
  const limited = await channel.send({ ...ids, channel: "slack", url, body });
  assert.equal(!limited.ok && limited.retryAfterMs, 30_000);
});

Deno.test("Discord gets embeds with ?wait=true; its 429 body's retry_after is honoured", async () => {
  await using discord = fakeProvider(() => Response.json({ id: "msg_9" }));
  const channel = createDiscordChannel();
  const url = `${discord.url}/api/webhooks/123/tok`;
  const body = { content: "x", embeds: [{ title: "t", color: 0xe01e5a }] };
  assert.deepEqual(await channel.send({ ...ids, channel: "discord", url, body }), {
    ok: true,
    providerId: "msg_9",
  });
  assert.equal(discord.requests[0].path, "/api/webhooks/123/tok");
  assert.equal(discord.requests[0].search, "?wait=true");
  discord.respond(() =>
    Response.json({ message: "You are being rate limited.", retry_after: 1.5, global: false }, {
      status: 429,
    })
  );
  const limited = await channel.send({ ...ids, channel: "discord", url, body });
  assert.equal(!limited.ok && limited.retryAfterMs, 1500);
  discord.respond(() =>
    Response.json({ code: 10015, message: "Unknown Webhook" }, { status: 404 })
  );
  const gone = await channel.send({ ...ids, channel: "discord", url, body });
  assert.deepEqual(!gone.ok && [gone.retryable, gone.reason], [false, "invalid_destination"]);
});

Deno.test("a generic webhook is signed over timestamp.body with the tenant's secret, and the signature verifies", async () => {
  await using receiver = fakeProvider(() => new Response(null, { status: 204 }));
  const clock = 1_790_000_000_000;
  const channel = createWebhookChannel({ now: () => clock });
  const body = { type: "alert.created", alert: { id: "a1" } };
  const result = await channel.send({
    ...ids,
    channel: "webhook",
    url: `${receiver.url}/hooks/shelfwatch`,
    body,
    secret: "whsecret-of-the-tenant-0123456789",
  });
  assert.equal(result.ok, true);
  const [request] = receiver.requests;
  assert.equal(request.headers.get("idempotency-key"), ids.idempotencyKey);
  const header = request.headers.get("shelfwatch-signature")!;
  const [, t, v1] = header.match(/^t=(\d+),v1=([0-9a-f]{64})$/)!;
  assert.equal(Number(t), clock / 1000);
  // As the README tells receivers to verify it: HMAC over `${t}.${rawBody}`.
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode("whsecret-of-the-tenant-0123456789"),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const mac = Uint8Array.from(v1.match(/../g)!, (h) => parseInt(h, 16));
  assert.ok(
    await crypto.subtle.verify("HMAC", key, mac, new TextEncoder().encode(`${t}.${request.text}`)),
  );
  assert.notEqual(
    await signWebhook("another-secret-xxxxxxxxxxxxxxxxxxxx", Number(t), request.text),
    header,
  );
});

/** A browser's push subscription keys, as `PushManager.subscribe()` makes them. */
function browserKeys() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    ecdh,
    auth,
    keys: { p256dh: ecdh.getPublicKey("base64url"), auth: auth.toString("base64url") },
  };
}

Deno.test("web push is encrypted for the browser (aes128gcm) and signed with a VAPID JWT for the push service", async () => {
  await using pushService = fakeProvider(() => new Response(null, { status: 201 }));
  const vapid = webpush.generateVAPIDKeys();
  const browser = browserKeys();
  const subscription: PushTarget = {
    endpoint: "https://push.example.test/send/abc123",
    keys: browser.keys,
  };
  const channel = createPushChannel({
    vapidPublicKey: vapid.publicKey,
    vapidPrivateKey: vapid.privateKey,
    vapidSubject: "mailto:ops@bakery.test",
    baseUrl: pushService.url,
  });
  const payload = {
    title: "[CRITICAL] Out of flour",
    body: "Main St — about $900 at risk",
    url: "https://shelfwatch.example/?alert=a1",
    tag: "alert-a1",
    alert_id: "a1",
    severity: "critical" as const,
  };
  const result = await channel.send({
    ...ids,
    channel: "push",
    subscriptions: [subscription],
    payload,
    urgency: "high",
    topic: "0123456789abcdef0123456789abcdef",
    ttlSeconds: 3600,
  });
  assert.equal(result.ok, true);

  const [request] = pushService.requests;
  assert.equal(request.method, "POST");
  assert.equal(request.path, "/send/abc123");
  assert.equal(request.headers.get("content-encoding"), "aes128gcm");
  assert.equal(request.headers.get("ttl"), "3600");
  assert.equal(request.headers.get("urgency"), "high");
  assert.equal(request.headers.get("topic"), "0123456789abcdef0123456789abcdef");
  const decrypted = ece.decrypt(Buffer.from(request.body), {
    version: "aes128gcm",
    privateKey: browser.ecdh,
    authSecret: browser.auth.toString("base64url"),
  });
  assert.deepEqual(JSON.parse(decrypted.toString("utf8")), payload);

  const authorization = request.headers.get("authorization")!;
  const [, token, k] = authorization.match(/^vapid t=([^,]+), k=(.+)$/)!;
  assert.equal(k, vapid.publicKey);
  const raw = Buffer.from(vapid.publicKey, "base64url");
  const key = await importJWK({
    kty: "EC",
    crv: "P-256",
    x: raw.subarray(1, 33).toString("base64url"),
    y: raw.subarray(33, 65).toString("base64url"),
  }, "ES256");
  const { payload: claims } = await jwtVerify(token, key, { algorithms: ["ES256"] });
  assert.equal(claims.aud, "https://push.example.test");
  assert.equal(claims.sub, "mailto:ops@bakery.test");
  assert.ok((claims.exp as number) <= Date.now() / 1000 + 24 * 3600);
});

Deno.test("a push subscription the push service calls gone (410) is reported and the send fails for good", async () => {
  await using pushService = fakeProvider(() => new Response(null, { status: 410 }));
  const vapid = webpush.generateVAPIDKeys();
  const gone: PushTarget[] = [];
  const channel = createPushChannel({
    vapidPublicKey: vapid.publicKey,
    vapidPrivateKey: vapid.privateKey,
    vapidSubject: "mailto:ops@bakery.test",
    baseUrl: pushService.url,
    onGone: (subscription) => {
      gone.push(subscription);
    },
  });
  const subscription = {
    id: "sub-1",
    endpoint: "https://push.example.test/x",
    keys: browserKeys().keys,
  };
  const result = await channel.send({
    ...ids,
    channel: "push",
    subscriptions: [subscription],
    payload: { title: "t", body: "b", url: "u", tag: "g", alert_id: null, severity: "low" },
    urgency: "low",
    topic: "abc",
    ttlSeconds: 60,
  });
  assert.deepEqual(!result.ok && [result.retryable, result.reason], [false, "invalid_destination"]);
  assert.deepEqual(gone.map((s) => s.id), ["sub-1"]);
});

Deno.test("a push subscription whose keys cannot be used fails for good and is retired, without a request", async () => {
  await using pushService = fakeProvider(() => new Response(null, { status: 201 }));
  const vapid = webpush.generateVAPIDKeys();
  const gone: string[] = [];
  const channel = createPushChannel({
    vapidPublicKey: vapid.publicKey,
    vapidPrivateKey: vapid.privateKey,
    vapidSubject: "mailto:ops@bakery.test",
    baseUrl: pushService.url,
    onGone: (subscription) => {
      gone.push(subscription.id!);
    },
  });
  const result = await channel.send({
    ...ids,
    channel: "push",
    subscriptions: [{
      id: "bad-keys",
      endpoint: "https://push.example.test/x",
      keys: { p256dh: "dG9vLXNob3J0LWtleS0xMjM0", auth: "c2hvcnQtYXV0aA" },
    }],
    payload: { title: "t", body: "b", url: "u", tag: "g", alert_id: null, severity: "low" },
    urgency: "low",
    topic: "abc",
    ttlSeconds: 60,
  });
  assert.deepEqual(!result.ok && [result.retryable, result.reason], [false, "invalid_destination"]);
  assert.deepEqual(gone, ["bad-keys"]);
  assert.equal(pushService.requests.length, 0);
});

Deno.test("every channel classifies 4xx, 429 with a reset header, 5xx and a timeout the same way", async () => {
  await using provider = fakeProvider();
  const vapid = webpush.generateVAPIDKeys();
  const twilio = {
    accountSid: "AC1",
    authToken: "t",
    from: "+15550009999",
    publicUrl: "https://x.test",
    baseUrl: provider.url,
  };
  const text = { ...ids, to: "+15550001111", text: "x" };
  const cases: [
    string,
    () => Promise<SendResult>,
  ][] = [
    [
      "resend",
      () =>
        createEmailChannel({ resend: { apiKey: "k", from: "a@x.test", baseUrl: provider.url } })
          .send(email, { signal: AbortSignal.timeout(300) }),
    ],
    [
      "sendgrid",
      () =>
        createEmailChannel({ sendgrid: { apiKey: "k", from: "a@x.test", baseUrl: provider.url } })
          .send(email, { signal: AbortSignal.timeout(300) }),
    ],
    [
      "sms",
      () =>
        createSmsChannel(twilio).send({ ...text, channel: "sms" }, {
          signal: AbortSignal.timeout(300),
        }),
    ],
    ["whatsapp", () =>
      createWhatsappChannel(twilio).send({ ...text, channel: "whatsapp" }, {
        signal: AbortSignal.timeout(300),
      })],
    [
      "slack",
      () =>
        createSlackChannel().send(
          { ...ids, channel: "slack", url: `${provider.url}/s`, body: {} },
          {
            signal: AbortSignal.timeout(300),
          },
        ),
    ],
    ["discord", () =>
      createDiscordChannel().send(
        { ...ids, channel: "discord", url: `${provider.url}/d`, body: {} },
        { signal: AbortSignal.timeout(300) },
      )],
    ["webhook", () =>
      createWebhookChannel().send(
        { ...ids, channel: "webhook", url: `${provider.url}/w`, body: {}, secret: "s".repeat(32) },
        { signal: AbortSignal.timeout(300) },
      )],
    ["push", () =>
      createPushChannel({
        vapidPublicKey: vapid.publicKey,
        vapidPrivateKey: vapid.privateKey,
        vapidSubject: "mailto:a@x.test",
        baseUrl: provider.url,
      }).send({
        ...ids,
        channel: "push",
        subscriptions: [{ endpoint: "https://push.example.test/p", keys: browserKeys().keys }],
        payload: { title: "t", body: "b", url: "u", tag: "g", alert_id: null, severity: "low" },
        urgency: "low",
        topic: "abc",
        ttlSeconds: 60,
      }, { signal: AbortSignal.timeout(300) })],
  ];
  const outcomes: [string, () => Response | Promise<Response>, boolean, string, number?][] = [
    ["403", () => new Response("forbidden", { status: 403 }), false, "any"],
    [
      "429",
      () => new Response("slow down", { status: 429, headers: { "retry-after": "9" } }),
      true,
      "rate_limited",
      9000,
    ],
    ["503", () => new Response("down", { status: 503 }), true, "provider_error"],
    [
      "timeout",
      () => new Promise((r) => setTimeout(() => r(new Response()), 600)),
      true,
      "timeout",
    ],
  ];
  for (const [outcome, answer, retryable, reason, wait] of outcomes) {
    provider.respond(answer);
    for (const [name, send] of cases) {
      const result = await send();
      assert.equal(result.ok, false, `${name} ${outcome}`);
      if (result.ok) continue;
      assert.equal(result.retryable, retryable, `${name} ${outcome} retryable`);
      if (reason !== "any") assert.equal(result.reason, reason, `${name} ${outcome} reason`);
      if (wait !== undefined) assert.equal(result.retryAfterMs, wait, `${name} ${outcome} wait`);
    }
  }
});
