/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * The live feed within Realtime's rules: the first join already carries the member's token, presence
 * stays under the per-client limit however fast someone clicks through alerts, and a channel the
 * server closes is joined again (with what was missed refetched).
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { DEMO_TENANT_ID } from "../../local/demo.ts";
import { alertsTopic } from "../../web/src/realtime.ts";
import { type DashboardWorld, startDashboardWorld } from "./_browser.ts";

const TOPIC = `realtime:${alertsTopic(DEMO_TENANT_ID)}`;
const PRESENCE_LIMIT = "Client presence rate limit exceeded";

/** A Phoenix frame as realtime-js 2.x writes text frames: [join_ref, ref, topic, event, payload]. */
type Frame = [string | null, string | null, string, string, Record<string, unknown>];

/** Records the text frames of the page's Realtime sockets, both ways, from now on. */
function recordRealtimeFrames(page: Page) {
  const frames = { sent: [] as Frame[], received: [] as Frame[] };
  page.on("websocket", (socket) => {
    if (!socket.url().includes("/realtime/v1/websocket")) return;
    const keep = (into: Frame[]) => ({ payload }: { payload: string | Buffer }) => {
      if (typeof payload !== "string") return; // broadcasts may come binary
      try {
        into.push(JSON.parse(payload));
      } catch {
        // not a frame of ours
      }
    };
    socket.on("framesent", keep(frames.sent));
    socket.on("framereceived", keep(frames.received));
  });
  return frames;
}

/** Opens the dashboard in a new context, recording Realtime frames, signed in as `role`. */
async function signInRecorded(world: DashboardWorld, role: "owner" | "manager" | "staff") {
  const page = await (await world.context()).newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  const frames = recordRealtimeFrames(page);
  await page.goto("/");
  await page.click(`button.demo-user[data-role="${role}"]`);
  await page.waitForSelector("#connection[data-status='live']");
  await page.waitForSelector(".alert-row");
  return { page, frames };
}

/** Raises an alert with SQL (as any writer would) and answers its id. */
async function raiseWithSql(sql: import("postgres").Sql, title: string) {
  const [{ id }] = await sql<{ id: string }[]>`
    select public.raise_alert(
      tenant_id => ${DEMO_TENANT_ID}::uuid, alert_type => 'operations.check', severity => 'high',
      title => ${title}, description => 'raised by a test', dedup_key => ${crypto.randomUUID()},
      store_id => 'mitte') as id`;
  return id;
}

function refusals(frames: Frame[]) {
  return frames.filter(([, , topic, event, payload]) =>
    topic === TOPIC && event === "phx_reply" && payload?.status === "error"
  );
}

function presenceShutdowns(frames: Frame[]) {
  return frames.filter(([, , topic, event, payload]) =>
    topic === TOPIC && event === "system" && payload?.message === PRESENCE_LIMIT
  );
}

async function coffeeAlert(world: DashboardWorld) {
  const [alert] = await world.stack.db.sql<{ id: string }[]>`
    select id from public.alerts
    where tenant_id = ${DEMO_TENANT_ID} and store_id = 'mitte' and product_id = 'coffee-beans'`;
  return alert.id;
}

Deno.test("a reopened dashboard joins the live feed with the member's token on the first try", async () => {
  await using world = await startDashboardWorld();
  const { page, frames } = await signInRecorded(world, "staff");
  // The reload restores the stored session: the path where the first join went out with only the
  // anon key, was refused, and succeeded on the client's retry.
  frames.sent.length = 0;
  frames.received.length = 0;
  await page.reload();
  await page.waitForSelector("#connection[data-status='live']");
  const joins = frames.sent.filter(([, , topic, event]) => topic === TOPIC && event === "phx_join");
  assert.equal(joins.length, 1, JSON.stringify(joins));
  const token = String(joins[0][4].access_token);
  const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  assert.equal(
    claims.role,
    "authenticated",
    "the join carries the member's token, not the anon key",
  );
  assert.deepEqual(refusals(frames.received), []);
});

Deno.test("clicking quickly through alerts keeps presence under the limit: the feed stays live and shows the latest alert viewed", async () => {
  await using world = await startDashboardWorld();
  const target = await coffeeAlert(world);
  const { page: owner, frames } = await signInRecorded(world, "owner");
  const ids = await owner.locator(".alert-row").evaluateAll((rows) =>
    rows.map((row) => (row as HTMLElement).dataset.id as string)
  );
  assert.ok(ids.length >= 5, `enough alerts to click through (${ids.length})`);
  for (const id of [...ids, ...ids, target]) {
    await owner.click(`.alert-row[data-id="${id}"] .alert-title`);
  }
  await owner.waitForSelector("#alert-detail h2");

  const manager = await world.signIn("manager");
  await manager.waitForSelector("#connection[data-status='live']");
  await manager.click(`.alert-row[data-id="${target}"] .alert-title`);
  await manager.waitForSelector("#alert-detail .viewers:has-text('Also viewing: Olivia Owner')");

  const id = await raiseWithSql(world.stack.db.sql, "Checked after the click-through");
  await owner.waitForSelector(`.alert-row[data-id="${id}"]`);
  assert.deepEqual(presenceShutdowns(frames.received), [], "the server never closed the channel");
  assert.equal(await owner.getAttribute("#connection", "data-status"), "live");
});

Deno.test("when the server closes the channel, the dashboard joins again, refetches, and announces its presence", async () => {
  // One presence call per channel: opening an alert after the join's track gets the channel closed.
  await using world = await startDashboardWorld({ realtimeLimits: { presenceMaxCalls: 1 } });
  const target = await coffeeAlert(world);
  const { page: owner, frames } = await signInRecorded(world, "owner");
  await owner.click(`.alert-row[data-id="${target}"] .alert-title`);
  await owner.waitForFunction(
    () => document.querySelector("#alert-detail h2") !== null,
  );
  const closed = () => presenceShutdowns(frames.received).length > 0;
  for (let i = 0; i < 450 && !closed(); i++) await owner.waitForTimeout(100);
  assert.ok(closed(), "the gateway closed the channel for the second presence call");

  // Missed while closed (or not): either way it must show up, live or by the refetch.
  const id = await raiseWithSql(world.stack.db.sql, "Raised around the channel close");
  await owner.waitForSelector(`.alert-row[data-id="${id}"]`);
  await owner.waitForSelector("#connection[data-status='live']");
  const manager = await world.signIn("manager");
  await manager.click(`.alert-row[data-id="${target}"] .alert-title`);
  await manager.waitForSelector("#alert-detail .viewers:has-text('Also viewing: Olivia Owner')");
  // And what comes after the rejoin arrives live.
  const later = await raiseWithSql(world.stack.db.sql, "Raised after the rejoin");
  await owner.waitForSelector(`.alert-row[data-id="${later}"]`);
});
