/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import assert from "node:assert/strict";
import { DEMO_TENANT_ID } from "../../local/demo.ts";
import type { Page } from "playwright-core";
import { startDashboardWorld } from "./_browser.ts";

async function openAlertCount(sql: import("postgres").Sql, where = sql`true`) {
  const [{ n }] = await sql<{ n: number }[]>`
    select count(*)::int as n from public.alerts
    where tenant_id = ${DEMO_TENANT_ID} and status <> 'resolved' and ${where}`;
  return n;
}

Deno.test("signing in as a demo user shows the seeded alerts and their counters", async () => {
  await using world = await startDashboardWorld();
  const sql = world.stack.db.sql;
  const open = await openAlertCount(sql);
  assert.ok(open >= 5, `the demo seed raises alerts (got ${open})`);
  const page = await world.signIn("owner");
  await page.waitForFunction((n) => document.querySelectorAll(".alert-row").length === n, open);
  const critical = await openAlertCount(sql, sql`severity = 'critical' and status = 'active'`);
  await page.waitForFunction(
    (n) => document.querySelector('[data-count="critical-active"]')?.textContent === String(n),
    critical,
  );
  assert.equal(await page.textContent("header .me-name"), "Olivia Owner");
  const titles = await page.locator(".alert-row .alert-title").allTextContents();
  assert.ok(titles.some((title) => title.includes("Sourdough loaf at Mitte")), titles.join("\n"));
  await world.screenshot(page, "alerts");
});

Deno.test("filters narrow the list by severity, status and text", async () => {
  await using world = await startDashboardWorld();
  const sql = world.stack.db.sql;
  const page = await world.signIn("staff");
  await page.waitForSelector(".alert-row");

  await page.selectOption('select[name="severity"]', "critical");
  const critical = await openAlertCount(sql, sql`severity = 'critical'`);
  await page.waitForFunction(
    (n) =>
      document.querySelectorAll(".alert-row").length === n &&
      document.querySelectorAll(".alert-row:not(.sev-critical)").length === 0,
    critical,
  );

  await page.selectOption('select[name="severity"]', "");
  await page.fill('input[name="text"]', "croissant");
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll(".alert-row .alert-title")];
    return rows.length > 0 && rows.every((row) => /croissant/i.test(row.textContent ?? ""));
  });

  await page.fill('input[name="text"]', "");
  await page.selectOption('select[name="status"]', "resolved");
  await page.waitForFunction(() =>
    document.querySelectorAll(".alert-row").length === 0 &&
    document.querySelector(".list-status")?.textContent === "No alerts match these filters."
  );

  await page.click("button:has-text('Clear')");
  const open = await openAlertCount(sql);
  await page.waitForFunction((n) => document.querySelectorAll(".alert-row").length === n, open);
});

Deno.test("the alert detail shows impact, action and history; acknowledging records the note", async () => {
  await using world = await startDashboardWorld();
  const sql = world.stack.db.sql;
  const [alert] = await sql<{ id: string; title: string }[]>`
    select id, title from public.alerts
    where tenant_id = ${DEMO_TENANT_ID} and store_id = 'mitte' and product_id = 'sourdough'`;
  const page = await world.signIn("manager");
  await page.click(`.alert-row[data-id="${alert.id}"] .alert-title`);
  await page.waitForSelector("#alert-detail h2");
  assert.equal(await page.textContent("#alert-detail h2"), alert.title);
  const detail = await page.textContent("#alert-detail");
  assert.match(detail ?? "", /Recommended action/);
  assert.match(detail ?? "", /History/);
  assert.match(detail ?? "", /Deliveries/);

  await page.fill('#alert-detail textarea[name="note"]', "Baking a second batch");
  await page.click("#alert-detail button:has-text('Acknowledge')");
  await page.waitForSelector(
    "#alert-detail .timeline blockquote:has-text('Baking a second batch')",
  );
  await page.waitForSelector(`.alert-row[data-id="${alert.id}"][data-status="acknowledged"]`);
  const [row] = await sql`select status, acknowledged_by from public.alerts where id = ${alert.id}`;
  assert.equal(row.status, "acknowledged");
  assert.equal(row.acknowledged_by, "00000000-0000-4000-8000-0000000000a2");
  const [history] = await sql`
    select note from public.alert_history where alert_id = ${alert.id} and action = 'acknowledged'`;
  assert.equal(history.note, "Baking a second batch");
  await world.screenshot(page, "alert_detail");
});

Deno.test("keyboard: j moves the focus, x selects, a acknowledges the selection", async () => {
  await using world = await startDashboardWorld();
  const page = await world.signIn("staff");
  await page.waitForSelector(".alert-row");
  await page.keyboard.press("j");
  await page.waitForSelector(".alert-row:nth-child(2).focused");
  await page.keyboard.press("x");
  const id = await page.getAttribute(".alert-row:nth-child(2)", "data-id");
  await page.waitForSelector(".alert-row:nth-child(2) input:checked");
  await page.keyboard.press("a");
  await page.waitForSelector(`.alert-row[data-id="${id}"][data-status="acknowledged"]`);
  const [row] = await world.stack.db.sql`select status from public.alerts where id = ${id}`;
  assert.equal(row.status, "acknowledged");
});

