/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import assert from "node:assert/strict";
import { DEMO_TENANT_ID } from "../../local/demo.ts";
import { type DashboardWorld, startDashboardWorld } from "./_browser.ts";

/** Posts events through the API as the service role; answers each event's outcome. */
async function postEvents(world: DashboardWorld, events: unknown[]) {
  const response = await fetch(`${world.stack.url}/functions/v1/alerts/events`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await world.stack.serviceToken()}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ tenant_id: DEMO_TENANT_ID, events }),
  });
  const body = await response.json();
  assert.equal(response.status, 201, JSON.stringify(body));
  return body.events as { status: string; alert_id: string | null }[];
}

Deno.test("a rule made in the editor (after a dry run) fires: the next event shows up as an alert", async () => {
  await using world = await startDashboardWorld();
  const page = await world.signIn("manager");
  await page.waitForSelector("#connection[data-status='live']");
  await page.click('nav a[data-view="settings"]');
  await page.click('button[data-action="new-rule"]');
  await page.fill('input[name="rule_name"]', "Back door left open");
  await page.fill('input[name="event_types"]', "door.open");
  await page.fill(
    'textarea[name="conditions"]',
    '[{"path": "minutes", "op": "gt", "value": 5}]',
  );
  await page.selectOption('select[name="rule_severity"]', "critical");
  await page.fill('input[name="alert_type"]', "security.door_open");
  await page.fill(
    'input[name="title_template"]',
    "Door {{payload.door}} open for {{payload.minutes}} min",
  );
  await page.fill('input[name="dedup_key_template"]', "door:{{payload.door}}");
  await page.click("button:has-text('Dry run')");
  await page.waitForSelector(".rule-editor .form-message:has-text('Dry run: 0 of 0 events')");
  await page.click("button:has-text('Save rule')");
  await page.waitForSelector('.rules li[data-rule="Back door left open"]');
  const [rule] = await world.stack.db.sql`
    select severity, event_types, created_by from public.alert_rules where name = 'Back door left open'`;
  assert.equal(rule.severity, "critical");
  assert.deepEqual(rule.event_types, ["door.open"]);
  await world.screenshot(page, "settings_rules");

  await page.click('nav a[data-view="alerts"]');
  await page.waitForSelector(".alert-row");
  const [outcome] = await postEvents(world, [{
    source: "door-sensor",
    event_type: "door.open",
    payload: { door: "back", minutes: 9 },
  }]);
  assert.equal(outcome.status, "alerted");
  await page.waitForSelector(`.alert-row.sev-critical[data-id="${outcome.alert_id}"]`);
  assert.equal(
    await page.textContent(`.alert-row[data-id="${outcome.alert_id}"] .alert-title`),
    "Door back open for 9 min",
  );
});

Deno.test("a maintenance window started in settings keeps matching alerts out of the feed", async () => {
  await using world = await startDashboardWorld();
  const page = await world.signIn("manager");
  await page.waitForSelector("#connection[data-status='live']");
  await page.click('nav a[data-view="settings"]');
  await page.fill('input[name="suppression_reason"]', "Freezer defrost");
  await page.fill('input[name="suppression_types"]', "quality.*");
  await page.fill('input[name="suppression_stores"]', "mitte");
  await page.click("button:has-text('Start window')");
  await page.waitForSelector('.suppressions li[data-suppression="Freezer defrost"]');
  await world.screenshot(page, "settings_suppressions");

  // A second rule the window does not cover: its alert shows the feed is flowing.
  await world.stack.db.sql`
    insert into public.alert_rules (tenant_id, name, event_types, severity, category, alert_type, title_template)
    values (${DEMO_TENANT_ID}, 'Till offline', array['till.offline'], 'medium', 'operations',
            'operations.till_offline', 'Till {{payload.till}} offline')`;
  await page.click('nav a[data-view="alerts"]');
  await page.waitForSelector(".alert-row");
  const [suppressed, control] = await postEvents(world, [
    {
      source: "freezer-log",
      event_type: "quality.temperature",
      payload: { freezer: "F9", store_id: "mitte", temperature: -2 },
    },
    { source: "pos", event_type: "till.offline", payload: { till: "3" } },
  ]);
  assert.equal(suppressed.status, "suppressed");
  assert.equal(suppressed.alert_id, null);
  await page.waitForSelector(`.alert-row[data-id="${control.alert_id}"]`);
  const titles = await page.locator(".alert-row .alert-title").allTextContents();
  assert.ok(!titles.some((title) => title.includes("F9")), titles.join("\n"));

  // Ending the window early lets the next reading through.
  await page.click('nav a[data-view="settings"]');
  await page.click(
    '.suppressions li[data-suppression="Freezer defrost"] button:has-text("End now")',
  );
  await page.waitForSelector('.suppressions li:has-text("No maintenance window")');
  await page.click('nav a[data-view="alerts"]');
  await page.waitForSelector(".alert-row");
  const [after] = await postEvents(world, [{
    source: "freezer-log",
    event_type: "quality.temperature",
    payload: { freezer: "F9", store_id: "mitte", temperature: -2 },
  }]);
  assert.equal(after.status, "alerted");
  await page.waitForSelector(`.alert-row[data-id="${after.alert_id}"]`);
});

