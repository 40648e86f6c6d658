import assert from "node:assert/strict";
import { startTestStack } from "../_support/stack.ts";
import { alertCode } from "../../functions/notify/alert_code.ts";
import { buildActionLinkUrl } from "../../functions/notify/action_link_token.ts";
import { defaultNotifyConfig } from "../../functions/notify/notify_config.ts";
import { twilioSignature } from "../../functions/notify/twilio_signature.ts";

// Providers call the public URL; a proxy in front of the gateway forwards to it. The signature
// covers the public URL, so requests to the gateway must be checked against PUBLIC_URL.
const PUBLIC_URL = "https://alerts.example.com";
const TWILIO_AUTH_TOKEN = "stack-twilio-auth-token-0123456789";
const ACTION_LINK_SECRET = "stack-action-link-secret-".padEnd(48, "s");
const TENANT = "a0000000-0000-4000-8000-0000000000aa";
const MANAGER = "a1000000-0000-4000-8000-0000000000aa";
const PHONE = "+15550001234";

Deno.test("through the gateway: Twilio callbacks and replies are signature-checked and action links act once", async () => {
  await using stack = await startTestStack({
    notify: {
      ...defaultNotifyConfig(),
      publicUrl: PUBLIC_URL,
      twilioAuthToken: TWILIO_AUTH_TOKEN,
      actionLinkSecret: ACTION_LINK_SECRET,
    },
    dispatchWorker: false,
  });
  const sql = stack.db.sql;
  await sql`insert into public.tenants (id, name) values (${TENANT}, 'Gateway bakery')`;
  await sql`insert into public.tenant_members (tenant_id, user_id, role, phone, sms_consent)
            values (${TENANT}, ${MANAGER}, 'manager', ${PHONE}, true)`;
  await sql`update public.tenant_members set phone_verified_at = now() where user_id = ${MANAGER}`;
  const [{ id: alertId }] = await sql<{ id: string }[]>`
    select public.raise_alert(tenant_id => ${TENANT}::uuid, alert_type => 'inventory.low_stock',
      severity => 'high', title => 'Sourdough', dedup_key => 'gateway-test') as id`;
  const [{ id: deliveryId }] = await sql<{ id: string }[]>`
    insert into public.deliveries (tenant_id, alert_id, user_id, channel, reason, status, sent_at,
      idempotency_key, provider, provider_message_id)
    values (${TENANT}, ${alertId}, ${MANAGER}, 'sms', 'created', 'sent', now(), 'gateway/1', 'twilio', 'SMgw1')
    returning id`;

  const twilio = (path: string, params: Record<string, string>, token = TWILIO_AUTH_TOKEN) => {
    const form = new URLSearchParams(params);
    return fetch(`${stack.url}/functions/v1/notify/${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": twilioSignature(
          `${PUBLIC_URL}/functions/v1/notify/${path}`,
          form,
          token,
        ),
      },
      body: form,
    });
  };

  const forged = await twilio("callbacks/twilio", {
    MessageSid: "SMgw1",
    MessageStatus: "undelivered",
  }, "not-the-token");
  assert.equal(forged.status, 401);
  assert.equal((await forged.json()).error.code, "invalid_signature");
  const delivered = await twilio("callbacks/twilio", {
    MessageSid: "SMgw1",
    MessageStatus: "delivered",
  });
  assert.equal(delivered.status, 200);
  await delivered.body?.cancel();
  const [row] = await sql<{ provider_status: string }[]>`
    select provider_status from public.deliveries where id = ${deliveryId}`;
  assert.equal(row.provider_status, "delivered");

  const url = await buildActionLinkUrl(
    { tenantId: TENANT, alertId, action: "acknowledge", memberId: MANAGER },
    { publicUrl: PUBLIC_URL, secret: ACTION_LINK_SECRET },
  );
  const local = url.replace(PUBLIC_URL, stack.url);
  const page = await fetch(local, { headers: { accept: "text/html" } });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Sourdough/);
  const first = await fetch(local, { method: "POST" });
  assert.equal(first.status, 200);
  assert.equal((await first.json()).status, "acknowledged");
  const second = await fetch(local, { method: "POST" });
  assert.equal(second.status, 409);
  await second.body?.cancel();

  const reply = await twilio("replies/twilio", {
    From: PHONE,
    Body: `RESOLVE ${alertCode(alertId)}`,
  });
  assert.equal(reply.status, 200);
  assert.match(await reply.text(), /<Message>Resolved /);
  const [alert] = await sql<
    { status: string }[]
  >`select status from public.alerts where id = ${alertId}`;
  assert.equal(alert.status, "resolved");
  assert.ok(!stack.logs.some((line) => line.includes(TWILIO_AUTH_TOKEN)));
});
