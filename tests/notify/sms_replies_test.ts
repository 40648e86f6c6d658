import assert from "node:assert/strict";
import { alertCode } from "../../functions/notify/alert_code.ts";
import { parseSmsCommand } from "../../functions/notify/sms_replies.ts";
import { type MemberWorld, OTHER_TENANT, PHONES, USERS, withMemberWorld } from "./_member_world.ts";

function reply(world: MemberWorld, from: string, body: string, signature?: string) {
  return world.twilioPost("/notify/replies/twilio", {
    From: from,
    To: "+15559990000",
    Body: body,
    MessageSid: `SM${crypto.randomUUID().replaceAll("-", "")}`,
  }, signature);
}

async function message(res: Response): Promise<string> {
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/xml/);
  const xml = await res.text();
  const match = xml.match(/^<\?xml [^>]+\?><Response><Message>(.*)<\/Message><\/Response>$/s);
  assert.ok(match, xml);
  return match[1].replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

async function status(world: MemberWorld, id: string): Promise<string> {
  const [row] = await world.db.sql<{ status: string }[]>`
    select status from public.alerts where id = ${id}`;
  return row.status;
}

async function smsDeliveries(world: MemberWorld, alertId: string, userId: string) {
  return await world.db.sql<{ status: string }[]>`
    select status from public.deliveries
    where alert_id = ${alertId} and user_id = ${userId} and channel = 'sms'`;
}

Deno.test("parseSmsCommand reads ACK/RESOLVE with a code and Twilio's opt-out and opt-in words", () => {
  assert.deepEqual(parseSmsCommand(" ack 3f9a0c "), {
    kind: "action",
    action: "acknowledge",
    code: "3f9a0c",
  });
  assert.deepEqual(parseSmsCommand("Resolve 3F9A0C"), {
    kind: "action",
    action: "resolve",
    code: "3F9A0C",
  });
  for (const word of ["STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT"]) {
    assert.deepEqual(parseSmsCommand(word), { kind: "opt_out" }, word);
  }
  for (const word of ["START", "yes", "Unstop"]) {
    assert.deepEqual(parseSmsCommand(word), { kind: "opt_in" }, word);
  }
  assert.deepEqual(parseSmsCommand("please stop"), { kind: "help" });
  assert.deepEqual(parseSmsCommand("ACK"), { kind: "help" });
});

Deno.test("ACK <code> from a member's verified number acknowledges the alert as that member", () =>
  withMemberWorld(async (world) => {
    const alertId = await world.raise({ title: "Rye bread" });
    const code = alertCode(alertId);
    const text = await message(await reply(world, PHONES.manager, `ack ${code.toLowerCase()}`));
    assert.equal(text, `Acknowledged ${code}: Rye bread`);
    const [row] = await world.db.sql<{ status: string; acknowledged_by: string }[]>`
      select status, acknowledged_by from public.alerts where id = ${alertId}`;
    assert.deepEqual(row, { status: "acknowledged", acknowledged_by: USERS.manager });

    const resolved = await message(await reply(world, PHONES.manager, `RESOLVE ${code}`));
    assert.equal(resolved, `Resolved ${code}: Rye bread`);
    assert.equal(await status(world, alertId), "resolved");
  }));

Deno.test("replies from an unverified number, a viewer or with an unknown code change nothing", () =>
  withMemberWorld(async (world) => {
    const alertId = await world.raise();
    const code = alertCode(alertId);
    assert.match(await message(await reply(world, PHONES.staff, `ACK ${code}`)), /not verified/);
    assert.match(
      await message(await reply(world, "+15551112222", `ACK ${code}`)),
      /not verified/,
    );
    assert.match(
      await message(await reply(world, PHONES.viewer, `ACK ${code}`)),
      new RegExp(`Could not acknowledge ${code}: .*role`),
    );
    const unknown = code === "000000" ? "111111" : "000000";
    assert.match(
      await message(await reply(world, PHONES.manager, `ACK ${unknown}`)),
      /No alert with code/,
    );
    assert.match(await message(await reply(world, PHONES.manager, "hello")), /reply ACK <code>/);
    assert.equal(await status(world, alertId), "active");
  }));

Deno.test("a code of another tenant's alert is not found from this tenant's member", () =>
  withMemberWorld(async (world) => {
    const theirs = await world.raise({ tenantId: OTHER_TENANT });
    assert.match(
      await message(await reply(world, PHONES.manager, `ACK ${alertCode(theirs)}`)),
      /No alert with code/,
    );
    assert.equal(await status(world, theirs), "active");
  }));

