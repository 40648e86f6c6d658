/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * Alert text comes from anyone who can send an event: markup in a title, description, action,
 * impact or metadata must reach the screen as literal text (list, detail, stock view, desktop
 * notification), never as elements or scripts.
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { DEMO_TENANT_ID } from "../../local/demo.ts";
import { startDashboardWorld } from "./_browser.ts";

const MARKUP = {
  title: `<img src=x onerror="window.__injected='title'">Freezer <b class="injected">hot</b>`,
  description: `<script>window.__injected='description'</script><i class="injected">x</i>`,
  recommended_action: `<svg class="injected" onload="window.__injected='action'"></svg>Move it`,
  business_impact: `<iframe class="injected" src="javascript:window.__injected='impact'"></iframe>`,
  metadata: `<img class="injected" src=x onerror="window.__injected='metadata'">`,
};

/** Nothing the markup could have created: elements, handlers, a run script. */
async function assertNothingInjected(page: Page, where: string) {
  const found = await page.evaluate(() => ({
    injected: (globalThis as Record<string, unknown>).__injected ?? null,
    elements: [...document.querySelectorAll(".injected, img[src='x'], iframe, [onerror], [onload]")]
      .map((element) => element.outerHTML),
    scripts:
      [...document.querySelectorAll("script")].filter((script) =>
        script.textContent?.includes("__injected")
      ).length,
  }));
  assert.deepEqual(found, { injected: null, elements: [], scripts: 0 }, where);
}

Deno.test("markup in an alert's title, description and metadata shows as text in the list, detail, stock view and desktop notification", async () => {
  await using world = await startDashboardWorld();
  const context = await world.context();
  // Desktop notifications switched on and allowed; the stub records what they would show.
  await context.addInitScript(() => {
    localStorage.setItem("shelfwatch.attention", JSON.stringify({ sound: false, desktop: true }));
    const shown: Array<{ title: string; body?: string }> = [];
    (globalThis as Record<string, unknown>).__notifications = shown;
    class RecordingNotification {
      static permission = "granted";
      static requestPermission = () => Promise.resolve("granted");
      onclick: (() => void) | null = null;
      constructor(title: string, options: { body?: string } = {}) {
        shown.push({ title, body: options.body });
      }
    }
    Object.defineProperty(globalThis, "Notification", { value: RecordingNotification });
  });
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  await page.goto("/");
  await page.click('button.demo-user[data-role="owner"]');
  await page.waitForSelector("#connection[data-status='live']");
  await page.waitForSelector(".alert-row");

  const [{ id }] = await world.stack.db.sql<{ id: string }[]>`
    select public.raise_alert(
      tenant_id => ${DEMO_TENANT_ID}::uuid, alert_type => 'inventory.stockout',
      severity => 'critical', title => ${MARKUP.title}, description => ${MARKUP.description},
      recommended_action => ${MARKUP.recommended_action},
      business_impact => ${MARKUP.business_impact}, dedup_key => 'markup-test',
      store_id => 'mitte', product_id => 'coffee-beans',
      metadata => ${world.stack.db.sql.json({ shelf: MARKUP.metadata })}) as id`;

  // The list, live.
  await page.waitForSelector(`.alert-row[data-id="${id}"]`);
  assert.equal(await page.textContent(`.alert-row[data-id="${id}"] .alert-title`), MARKUP.title);
  // The desktop notification.
  await page.waitForFunction(() =>
    ((globalThis as Record<string, unknown>).__notifications as unknown[]).length > 0
  );
  assert.deepEqual(
    await page.evaluate(() => (globalThis as Record<string, unknown>).__notifications),
    [{ title: `Critical: ${MARKUP.title}`, body: MARKUP.recommended_action }],
  );
  await assertNothingInjected(page, "list");

  // The detail.
  await page.click(`.alert-row[data-id="${id}"] .alert-title`);
  await page.waitForSelector("#alert-detail h2");
  assert.equal(await page.textContent("#alert-detail h2"), MARKUP.title);
  const detail = await page.textContent("#alert-detail") ?? "";
  for (const text of Object.values(MARKUP)) {
    assert.ok(detail.includes(text), `the detail shows ${text} as text`);
  }
  await assertNothingInjected(page, "detail");

  // The stock view: the item's most severe open alert is this one.
  await page.keyboard.press("Escape");
  await page.click('nav a[data-view="stock"]');
  const link = page.locator('.stock tbody tr[data-item="mitte/coffee-beans"] a');
  await link.waitFor();
  assert.equal((await link.textContent())?.replace(/^critical /, ""), MARKUP.title);
  await assertNothingInjected(page, "stock view");
  await world.screenshot(page, "untrusted_text_stock");
});
