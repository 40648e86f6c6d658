/**
 * @module
 * No channel leaks its secret: every provider is configured with secrets and answers with an
 * error that quotes everything it received (URL, headers, body), or cannot be reached at all; the
 * dispatcher's logs, the recorded errors and the `/dispatch` answer must hold none of them.
 */

import assert from "node:assert/strict";
import { createECDH, randomBytes } from "node:crypto";
import webpush from "web-push";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createDispatcher } from "../../functions/notify/dispatcher.ts";
import { createTestDatabase } from "../_support/database.ts";
import { addMember, createTenant, fakeProvider, notifyConfig, raiseAlert } from "./_fixture.ts";
import { assertNoSecrets } from "./_secrets.ts";

Deno.test("no channel's secret reaches a log line or a recorded error, whatever the provider answers", async () => {
  await using db = await createTestDatabase();
  // Answers 500, then 400, quoting the request back, as a careless provider might.
  const echo =
    (status: number) => (r: { path: string; search: string; headers: Headers; text: string }) =>
      Response.json({ path: r.path + r.search, headers: [...r.headers], body: r.text }, { status });
  await using provider = fakeProvider(echo(500));
  const vapid = webpush.generateVAPIDKeys();
  const secrets = {
    resend: "re_live_secret_123456",
    sendgrid: "SG.live_secret_abcdef",
    twilio: "twilio_token_secret_987",
    vapid: vapid.privateKey,
    slack: "/services/T0SECRET/B0SECRET/xoxsecrettoken",
    discord: "/api/webhooks/123/discordsecrettoken",
    webhook: "/hooks/receiver?token=webhooksecrettoken",
    unreachable: "/services/TDOWN/BDOWN/unreachablesecret",
  };
  const tenantId = await createTenant(db.sql, {
    settings: {
      notifications: {
        webhooks: [
          { channel: "slack", url: `https://hooks.slack.test${secrets.slack}` },
          { channel: "discord", url: `https://discord.test${secrets.discord}` },
          { channel: "webhook", url: `https://receiver.test${secrets.webhook}` },
          { channel: "slack", url: `https://down.test${secrets.unreachable}` },
        ],
      },
    },
  });
  const userId = await addMember(db.sql, tenantId, {
    email: "owner@bakery.test",
    phone: "+15550001111",
    whatsapp: "+15550002222",
    push: true,
  });
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  await db.sql`
    insert into public.push_subscriptions (tenant_id, user_id, endpoint, p256dh, auth)
    values (${tenantId}, ${userId}, 'https://push.test/send/pushsecretendpoint',
            ${ecdh.getPublicKey("base64url")}, ${randomBytes(16).toString("base64url")})`;
  await raiseAlert(db.sql, tenantId, { severity: "critical" });
  // Point every tenant destination at the echoing fake (or at a closed port), keeping the secret paths.
  await db.sql`
    update public.deliveries
    set destination = case when destination like 'https://down.test%'
                           then replace(destination, 'https://down.test', 'http://127.0.0.1:9')
                           else regexp_replace(destination, '^https://[^/]+', ${provider.url}) end
    where tenant_id = ${tenantId} and destination is not null`;

  const logs: string[] = [];
  const dispatcher = createDispatcher({
    sql: db.sql,
    logger: createLogger("notify", (line) => logs.push(line)),
    actionLinkSecret: "action-link-secret-0123456789-0123456789",
    config: notifyConfig({
      resendApiKey: secrets.resend,
      sendgridApiKey: secrets.sendgrid,
      resendBaseUrl: provider.url,
      sendgridBaseUrl: provider.url,
      twilioAccountSid: "AC0123",
      twilioAuthToken: secrets.twilio,
      twilioSmsFrom: "+15550009999",
      twilioWhatsappFrom: "+15550009998",
      twilioBaseUrl: provider.url,
      vapidPublicKey: vapid.publicKey,
      vapidPrivateKey: vapid.privateKey,
      webPushBaseUrl: provider.url,
    }),
  });

  const first = await dispatcher.dispatch();
  provider.respond(echo(400));
  await db.sql`update public.deliveries set due_at = now() where tenant_id = ${tenantId}`;
  const second = await dispatcher.dispatch();

  assert.equal(first.claimed, 8, "email, sms, whatsapp, push and four destinations");
  assert.ok(
    provider.requests.length >= 14,
    `the echoing provider was reached: ${provider.requests.length} ${
      JSON.stringify([first, second])
    }`,
  );
  const errors = await db.sql<{ last_error: string }[]>`
    select last_error from public.deliveries where tenant_id = ${tenantId} and last_error is not null`;
  assert.ok(errors.length >= 7);
  assertNoSecrets(
    {
      logs,
      "deliveries.last_error": errors.map((e) => e.last_error),
      "the dispatch summary": [JSON.stringify([first, second])],
    },
    {
      ...secrets,
      twilioBasic: btoa(`AC0123:${secrets.twilio}`),
      push: "pushsecretendpoint",
      actionLinks: "action-link-secret-0123456789-0123456789",
    },
  );
});