Deno.test("the stock view lists every store × product with cover and open alert, sortable", async () => {
  await using world = await startDashboardWorld();
  const [{ n }] = await world.stack.db.sql<{ n: number }[]>`
    select count(*)::int as n from public.inventory_levels where tenant_id = ${DEMO_TENANT_ID}`;
  const page = await world.signIn("viewer");
  await page.click('nav a[data-view="stock"]');
  await page.waitForFunction(
    (count) => document.querySelectorAll(".stock tbody tr").length === count,
    n,
  );
  // Lowest cover first: Mitte's coffee beans are out of stock and have a critical alert.
  const first = await page.getAttribute(".stock tbody tr:first-child", "data-item");
  assert.equal(first, "mitte/coffee-beans");
  assert.match(await page.textContent(".stock tbody tr:first-child") ?? "", /critical/i);

  await page.click('button.sort[data-sort="on_hand"]');
  await page.click('button.sort[data-sort="on_hand"]'); // descending
  assert.equal(
    await page.getAttribute(".stock tbody tr:first-child", "data-item"),
    "prenzlauer-berg/croissant",
  );
  await page.check('input[name="at_risk"]');
  const risky = await page.locator(".stock tbody tr").count();
  assert.ok(risky > 0 && risky < n, `${risky} of ${n} items have an open alert`);
  await world.screenshot(page, "stock");

  // An item's open alert opens in the alerts view; closing it leaves the alerts view's URL.
  const link = page.locator('.stock tbody tr[data-item="mitte/coffee-beans"] a');
  const title = (await link.textContent())!.replace(/^critical\s*/i, "").trim();
  await link.click();
  await page.waitForSelector(`#alert-detail h2:has-text("${title}")`);
  assert.match(page.url(), /#\/alerts\/[0-9a-f-]{36}$/);
  await page.click("#alert-detail button.close");
  await page.waitForSelector("#alert-detail", { state: "hidden" });
  assert.match(page.url(), /#\/alerts$/);
});

Deno.test("analytics draws alerts per day, MTTA/MTTR, SLA and deliveries with chart.js", async () => {
  await using world = await startDashboardWorld();
  const page = await world.signIn("owner");
  await page.click('nav a[data-view="analytics"]');
  await page.waitForFunction(() => document.querySelectorAll("figure.chart canvas").length === 4);
  const captions = await page.locator("figure.chart figcaption").allTextContents();
  assert.deepEqual(captions.map((c) => c.split(" ")[0]), ["Alerts", "MTTA", "SLA,", "Deliveries"]);
  // chart.js has drawn: the per-day canvas is not blank.
  const painted = await page.evaluate(() => {
    const canvas = document.querySelector("figure.chart canvas") as HTMLCanvasElement;
    const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    return data.some((value, i) => i % 4 === 3 && value > 0);
  });
  assert.ok(painted);
  await world.screenshot(page, "analytics");
});

Deno.test("on a phone-sized screen nothing scrolls sideways and the detail fills the screen", async () => {
  await using world = await startDashboardWorld();
  const viewport = { width: 390, height: 844 };
  const page = await world.signIn("owner", { viewport });
  await page.waitForSelector(".alert-row");
  const overflow = await page.evaluate(() =>
    document.documentElement.scrollWidth - document.documentElement.clientWidth
  );
  assert.equal(overflow, 0, "no horizontal scrolling");
  await world.screenshot(page, "phone_alerts");
  await page.click(".alert-row:first-child .alert-title");
  await page.waitForSelector("#alert-detail h2");
  const box = await page.locator("#alert-detail").boundingBox();
  assert.equal(Math.round(box!.width), viewport.width);
  await world.screenshot(page, "phone_detail");
  await page.keyboard.press("Escape");
  await page.waitForSelector("#alert-detail", { state: "hidden" });
  const loaded: Record<string, string> = {
    stock: ".stock tbody tr",
    analytics: "figure.chart canvas",
    settings: 'form[aria-label="My notification preferences"]',
  };
  for (const view of ["stock", "analytics", "settings"]) {
    await page.goto(`/#/${view}`);
    await page.waitForSelector(loaded[view]);
    if (view === "settings") {
      await page.waitForSelector('form[aria-label="Team notification settings"]');
    }
    const sideways = await page.evaluate(() =>
      document.documentElement.scrollWidth - document.documentElement.clientWidth
    );
    assert.equal(sideways, 0, `${view}: no horizontal scrolling`);
  }
});

/** The lowest text contrast on the page: every visible element with text of its own. */
function worstContrast(page: Page) {
  return page.evaluate(() => {
    // "rgb(r, g, b)" / "rgba(…)", or "color(srgb r g b / a)" (0-1) from color-mix().
    const rgb = (value: string) => {
      const numbers = (value.replace(/^color\(srgb/, "").match(/[\d.]+/g) ?? []).map(Number);
      if (!value.startsWith("color(srgb")) return numbers;
      return [...numbers.slice(0, 3).map((n) => n * 255), ...numbers.slice(3)];
    };
    const luminance = ([r, g, b]: number[]) => {
      const [R, G, B] = [r, g, b].map((c) => {
        const s = c / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * R + 0.7152 * G + 0.0722 * B;
    };
    const background = (element: Element | null): number[] => {
      for (let e = element; e; e = e.parentElement) {
        const [r, g, b, a = 1] = rgb(getComputedStyle(e).backgroundColor);
        if (a > 0.5) return [r, g, b];
      }
      return [255, 255, 255];
    };
    let worst = { ratio: Infinity, text: "", element: "" };
    for (const element of document.querySelectorAll("body *")) {
      const ownText = [...element.childNodes]
        .filter((node) => node.nodeType === Node.TEXT_NODE)
        .map((node) => node.textContent ?? "").join("").trim();
      const box = element.getBoundingClientRect();
      if (!ownText || box.width === 0 || box.height === 0) continue;
      if (element.closest("[hidden], dialog:not([open]), .toasts")) continue;
      const fg = luminance(rgb(getComputedStyle(element).color));
      const bg = luminance(background(element));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < worst.ratio) {
        worst = {
          ratio,
          text: ownText.slice(0, 40),
          element: element.className || element.tagName,
        };
      }
    }
    return worst;
  });
}

Deno.test("text keeps at least 4.5:1 contrast in light and dark mode", async () => {
  await using world = await startDashboardWorld();
  const page = await world.signIn("owner");
  await page.waitForSelector(".alert-row");
  await page.click(".alert-row .alert-title");
  await page.waitForSelector("#alert-detail h2");
  const views: Array<[string, string]> = [
    ["alerts", "#alert-detail h2"],
    ["stock", ".stock tbody tr"],
    ["settings", 'form[aria-label="Team notification settings"]'],
    ["analytics", "figure.chart canvas"],
  ];
  for (const [view, ready] of views) {
    if (view !== "alerts") await page.click(`nav a[data-view="${view}"]`);
    await page.waitForSelector(ready);
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      const worst = await worstContrast(page);
      assert.ok(worst.ratio >= 4.5, `${view}, ${colorScheme}: ${JSON.stringify(worst)}`);
    }
  }
});

Deno.test("snooze and unsnooze (each with its note) from the detail, then bulk-resolve everything shown with a note", async () => {
  await using world = await startDashboardWorld();
  const sql = world.stack.db.sql;
  const [coffee] = await sql<{ id: string }[]>`
    select id from public.alerts
    where tenant_id = ${DEMO_TENANT_ID} and store_id = 'mitte' and product_id = 'coffee-beans'`;
  const page = await world.signIn("manager");
  await page.click(`.alert-row[data-id="${coffee.id}"] .alert-title`);
  await page.waitForSelector("#alert-detail h2");
  await page.selectOption('#alert-detail select[name="snooze_minutes"]', "240");
  await page.fill('#alert-detail textarea[name="note"]', "Delivery at noon");
  await page.click("#alert-detail button:has-text('Snooze')");
  await page.waitForSelector("#alert-detail .status:has-text('snoozed')");
  const [snoozed] = await sql`
    select status, snoozed_until - now() > interval '3 hours 50 minutes' as four_hours
    from public.alerts where id = ${coffee.id}`;
  assert.deepEqual({ ...snoozed }, { status: "snoozed", four_hours: true });
  await page.fill('#alert-detail textarea[name="note"]', "Delivery came early");
  await page.click("#alert-detail button:has-text('Unsnooze')");
  await page.waitForSelector("#alert-detail .status:has-text('active')");
  // The unsnooze note is in the history, on screen and in the database.
  await page.waitForSelector(
    "#alert-detail .timeline li:has-text('unsnoozed') blockquote:has-text('Delivery came early')",
  );
  const [unsnoozed] = await sql`
    select note from public.alert_history
    where alert_id = ${coffee.id} and action = 'unsnoozed' order by created_at desc limit 1`;
  assert.equal(unsnoozed?.note, "Delivery came early");
  await page.keyboard.press("Escape");

  const open = await openAlertCount(sql);
  await page.check('input[aria-label="Select all shown alerts"]');
  await page.waitForSelector(`.selected-count:has-text("${open} selected")`);
  await page.fill('input[name="bulk_note"]', "End of day sweep");
  await page.click("button:has-text('Resolve selected')");
  await page.waitForSelector(".list-status:has-text('No alerts match these filters.')");
  const rows = await sql`
    select a.status, h.note from public.alerts as a
    join public.alert_history as h on h.alert_id = a.id and h.action = 'resolved'
    where a.tenant_id = ${DEMO_TENANT_ID}`;
  assert.equal(rows.length, open);
  assert.ok(rows.every((row) => row.status === "resolved" && row.note === "End of day sweep"));
  await page.waitForFunction(() =>
    document.querySelector('[data-count="critical-active"]')?.textContent === "0"
  );
});
