/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import assert from "node:assert/strict";
import { startDashboardWorld } from "./_browser.ts";

Deno.test("the service worker shows a web push as a notification that links to the alert", async () => {
  await using world = await startDashboardWorld();
  const context = await world.context();
  await context.grantPermissions(["notifications"], { origin: world.stack.url });
  const page = await context.newPage();
  await page.goto("/");
  const cdp = await context.newCDPSession(page);
  const registered = new Promise<string>((resolve) => {
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      const ours = registrations.find((r) => r.scopeURL === `${world.stack.url}/`);
      if (ours) resolve(ours.registrationId);
    });
  });
  await cdp.send("ServiceWorker.enable");
  await page.evaluate(async () => {
    await navigator.serviceWorker.register("/sw.js");
    await navigator.serviceWorker.ready;
  });
  const registrationId = await registered;

  // What the notify function sends (functions/notify, web push channel).
  const payload = {
    title: "Critical: Sourdough loaf at Mitte runs out in 0.8 days",
    body: "Reorder 370 now",
    url: "/#/alerts/6a0c1d9e-5c1b-4c3e-9d7a-0b6f2e4a1c2d",
    tag: "alert:6a0c1d9e-5c1b-4c3e-9d7a-0b6f2e4a1c2d",
    alert_id: "6a0c1d9e-5c1b-4c3e-9d7a-0b6f2e4a1c2d",
    severity: "critical",
  };
  await cdp.send("ServiceWorker.deliverPushMessage", {
    origin: world.stack.url,
    registrationId,
    data: JSON.stringify(payload),
  });
  // waitForFunction does not await a promise, so poll (bounded) until the notification is shown.
  let shown: Record<string, unknown> | null = null;
  for (let tries = 0; tries < 200 && !shown; tries++) {
    shown = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      const [notification] = await registration.getNotifications();
      return notification
        ? {
          title: notification.title,
          body: notification.body,
          tag: notification.tag,
          url: notification.data?.url,
          requireInteraction: notification.requireInteraction,
        }
        : null;
    });
    if (!shown) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(shown, {
    title: payload.title,
    body: payload.body,
    tag: payload.tag,
    url: payload.url,
    requireInteraction: true,
  });
});
