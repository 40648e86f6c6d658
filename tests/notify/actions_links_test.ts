import assert from "node:assert/strict";
import { type ActionLink, signActionLinkToken } from "../../functions/notify/action_link_token.ts";
import {
  assertNoSecrets,
  type MemberWorld,
  OTHER_TENANT,
  SECRETS,
  TENANT,
  USERS,
  withMemberWorld,
} from "./_member_world.ts";

function link(world: MemberWorld, fields: Partial<ActionLink> & { alertId: string }) {
  return signActionLinkToken(
    { tenantId: TENANT, memberId: USERS.manager, action: "acknowledge", ...fields },
    { secret: SECRETS.actionLink, now: () => world.clock.now, ttlSeconds: 3600 },
  );
}

async function alertState(world: MemberWorld, id: string) {
  const [row] = await world.db.sql<
    { status: string; acknowledged_by: string | null; snoozed_until: Date | null }[]
  >`select status, acknowledged_by, snoozed_until from public.alerts where id = ${id}`;
  const [{ transitions }] = await world.db.sql<{ transitions: number }[]>`
    select count(*)::int as transitions from public.alert_history
    where alert_id = ${id} and to_status is distinct from from_status and from_status is not null`;
  return { ...row, transitions };
}

async function usedLinks(world: MemberWorld): Promise<number> {
  const [{ n }] = await world.db.sql<{ n: number }[]>`
    select count(*)::int as n from public.action_link_uses`;
  return n;
}

const HTML = { accept: "text/html,application/xhtml+xml" };

Deno.test("GET on an action link shows a confirmation page and changes nothing", () =>
  withMemberWorld(async (world) => {
    const alertId = await world.raise({ title: "Flour <low> at Main St", severity: "critical" });
    const before = await alertState(world, alertId);
    const token = await link(world, { alertId });
    for (let i = 0; i < 3; i++) {
      const res = await world.app.request(`/notify/actions/${token}`, { headers: HTML });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.equal(res.headers.get("referrer-policy"), "no-referrer");
      const page = await res.text();
      assert.match(page, /Flour &lt;low&gt; at Main St/);
      assert.match(page, /critical/);
      assert.match(page, /<form method="post"><button type="submit">Acknowledge<\/button>/);
    }
    const json = await world.app.request(`/notify/actions/${token}`);
    assert.equal(json.status, 200);
    const body = await json.json();
    assert.deepEqual([body.action, body.status, body.used_at], ["acknowledge", "active", null]);
    assert.deepEqual(await alertState(world, alertId), before);
    assert.equal(await usedLinks(world), 0);
  }));

Deno.test("POST on an action link acknowledges once as its member; a second POST changes nothing", () =>
  withMemberWorld(async (world) => {
    const alertId = await world.raise();
    const token = await link(world, { alertId });
    const first = await world.app.request(`/notify/actions/${token}`, { method: "POST" });
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), {
      alert_id: alertId,
      action: "acknowledge",
      status: "acknowledged",
    });
    const after = await alertState(world, alertId);
    assert.equal(after.status, "acknowledged");
    assert.equal(after.acknowledged_by, USERS.manager);
    assert.equal(after.transitions, 1);

    const second = await world.app.request(`/notify/actions/${token}`, { method: "POST" });
    assert.equal(second.status, 409);
    assert.equal((await second.json()).error.code, "link_already_used");
    assert.deepEqual(await alertState(world, alertId), after);

    // The GET page now says the link was used and offers no button.
    const page = await (await world.app.request(`/notify/actions/${token}`, { headers: HTML }))
      .text();
    assert.match(page, /already used/);
    assert.doesNotMatch(page, /<form/);
    assert.ok(!world.logs.some((line) => line.includes(token)), "the link token is not logged");
  }));