Deno.test("a reply with a forged or missing Twilio signature is refused with 401 and changes nothing", () =>
  withMemberWorld(async (world) => {
    const alertId = await world.raise();
    const forged = await reply(world, PHONES.manager, `ACK ${alertCode(alertId)}`, "Zm9yZ2Vk");
    assert.equal(forged.status, 401);
    assert.equal((await forged.json()).error.code, "invalid_signature");
    const stop = await reply(world, PHONES.manager, "STOP", "Zm9yZ2Vk");
    assert.equal(stop.status, 401);
    assert.equal(await status(world, alertId), "active");
    const [{ sms_consent }] = await world.db.sql<{ sms_consent: boolean }[]>`
      select sms_consent from public.tenant_members where user_id = ${USERS.manager}`;
    assert.equal(sms_consent, true);
  }));

Deno.test("STOP makes routing write no SMS for that number and cancels pending ones; START restores", () =>
  withMemberWorld(async (world) => {
    const before = await world.raise({ severity: "critical" });
    assert.equal((await smsDeliveries(world, before, USERS.manager)).length, 1);
    await world.db.sql`update public.deliveries set status = 'pending' where alert_id = ${before}`;

    assert.match(await message(await reply(world, PHONES.manager, "stop")), /no more/);
    const cancelled = await smsDeliveries(world, before, USERS.manager);
    assert.deepEqual(cancelled.map((d) => d.status), ["cancelled"]);
    const during = await world.raise({ severity: "critical" });
    assert.equal((await smsDeliveries(world, during, USERS.manager)).length, 0);
    // Email and other members are not affected.
    const [{ others }] = await world.db.sql<{ others: number }[]>`
      select count(*)::int as others from public.deliveries
      where alert_id = ${during} and channel = 'sms'`;
    assert.equal(others, 0, "the viewer gets no SMS by default (viewers have the dashboard)");

    assert.match(await message(await reply(world, PHONES.manager, "START")), /on again/);
    const after = await world.raise({ severity: "critical" });
    assert.equal((await smsDeliveries(world, after, USERS.manager)).length, 1);
  }));

Deno.test("START from an unverified number does not give consent", () =>
  withMemberWorld(async (world) => {
    await world.db.sql`update public.tenant_members set sms_consent = false
                       where user_id = ${USERS.staff}`;
    assert.match(await message(await reply(world, PHONES.staff, "START")), /not verified/);
    const [{ sms_consent }] = await world.db.sql<{ sms_consent: boolean }[]>`
      select sms_consent from public.tenant_members where user_id = ${USERS.staff}`;
    assert.equal(sms_consent, false);
  }));

Deno.test("WhatsApp replies act for the member whose verified WhatsApp number sent them", () =>
  withMemberWorld(async (world) => {
    // A changed number loses its verification (trigger), so verify in a second statement.
    await world.db.sql`update public.tenant_members set whatsapp = '+15550000022'
                       where user_id = ${USERS.manager}`;
    await world.db.sql`update public.tenant_members set whatsapp_verified_at = now()
                       where user_id = ${USERS.manager}`;
    const alertId = await world.raise();
    const text = await message(
      await reply(world, "whatsapp:+15550000022", `ACK ${alertCode(alertId)}`),
    );
    assert.match(text, /^Acknowledged/);
    assert.equal(await status(world, alertId), "acknowledged");
  }));

Deno.test("replying with the code from a dispatched alert SMS acknowledges that alert", () =>
  withMemberWorld(async (world) => {
    const alertId = await world.raise({ title: "Baguettes", severity: "critical" });
    await world.dispatch();
    const sms = (await world.texts()).find((t) => t.recipient === PHONES.manager);
    assert.ok(sms, "the SMS reached the local inbox");
    const code = sms.body_text.match(/ACK ([0-9A-F]{6})/)?.[1];
    assert.equal(code, alertCode(alertId), sms.body_text);
    assert.match(await message(await reply(world, PHONES.manager, `ACK ${code}`)), /^Acknowledged/);
    assert.equal(await status(world, alertId), "acknowledged");
  }));

Deno.test("a number two members of a tenant share acts as the higher role of them", () =>
  withMemberWorld(async (world) => {
    await world.db.sql`update public.tenant_members set phone = ${PHONES.manager}
                       where user_id = ${USERS.staff}`;
    await world.db.sql`update public.tenant_members set phone_verified_at = now()
                       where user_id = ${USERS.staff}`;
    const alertId = await world.raise();
    const text = await message(await reply(world, PHONES.manager, `RESOLVE ${alertCode(alertId)}`));
    assert.match(text, /^Resolved/);
    const [row] = await world.db.sql<{ resolved_by: string }[]>`
      select resolved_by from public.alerts where id = ${alertId}`;
    assert.equal(row.resolved_by, USERS.manager);
  }));
