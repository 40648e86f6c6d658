// Shelfwatch service worker: shows web push notifications sent by the notify function
// (payload JSON { title, body, url, tag, alert_id, severity }) and opens `url` on click.
/// <reference lib="webworker" />

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { title: "Shelfwatch", body: event.data ? event.data.text() : "" };
  }
  const title = data.title || "Shelfwatch alert";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag || (data.alert_id ? `alert:${data.alert_id}` : undefined),
    renotify: Boolean(data.tag || data.alert_id),
    requireInteraction: data.severity === "critical",
    icon: new URL("icon.svg", self.registration.scope).href,
    data: { url: data.url || (data.alert_id ? `#/alerts/${data.alert_id}` : "") },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  // Relative links (and none) resolve against where the dashboard is hosted.
  const url = new URL(event.notification.data?.url || "", self.registration.scope).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if (client.url.startsWith(self.registration.scope) && "focus" in client) {
        await client.focus();
        if ("navigate" in client) await client.navigate(url);
        return;
      }
    }
    await self.clients.openWindow(url);
  })());
});
