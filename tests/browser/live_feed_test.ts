/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import assert from "node:assert/strict";
import type { WebSocketRoute } from "playwright-core";
import { DEMO_TENANT_ID } from "../../local/demo.ts";
import { startDashboardWorld } from "./_browser.ts";

/** A freezer reading the demo rule "Freezer too warm" turns into a high alert. */
async function warmFreezer(sql: import("postgres").Sql, freezer: string) {
  await sql`
    insert into public.alert_events (tenant_id, source, event_type, payload)
    values (${DEMO_TENANT_ID}, 'freezer-log', 'quality.temperature',
            ${sql.json({ freezer, store_id: "mitte", temperature: -4 })})`;
  const [alert] = await sql<{ id: string; title: string }[]>`
    select id, title from public.alerts
    where tenant_id = ${DEMO_TENANT_ID} and dedup_key = ${`freezer:mitte:${freezer}`}`;
  assert.ok(alert, "the demo rule raised an alert");
  return alert;
}

Deno.test("an alert inserted with SQL appears in the open dashboard without a reload", async () => {
  await using world = await startDashboardWorld();
  const page = await world.signIn("staff");
  await page.waitForSelector("#connection[data-status='live']");
  await page.waitForSelector(".alert-row");
  await page.evaluate(() => ((globalThis as Record<string, unknown>).notReloaded = true));

  const alert = await warmFreezer(world.stack.db.sql, "F2");
  await page.waitForSelector(`.alert-row[data-id="${alert.id}"]`);
  assert.equal(
    await page.textContent(`.alert-row[data-id="${alert.id}"] .alert-title`),
    alert.title,
  );
  assert.equal(
    await page.evaluate(() => (globalThis as Record<string, unknown>).notReloaded),
    true,
  );
  // The counters follow too.
  const [{ n }] = await world.stack.db.sql<{ n: number }[]>`
    select count(*)::int as n from public.alerts
    where tenant_id = ${DEMO_TENANT_ID} and severity = 'high' and status = 'active'`;
  await page.waitForFunction(
    (count) => document.querySelector('[data-count="high-active"]')?.textContent === String(count),
    n,
  );
  await world.screenshot(page, "live_insert");
});

Deno.test("an acknowledge in one browser appears live in another, and each sees who else is viewing", async () => {
  await using world = await startDashboardWorld();
  const [alert] = await world.stack.db.sql<{ id: string }[]>`
    select id from public.alerts
    where tenant_id = ${DEMO_TENANT_ID} and store_id = 'mitte' and product_id = 'coffee-beans'`;
  const owner = await world.signIn("owner");
  const manager = await world.signIn("manager");
  for (const page of [owner, manager]) {
    await page.waitForSelector("#connection[data-status='live']");
    await page.click(`.alert-row[data-id="${alert.id}"] .alert-title`);
    await page.waitForSelector("#alert-detail h2");
  }
  await owner.waitForSelector("#alert-detail .viewers:has-text('Also viewing: Marco Manager')");
  await manager.waitForSelector("#alert-detail .viewers:has-text('Also viewing: Olivia Owner')");

  await owner.fill('#alert-detail textarea[name="note"]', "Ordering beans now");
  await owner.click("#alert-detail button:has-text('Acknowledge')");
  await manager.waitForSelector(`.alert-row[data-id="${alert.id}"][data-status="acknowledged"]`);
  // The manager's open detail refreshes itself: status and the owner's note.
  await manager.waitForSelector("#alert-detail .status:has-text('acknowledged')");
  await manager.waitForSelector(
    "#alert-detail .timeline blockquote:has-text('Ordering beans now')",
  );
  await world.screenshot(manager, "live_acknowledge_second_browser");
});

Deno.test("after the connection drops, the dashboard shows it and refetches what it missed", async () => {
  await using world = await startDashboardWorld();
  const context = await world.context();
  let outage = false;
  const sockets: WebSocketRoute[] = [];
  // Every Realtime socket goes through this route, so the test can cut the line.
  await context.routeWebSocket(/\/realtime\/v1\/websocket/, (socket) => {
    if (outage) return socket.close({ code: 1006, reason: "outage" });
    socket.connectToServer();
    sockets.push(socket);
  });
  const page = await context.newPage();
  await page.goto("/");
  await page.click('button.demo-user[data-role="staff"]');
  await page.waitForSelector("#connection[data-status='live']");
  await page.waitForSelector(".alert-row");

  outage = true;
  for (const socket of sockets.splice(0)) await socket.close({ code: 1006, reason: "outage" });
  await page.waitForSelector("#connection[data-status='reconnecting']");
  const missed = await warmFreezer(world.stack.db.sql, "F3");
  assert.equal(await page.locator(`.alert-row[data-id="${missed.id}"]`).count(), 0);

  outage = false;
  await page.waitForSelector("#connection[data-status='live']");
  await page.waitForSelector(`.alert-row[data-id="${missed.id}"]`);
});