Deno.test("the confirmation form's POST answers browsers with an HTML page", () =>
  withMemberWorld(async (world) => {
    const alertId = await world.raise({ title: "Milk" });
    const token = await link(world, { alertId, action: "resolve" });
    const res = await world.app.request(`/notify/actions/${token}`, {
      method: "POST",
      headers: { ...HTML, "content-type": "application/x-www-form-urlencoded" },
      body: "",
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await res.text(), /Alert resolved/);
    assert.equal((await alertState(world, alertId)).status, "resolved");

    const again = await world.app.request(`/notify/actions/${token}`, {
      method: "POST",
      headers: { ...HTML, "content-type": "application/x-www-form-urlencoded" },
      body: "",
    });
    assert.equal(again.status, 409);
    assert.match(await again.text(), /already used/);
  }));

Deno.test("a snooze link snoozes for the minutes it names", () =>
  withMemberWorld(async (world) => {
    const alertId = await world.raise();
    const token = await link(world, { alertId, action: "snooze", snoozeMinutes: 30 });
    const res = await world.app.request(`/notify/actions/${token}`, { method: "POST" });
    assert.equal(res.status, 200);
    const state = await alertState(world, alertId);
    assert.equal(state.status, "snoozed");
    // Snoozed until 30 minutes after the transition (both in the action's transaction).
    const [{ minutes }] = await world.db.sql<{ minutes: number }[]>`
      select extract(epoch from a.snoozed_until - h.created_at)::int / 60 as minutes
      from public.alerts as a join public.alert_history as h on h.alert_id = a.id
      where a.id = ${alertId} and h.to_status = 'snoozed'`;
    assert.equal(minutes, 30);
  }));

Deno.test("an expired action link is refused on GET and POST and changes nothing", () =>
  withMemberWorld(async (world) => {
    const alertId = await world.raise();
    const token = await link(world, { alertId });
    world.clock.now += 3601_000;
    const get = await world.app.request(`/notify/actions/${token}`, { headers: HTML });
    assert.equal(get.status, 410);
    assert.match(await get.text(), /expired/);
    const post = await world.app.request(`/notify/actions/${token}`, { method: "POST" });
    assert.equal(post.status, 410);
    assert.equal((await post.json()).error.code, "link_expired");
    assert.equal((await alertState(world, alertId)).status, "active");
    assert.equal(await usedLinks(world), 0);
  }));

Deno.test("a forged action link is refused with 401 and changes nothing", () =>
  withMemberWorld(async (world) => {
    const alertId = await world.raise();
    const forged = await signActionLinkToken(
      { tenantId: TENANT, memberId: USERS.manager, action: "resolve", alertId },
      { secret: "an-attackers-own-secret-".padEnd(40, "x") },
    );
    const res = await world.app.request(`/notify/actions/${forged}`, { method: "POST" });
    assert.equal(res.status, 401);
    const body = await res.json();
    assert.equal(body.error.code, "link_invalid");
    assert.equal((await alertState(world, alertId)).status, "active");
    assertNoSecrets([JSON.stringify(body), ...world.logs]);
  }));

Deno.test("a link naming another tenant's alert is refused and leaves that alert alone", () =>
  withMemberWorld(async (world) => {
    const theirs = await world.raise({ tenantId: OTHER_TENANT });
    const token = await link(world, { alertId: theirs });
    const get = await world.app.request(`/notify/actions/${token}`);
    assert.equal(get.status, 404);
    const post = await world.app.request(`/notify/actions/${token}`, { method: "POST" });
    assert.equal(post.status, 404);
    assert.equal((await post.json()).error.code, "not_found");
    assert.equal((await alertState(world, theirs)).status, "active");
    assert.equal(await usedLinks(world), 0, "a refused action does not use up the link");
  }));

Deno.test("a viewer's acknowledge link is refused by SQL's role check", () =>
  withMemberWorld(async (world) => {
    const alertId = await world.raise();
    const token = await link(world, { alertId, memberId: USERS.viewer });
    const res = await world.app.request(`/notify/actions/${token}`, { method: "POST" });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error.code, "forbidden");
    assert.equal((await alertState(world, alertId)).status, "active");

    // Staff may acknowledge but not resolve.
    const resolve = await link(world, { alertId, memberId: USERS.staff, action: "resolve" });
    const refused = await world.app.request(`/notify/actions/${resolve}`, { method: "POST" });
    assert.equal(refused.status, 403);
    const ack = await link(world, { alertId, memberId: USERS.staff });
    assert.equal(
      (await world.app.request(`/notify/actions/${ack}`, { method: "POST" })).status,
      200,
    );
  }));

Deno.test("acknowledging an alert that is already resolved answers 409 and keeps the link usable", () =>
  withMemberWorld(async (world) => {
    const alertId = await world.raise();
    await world.db.sql`select public.resolve_alert(${alertId}::uuid, 'fixed')`;
    const token = await link(world, { alertId });
    const res = await world.app.request(`/notify/actions/${token}`, { method: "POST" });
    assert.equal(res.status, 409);
    assert.equal((await res.json()).error.code, "invalid_transition");
    assert.equal(await usedLinks(world), 0);
  }));

Deno.test("the acknowledge link in a dispatched alert email acknowledges the alert as its recipient", () =>
  withMemberWorld(async (world) => {
    await world.db.sql`update public.tenant_members set email = 'mia@example.com'
                       where user_id = ${USERS.manager}`;
    const alertId = await world.raise({ title: "Croissants", severity: "high" });
    await world.dispatch();
    const [mail] = await world.db.sql<{ body_text: string }[]>`
      select body_text from public.inbox_messages
      where channel = 'email' and recipient = 'mia@example.com'`;
    assert.ok(mail, "the email reached the local inbox");
    const url = mail.body_text.match(/Acknowledge: (\S+)/)?.[1];
    assert.ok(url, mail.body_text);
    const path = new URL(url).pathname.replace(/^\/functions\/v1/, "");
    assert.equal((await world.app.request(path)).status, 200);
    assert.equal((await alertState(world, alertId)).status, "active", "GET changed nothing");
    const res = await world.app.request(path, { method: "POST" });
    assert.equal(res.status, 200);
    const state = await alertState(world, alertId);
    assert.deepEqual([state.status, state.acknowledged_by], ["acknowledged", USERS.manager]);
  }));

Deno.test("two simultaneous POSTs of one link act once: one succeeds, the other is told it was used", () =>
  withMemberWorld(async (world) => {
    const alertId = await world.raise();
    const token = await link(world, { alertId, action: "resolve" });
    const answers = await Promise.all(
      [0, 1].map(() => world.app.request(`/notify/actions/${token}`, { method: "POST" })),
    );
    const bodies = await Promise.all(answers.map((res) => res.json()));
    const outcomes = answers.map((res, i) => `${res.status} ${bodies[i].error?.code ?? "ok"}`);
    assert.deepEqual(outcomes.sort(), ["200 ok", "409 link_already_used"]);
    const [{ resolutions }] = await world.db.sql<{ resolutions: number }[]>`
      select count(*)::int as resolutions from public.alert_history
      where alert_id = ${alertId} and to_status = 'resolved'`;
    assert.equal(resolutions, 1);
  }));
