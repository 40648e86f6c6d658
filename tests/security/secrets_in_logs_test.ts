/**
 * @module
 * Secrets absent from logs and errors across the whole stack: one run exercises failures in the
 * alerts API (forged and expired tokens, wrong ingest keys), notify (a provider answering 500
 * and quoting everything it received, forged callbacks, action links used and forged) and the
 * Realtime gateway (refused sockets and joins); then no log line the stack wrote, no answer it
 * gave and no error it recorded holds any secret.
 */

import assert from "node:assert/strict";
import { fakeProvider } from "../notify/_fixture.ts";
import { assertNoSecrets } from "../notify/_secrets.ts";
import { openRawSocket } from "../realtime/_realtime_fixture.ts";
import { OWNER_A, SECRETS, startSecurityWorld, TENANT_A } from "./_security_world.ts";

const WEBHOOK_SECRET_PATH = "/hooks/receiver/webhook-url-secret-token-0123";
const SLACK_SECRET_PATH = "/services/T0SEC/B0SEC/slacksecrettoken0123456789";

Deno.test("no secret reaches a log line, an answer or a recorded error, whatever fails", async () => {
  // a provider that answers 500 quoting the request back, as a careless one might
  await using provider = fakeProvider((r) =>
    Response.json({ path: r.path + r.search, headers: [...r.headers], body: r.text }, {
      status: 500,
    })
  );
  await using world = await startSecurityWorld({
    notify: {
      resendApiKey: SECRETS.resendApiKey,
      resendBaseUrl: provider.url,
      twilioAccountSid: "AC0000security",
      twilioSmsFrom: "+15550009999",
      twilioBaseUrl: provider.url,
    },
  });
  const sql = world.stack.db.sql;
  const answers: string[] = [];
  const keep = async (res: Response) => {
    answers.push(`${res.status} ${[...res.headers].join(";")} ${await res.text()}`);
    return res;
  };
  const userToken = await world.stack.tokenFor({ tenantId: TENANT_A, userId: OWNER_A });
  const serviceKey = await world.stack.serviceToken();

  // alerts API: forged, expired and wrong tokens; an ingest key used right and wrong
  await keep(await world.call(`${userToken}x`, "/alerts"));
  await keep(
    await world.call(
      await world.stack.tokenFor({ tenantId: TENANT_A, userId: OWNER_A, expiresInSeconds: -60 }),
      "/alerts",
    ),
  );
  await keep(await world.call(serviceKey, "/alerts")); // a service caller naming no tenant
  const created = await (await world.call("A", "/alerts/ingest-keys", { body: { name: "POS" } }))
    .json();
  const ingestKey: string = created.key;
  assert.match(ingestKey, /^swk_/);
  const event = { source: "pos", event_type: "inventory.low_stock", payload: { on_hand: 1 } };
  for (const key of [ingestKey, `${ingestKey}x`, ingestKey.slice(0, -2)]) {
    await keep(
      await world.call(null, "/alerts/events", { body: event, headers: { "x-ingest-key": key } }),
    );
  }

  // notify: a critical alert to email (Resend), SMS (Twilio) and two tenant webhooks, all failing
  await sql`delete from public.alert_suppressions where tenant_id = ${TENANT_A}`;
  await sql`update public.tenant_members set sms_consent = true, phone_verified_at = now()
            where user_id = ${OWNER_A}`;
  await sql`update public.tenants set settings = coalesce(settings, '{}') || ${
    sql.json({
      notifications: {
        webhooks: [
          { channel: "webhook", url: `https://receiver.test${WEBHOOK_SECRET_PATH}` },
          { channel: "slack", url: `https://hooks.slack.test${SLACK_SECRET_PATH}` },
        ],
      },
    })
  }
            where id = ${TENANT_A}`;
  await sql`select public.raise_alert(tenant_id => ${TENANT_A}::uuid,
              alert_type => 'inventory.low_stock', severity => 'critical', title => 'Leak check',
              dedup_key => 'leak-check')`;
  await sql`update public.deliveries
            set destination = regexp_replace(destination, '^https://[^/]+', ${provider.url})
            where tenant_id = ${TENANT_A} and destination is not null`;
  await keep(await world.call(serviceKey, "/notify/dispatch", { body: {} }));
  await keep(await world.call(userToken, "/notify/dispatch", { body: {} }));
  const reached = provider.requests.map((r) => r.path);
  for (const path of ["/emails", WEBHOOK_SECRET_PATH, SLACK_SECRET_PATH]) {
    assert.ok(reached.some((p) => p.endsWith(path)), `${path} not reached: ${reached}`);
  }
  const email = provider.requests.find((r) => r.path.includes("emails"));
  assert.ok(email, "the email went to Resend");
  const actionToken = email.text.match(/\/notify\/actions\/([A-Za-z0-9_.-]+)/)?.[1];
  assert.ok(actionToken, "the email carries an action link");

  // action links: shown, used, forged
  await keep(await world.call(null, `/notify/actions/${actionToken}`));
  await keep(await world.call(null, `/notify/actions/${actionToken}`, { method: "POST" }));
  await keep(await world.call(null, `/notify/actions/${actionToken}x`, { method: "POST" }));
  // forged provider callbacks
  await keep(
    await world.call(null, "/notify/callbacks/twilio", {
      method: "POST",
      body: "MessageSid=SMaseed&MessageStatus=delivered",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": "Zm9yZ2Vk",
      },
    }),
  );
  await keep(await world.call(null, "/notify/callbacks/resend", { method: "POST", body: "{}" }));

  // Realtime: a socket with a forged key, a join with an expired token, a good socket
  await openRawSocket(world.stack.url, { vsn: "2.0.0", apikey: `${userToken}x` }).then(
    (s) => s.close(),
    () => {},
  );
  const socket = await openRawSocket(world.stack.url, { vsn: "2.0.0", apikey: await world.anon() });
  socket.send(["1", "1", `realtime:tenant:${TENANT_A}:alerts`, "phx_join", {
    config: { private: true },
    access_token: userToken.split(".").slice(0, 2).join(".") + ".forged",
  }]);
  await socket.next((f) => Array.isArray(f) && f[3] === "phx_reply", "the join reply");
  answers.push(JSON.stringify(socket.frames));
  socket.close();

  const errors = await sql<{ last_error: string }[]>`
    select last_error from public.deliveries where last_error is not null`;
  assert.ok(errors.length >= 3, `recorded errors: ${errors.length}`);
  assert.ok(world.stack.logs.length > 10, "the run wrote logs");
  assertNoSecrets(
    { logs: world.stack.logs, answers, "deliveries.last_error": errors.map((e) => e.last_error) },
    {
      jwtSecret: world.stack.jwtSecret,
      serviceKey,
      userToken,
      // a JWT's signature alone is enough to replay it
      userTokenSignature: userToken.split(".")[2],
      serviceKeySignature: serviceKey.split(".")[2],
      ingestKey,
      resendApiKey: SECRETS.resendApiKey,
      twilioAuthToken: SECRETS.twilioAuthToken,
      twilioBasic: btoa(`AC0000security:${SECRETS.twilioAuthToken}`),
      resendWebhookSecret: SECRETS.resendWebhookSecret,
      actionLinkSecret: SECRETS.actionLink,
      actionLinkToken: actionToken,
      actionLinkSignature: actionToken.split(".")[2],
      webhookUrl: WEBHOOK_SECRET_PATH,
      slackUrl: SLACK_SECRET_PATH,
      databaseUrl: world.stack.db.url,
    },
  );
});