Deno.test("viewers see settings but cannot edit rules or windows; preferences save for anyone", async () => {
  await using world = await startDashboardWorld();
  const page = await world.signIn("viewer");
  await page.click('nav a[data-view="settings"]');
  await page.waitForSelector("text=Managers and owners edit rules.");
  assert.equal(await page.locator('button[data-action="new-rule"]').count(), 0);
  assert.equal(await page.locator('input[name="suppression_reason"]').count(), 0);
  await page.waitForSelector('form[aria-label="My notification preferences"]');
  await page.fill('input[name="my_quiet_start"]', "22:00");
  await page.fill('input[name="my_quiet_end"]', "06:30");
  await page.click("button:has-text('Save my preferences')");
  await page.waitForSelector(
    'form[aria-label="My notification preferences"] .form-message:has-text("Saved.")',
  );
  const [member] = await world.stack.db.sql`
    select preferences -> 'quiet_hours' as quiet from public.tenant_members
    where user_id = '00000000-0000-4000-8000-0000000000a4'`;
  assert.deepEqual(member.quiet, { start: "22:00", end: "06:30" });
});

Deno.test("owners change the team's channels per severity, quiet hours and escalation", async () => {
  await using world = await startDashboardWorld();
  const page = await world.signIn("owner");
  await page.click('nav a[data-view="settings"]');
  const form = 'form[aria-label="Team notification settings"]';
  await page.waitForSelector(form);
  await page.check(`${form} input[name="team-high-sms"]`);
  await page.uncheck(`${form} input[name="team-critical-whatsapp"]`);
  await page.fill(`${form} input[name="team_quiet_start"]`, "21:30");
  await page.fill(`${form} input[name="team_quiet_end"]`, "06:00");
  await page.fill(`${form} input[name="escalate_critical_after"]`, "10");
  await page.click(`${form} button:has-text('Save team settings')`);
  await page.waitForSelector(`${form} .form-message:has-text("Saved.")`);
  const [{ notifications }] = await world.stack.db.sql`
    select settings -> 'notifications' as notifications from public.tenants where id = ${DEMO_TENANT_ID}`;
  assert.deepEqual(notifications.channels.high, ["email", "sms", "push"]);
  assert.deepEqual(notifications.channels.critical, ["email", "sms", "push"]);
  assert.deepEqual(notifications.quiet_hours, { start: "21:30", end: "06:00" });
  assert.equal(notifications.escalation.critical.after_minutes, 10);

  // A manager sees them but cannot change them.
  const manager = await world.signIn("manager");
  await manager.click('nav a[data-view="settings"]');
  await manager.waitForSelector(`${form} input[name="team-high-sms"]:checked`);
  assert.equal(await manager.isDisabled(`${form} input[name="team-high-sms"]`), true);
  assert.equal(await manager.locator(`${form} button:has-text('Save team settings')`).count(), 0);
});
