/**
 * @module
 * Hostile input through the real stack: SQL injection through list filters, cursors, rule
 * conditions, templates and event payloads; template injection through event payloads; and
 * markup in alert titles, which the email (local inbox), the inbox page and the action-link page
 * must show as text; Slack control sequences in alert text.
 */

import assert from "node:assert/strict";
import { fakeProvider } from "../notify/_fixture.ts";
import { OWNER_A, PUBLIC_URL, startSecurityWorld, TENANT_A } from "./_security_world.ts";

const SQL_PAYLOADS = [
  "' or 1=1 --",
  "'; drop table public.alerts; --",
  "%' or tenant_id is not null or '%'='",
  "x') union select * from public.tenants --",
  "\\'; select pg_sleep(0); --",
  "$1",
  "%",
  "_",
  "\\",
];

const MARKUP = `<script>alert("x")</script><img src=x onerror=alert(1)>&amp;"'`;

Deno.test("SQL in list filters and cursors: nothing executes, answers are empty or 400, tables intact", async () => {
  await using world = await startSecurityWorld();
  const before = await world.snapshot();
  for (const payload of SQL_PAYLOADS) {
    for (const name of ["q", "store_id", "product_id", "alert_type", "category"]) {
      const path = `/alerts?${name}=${encodeURIComponent(payload)}`;
      const res = await world.call("A", path);
      const body = await res.json();
      if (res.status === 400) {
        assert.equal(body.error.code, "invalid_input", path); // too long for the filter
        continue;
      }
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(body)}`);
      assert.deepEqual(body.data, [], `${path} matched rows: ${JSON.stringify(body.data)}`);
    }
    for (const path of ["/alerts", "/alerts/rules", "/alerts/suppressions"]) {
      const res = await world.call("A", `${path}?cursor=${encodeURIComponent(payload)}`);
      await res.body?.cancel();
      assert.equal(res.status, 400, `${path} with cursor ${payload}`);
    }
    for (const name of ["channel", "before"]) {
      const res = await world.call("A", `/notify/inbox?${name}=${encodeURIComponent(payload)}`);
      await res.body?.cancel();
      assert.equal(res.status, 400, `/notify/inbox ${name}=${payload}`);
    }
    const stock = await world.call("A", `/alerts/stock?store_id=${encodeURIComponent(payload)}`);
    assert.ok(stock.status === 200 || stock.status === 400, `stock: ${stock.status}`);
    const text = await stock.text();
    if (stock.status === 200) assert.deepEqual(JSON.parse(text).data ?? [], [], text);
  }
  assert.equal(await world.snapshot(), before, "no table changed");
  // the filters still work for real values
  const found = await (await world.call("A", "/alerts?q=Secret%20alert")).json();
  assert.deepEqual(found.data.map((a: { id: string }) => a.id), [world.a.alert]);
});

Deno.test("SQL and placeholders in rule conditions, templates and event payloads stay data; templates render payload values literally", async () => {
  await using world = await startSecurityWorld();
  const sql = world.stack.db.sql;
  await sql`delete from public.alert_suppressions where tenant_id = ${TENANT_A}`;
  // conditions whose paths, operators' values and event types carry SQL
  for (const payload of SQL_PAYLOADS) {
    const res = await world.call("A", "/alerts/rules", {
      body: {
        name: payload,
        event_types: ["inventory.*"],
        conditions: [
          { path: payload, op: "eq", value: payload },
          { path: "sku", op: "in", value: [payload, "'"] },
          { path: "note", op: "contains", value: payload },
        ],
        severity: "low",
        title_template: `${payload} {{payload.sku}}`,
        description_template: payload,
        active: false,
      },
    });
    const text = await res.text();
    assert.ok([201, 400, 422].includes(res.status), `rule with ${payload}: ${text}`);
  }
  const rule = await world.call("A", "/alerts/rules", {
    body: {
      name: "Template injection",
      event_types: ["inventory.low_stock"],
      conditions: [{ path: "sku", op: "exists" }],
      severity: "high",
      title_template: "Low {{payload.sku}} ({{payload.note}})",
      description_template: "{{payload.note}}",
      dedup_key_template: "{{payload.sku}}",
    },
  });
  assert.equal(rule.status, 201, await rule.clone().text());
  const hostile = [
    "{{payload.secret}}",
    "${Deno.env.get('JWT_SECRET')}",
    "#{7*7} <%= 7*7 %> {{7*7}}",
    MARKUP,
    "'); drop table public.alerts; --",
  ];
  for (const [i, note] of hostile.entries()) {
    const res = await world.call("A", "/alerts/events", {
      body: {
        source: "pos",
        event_type: "inventory.low_stock",
        payload: { sku: `sku-${i}`, note, secret: "MUST-NOT-RENDER", [note]: note },
      },
    });
    const body = await res.json();
    assert.ok(res.status === 201 || res.status === 200, JSON.stringify(body));
  }
  const alerts = await sql<{ title: string; description: string }[]>`
    select title, description from public.alerts
    where tenant_id = ${TENANT_A} and title like 'Low sku-% (%' order by title`;
  assert.deepEqual(
    alerts.map((a) => a.title),
    hostile.map((note, i) => `Low sku-${i} (${note})`),
    "each payload value is rendered exactly once, as text",
  );
  assert.deepEqual(alerts.map((a) => a.description), hostile);
  for (const alert of alerts) assert.ok(!alert.title.includes("MUST-NOT-RENDER"));
  // the tables an injection would have hit are there
  const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from public.alerts`;
  assert.ok(n >= hostile.length + 2);
  const listed = await world.call("A", "/alerts?limit=200");
  assert.equal(listed.status, 200);
  await listed.body?.cancel();
});

Deno.test("markup in an alert title is escaped in the email, the local inbox page and the action-link page", async () => {
  await using world = await startSecurityWorld();
  const sql = world.stack.db.sql;
  await sql`delete from public.alert_suppressions where tenant_id = ${TENANT_A}`;
  await sql`delete from public.inbox_messages`;
  const rule = await world.call("A", "/alerts/rules", {
    body: {
      name: "Markup",
      event_types: ["inventory.low_stock"],
      severity: "critical",
      title_template: "{{payload.title}}",
      description_template: "{{payload.title}}",
      channels: ["email"],
      notify_roles: ["owner"],
    },
  });
  assert.equal(rule.status, 201, await rule.clone().text());
  const event = await world.call("A", "/alerts/events", {
    body: { source: "pos", event_type: "inventory.low_stock", payload: { title: MARKUP } },
  });
  assert.ok(event.status < 300, await event.text());
  const dispatch = await world.call(await world.stack.serviceToken(), "/notify/dispatch", {
    body: {},
  });
  assert.equal(dispatch.status, 200, await dispatch.text());
  const emails = await sql<{ subject: string; body_html: string; body_text: string }[]>`
    select subject, body_html, body_text from public.inbox_messages
    where channel = 'email' and user_id = ${OWNER_A} and body_text like '%onerror%'`;
  assert.equal(emails.length, 1, `emails: ${JSON.stringify(emails)}`);
  const html = emails[0].body_html;
  assert.ok(!html.includes("<script"), `raw <script> in the email: ${html}`);
  assert.ok(!html.includes("<img src=x"), "raw <img> in the email");
  assert.ok(html.includes("&lt;script&gt;"), "the title is shown, escaped");
  // the plain-text part and subject carry the text as is (they are not HTML)
  assert.ok(emails[0].body_text.includes("<script>"), "the text part keeps the title as text");

  const page = await (await fetch(`${world.stack.url}/inbox`)).text();
  assert.ok(!page.includes('<script>alert("x")'), "raw markup on the inbox page");

  const link = html.match(/href="([^"]*\/notify\/actions\/[^"]+)"/)?.[1];
  assert.ok(link, "the email carries an action link");
  const path = link.replaceAll("&amp;", "&").replace(`${PUBLIC_URL}/functions/v1`, "");
  const asJson = await world.call(null, path);
  assert.match(asJson.headers.get("content-type") ?? "", /^application\/json/);
  assert.equal((await asJson.json()).title, MARKUP, "API callers get the title as JSON data");
  const confirm = await world.call(null, path, { headers: { accept: "text/html" } });
  const confirmHtml = await confirm.text();
  assert.equal(confirm.status, 200, confirmHtml);
  assert.match(confirm.headers.get("content-type") ?? "", /^text\/html/);
  assert.ok(!confirmHtml.includes("<script"), `raw <script> on the action page: ${confirmHtml}`);
  assert.ok(confirmHtml.includes("&lt;script&gt;"), "the action page names the alert, escaped");
});

/**
 * Raises a critical alert in tenant A, whose one webhook is `channel` at `hook`, dispatches it to
 * a fake provider standing in for that host, and returns the JSON body the provider received.
 */
async function criticalAlertToWebhook(
  { channel, hook, title, description = null, recommendedAction = null, dedupKey }: {
    channel: "slack" | "discord";
    hook: string;
    title: string;
    description?: string | null;
    recommendedAction?: string | null;
    dedupKey: string;
  },
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  await using provider = fakeProvider();
  await using world = await startSecurityWorld();
  const sql = world.stack.db.sql;
  await sql`delete from public.alert_suppressions where tenant_id = ${TENANT_A}`;
  await sql`update public.tenants set settings = coalesce(settings, '{}') || ${
    sql.json({ notifications: { webhooks: [{ channel, url: hook }] } })
  } where id = ${TENANT_A}`;
  await sql`select public.raise_alert(tenant_id => ${TENANT_A}::uuid,
              alert_type => 'inventory.low_stock', severity => 'critical', title => ${title},
              description => ${description}, recommended_action => ${recommendedAction},
              dedup_key => ${dedupKey})`;
  const { origin, pathname } = new URL(hook);
  await sql`update public.deliveries
            set destination = replace(destination, ${origin}, ${provider.url})
            where channel = ${channel}`;
  const dispatch = await world.call(await world.stack.serviceToken(), "/notify/dispatch", {
    body: {},
  });
  assert.equal(dispatch.status, 200, await dispatch.text());
  const request = provider.requests.find((r) => r.path === pathname);
  assert.ok(request, `${channel} was called: ${provider.requests.map((r) => r.path)}`);
  return JSON.parse(request.text);
}

Deno.test("Slack control sequences in alert text reach Slack escaped: no mentions, no disguised links", async () => {
  const hostile = "<!channel> Reset <https://evil.example/login|your password> & <@U0ADMIN>";
  const body = await criticalAlertToWebhook({
    channel: "slack",
    hook: "https://hooks.slack.test/services/T/B/x",
    title: hostile,
    description: hostile,
    recommendedAction: hostile,
    dedupKey: "slack-markup",
  });
  // every text Slack parses as mrkdwn: the top-level text and each mrkdwn object
  const mrkdwn: string[] = [body.text];
  JSON.stringify(body.blocks, (_key, value) => {
    if (value && typeof value === "object" && value.type === "mrkdwn") mrkdwn.push(value.text);
    return value;
  });
  const withHostile = mrkdwn.filter((text) => text.includes("Reset"));
  assert.ok(withHostile.length >= 3, `the hostile text is in: ${JSON.stringify(mrkdwn)}`);
  for (const text of withHostile) {
    assert.ok(!/<[!@#]|<https?:/.test(text), `a Slack control sequence got through: ${text}`);
    assert.ok(text.includes("&lt;!channel&gt;"), `shown as text: ${text}`);
  }
});

Deno.test("a critical alert's @here is the only mention Discord may act on: @everyone in alert text stays inert", async () => {
  const body = await criticalAlertToWebhook({
    channel: "discord",
    hook: "https://discord.test/api/webhooks/1/x",
    title: "@everyone freezer down <@&1234>",
    dedupKey: "discord-mention",
  });
  assert.match(body.content, /^@here /, "critical alerts still ping @here");
  const rest = body.content.slice("@here ".length);
  // with parse ["everyone"], Discord would act on any @everyone/@here in the content
  assert.ok(
    !/@(everyone|here)/.test(rest) || !(body.allowed_mentions?.parse ?? []).includes("everyone"),
    `alert text can mention everyone: ${JSON.stringify(body)}`,
  );
  assert.deepEqual(body.allowed_mentions?.roles ?? [], [], "no role mention allowed");
});
