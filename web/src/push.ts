/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * Web push opt-in: registers the service worker (`sw.js`), subscribes with the project's VAPID
 * public key and stores the subscription through the API; the notify function then pushes
 * `{ title, body, url, tag, alert_id, severity }`, which the service worker shows.
 */

import type { Api } from "./api.ts";

const KEY = "shelfwatch.push-subscription-id";

/**
 * Whether this browser can do web push at all.
 *
 * @example
 * ```ts
 * if (!pushSupported()) button.disabled = true;
 * ```
 */
export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in globalThis &&
    "Notification" in globalThis;
}

/**
 * Whether this device has a subscription stored through the API.
 *
 * @example
 * ```ts
 * label.textContent = pushEnabled() ? "on" : "off";
 * ```
 */
export function pushEnabled(): boolean {
  return localStorage.getItem(KEY) !== null;
}

function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

/**
 * Asks for permission, subscribes this device and stores the subscription.
 *
 * @example
 * ```ts
 * await enablePush(api);
 * ```
 */
export async function enablePush(api: Api): Promise<void> {
  if (!pushSupported()) throw new Error("This browser does not support web push");
  if (await Notification.requestPermission() !== "granted") {
    throw new Error("Notifications are blocked for this site; allow them in the browser settings");
  }
  const { public_key } = await api.get<{ public_key: string }>("/push/vapid-public-key");
  const registration = await navigator.serviceWorker.register("sw.js");
  await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: base64UrlToBytes(public_key),
  });
  const saved = await api.post<{ id: string }>("/push/subscriptions", subscription.toJSON());
  localStorage.setItem(KEY, saved.id);
}

/**
 * Unsubscribes this device and deletes its stored subscription.
 *
 * @example
 * ```ts
 * await disablePush(api);
 * ```
 */
export async function disablePush(api: Api): Promise<void> {
  const id = localStorage.getItem(KEY);
  const registration = await navigator.serviceWorker?.getRegistration();
  await (await registration?.pushManager.getSubscription())?.unsubscribe();
  if (id) await api.del(`/push/subscriptions/${id}`).catch(() => {});
  localStorage.removeItem(KEY);
}
