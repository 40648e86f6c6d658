/**
 * @module
 * Every notification channel at once against local fake providers, for the load and fault suites:
 * Resend (email), Twilio (SMS and WhatsApp), a push service, Slack, Discord and a generic webhook
 * receiver, each a `Deno.serve` on 127.0.0.1 recording what it received. Tenant destinations are
 * configured as `https://<channel>.fake.test/...` (the settings accept only https) and a trigger
 * in the throwaway test database points them at the fakes as routing writes them. Each request is
 * reduced to a key naming the delivery it carries, so a test can count sends per delivery.
 */

import { createECDH, randomBytes } from "node:crypto";
import type postgres from "postgres";
import webpush from "web-push";
import { CHANNEL_NAMES } from "../../functions/_shared/channels.ts";
import type { NotifyConfig } from "../../functions/notify/notify_config.ts";
import {
  addMember,
  createTenant,
  type FakeProvider,
  fakeProvider,
  notifyConfig,
  type Received,
} from "../notify/_fixture.ts";

/** The channels a member and a tenant are reached on here. */
export const CHANNELS = CHANNEL_NAMES;
export type LoadChannel = (typeof CHANNELS)[number];

/** One fake provider per endpoint (Twilio serves both SMS and WhatsApp). */
export interface AllChannels extends AsyncDisposable {
  resend: FakeProvider;
  twilio: FakeProvider;
  push: FakeProvider;
  slack: FakeProvider;
  discord: FakeProvider;
  webhook: FakeProvider;
  /** Notify configuration sending to the fakes, with no per-destination rate. */
  config: NotifyConfig;
  /** Every request received so far as `{ channel, key }` (key: which delivery it carried). */
  sends(): { channel: LoadChannel; key: string; at: number }[];
  /** Makes every fake answer with `handler` (or their normal success again when omitted). */
  respondAll(handler?: (request: Received) => Response | Promise<Response>): void;
}

/** What each fake answers when things go well, as the real provider would. */
const SUCCESS: Record<string, () => Response> = {
  resend: () => Response.json({ id: `em_${crypto.randomUUID()}` }),
  twilio: () =>
    Response.json({ sid: `SM${crypto.randomUUID().replaceAll("-", "")}` }, { status: 201 }),
  push: () =>
    new Response(null, { status: 201, headers: { location: `/m/${crypto.randomUUID()}` } }),
  slack: () => new Response("ok"),
  discord: () => new Response(null, { status: 204 }),
  webhook: () => new Response(null, { status: 204 }),
};

/**
 * Starts the fakes.
 *
 * @example
 * ```ts
 * await using channels = startAllChannels();
 * const stack = await startTestStack({ dispatchWorker: true, notify: channels.config });
 * ```
 */
export function startAllChannels(overrides: Partial<NotifyConfig> = {}): AllChannels {
  const fakes = Object.fromEntries(
    Object.entries(SUCCESS).map(([name, answer]) => [name, fakeProvider(answer)]),
  ) as Record<"resend" | "twilio" | "push" | "slack" | "discord" | "webhook", FakeProvider>;
  const vapid = webpush.generateVAPIDKeys();
  const config = notifyConfig({
    resendApiKey: "re_load",
    resendBaseUrl: fakes.resend.url,
    twilioAccountSid: "ACload",
    twilioAuthToken: "twilio-load-token",
    twilioSmsFrom: "+15550009999",
    twilioWhatsappFrom: "+15550009998",
    twilioBaseUrl: fakes.twilio.url,
    vapidPublicKey: vapid.publicKey,
    vapidPrivateKey: vapid.privateKey,
    webPushBaseUrl: fakes.push.url,
    rates: { slack: 0, discord: 0, twilio: 0, email: 0 },
    ...overrides,
  });
  return {
    ...fakes,
    config,
    sends() {
      const out: { channel: LoadChannel; key: string; at: number }[] = [];
      for (const r of fakes.resend.requests) {
        out.push({ channel: "email", key: r.headers.get("idempotency-key") ?? "", at: r.at });
      }
      for (const r of fakes.twilio.requests) {
        const form = new URLSearchParams(r.text);
        const to = form.get("To") ?? "";
        out.push({
          channel: to.startsWith("whatsapp:") ? "whatsapp" : "sms",
          key: `${to}|${form.get("Body")?.split("\n")[0]}`,
          at: r.at,
        });
      }
      for (const r of fakes.push.requests) {
        out.push({ channel: "push", key: `${r.path}|${r.headers.get("topic")}`, at: r.at });
      }
      for (const name of ["slack", "discord"] as const) {
        for (const r of fakes[name].requests) {
          const key = r.headers.get("x-shelfwatch-idempotency-key") ?? "";
          out.push({ channel: name, key, at: r.at });
        }
      }
      for (const r of fakes.webhook.requests) {
        out.push({ channel: "webhook", key: r.headers.get("idempotency-key") ?? "", at: r.at });
      }
      return out;
    },
    respondAll(handler) {
      for (const [name, fake] of Object.entries(fakes)) fake.respond(handler ?? SUCCESS[name]);
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(Object.values(fakes).map((fake) => fake.close()));
    },
  };
}

/**
 * Points tenant destinations written as `https://<channel>.fake.test/...` at the fakes: a
 * before-insert trigger on `public.deliveries` of this (throwaway) database only.
 *
 * @example
 * ```ts
 * await routeToFakes(db.sql, channels);
 * ```
 */
export async function routeToFakes(sql: postgres.Sql, channels: AllChannels): Promise<void> {
  const hosts = {
    slack: channels.slack.url,
    discord: channels.discord.url,
    webhook: channels.webhook.url,
  };
  const cases = Object.entries(hosts).map(([name, url]) =>
    `new.destination := replace(new.destination, 'https://${name}.fake.test', '${url}');`
  ).join("\n");
  await sql.unsafe(`
    create schema if not exists load_test;
    create or replace function load_test.to_fakes() returns trigger language plpgsql as $$
    begin
      if new.destination like 'https://%.fake.test/%' then
        ${cases}
      end if;
      return new;
    end $$;
    create trigger _000_load_test_to_fakes before insert on public.deliveries
      for each row execute function load_test.to_fakes();`);
}

/**
 * A tenant reached on every channel: webhooks to Slack, Discord and a receiver from
 * `min_severity`, and one owner with email, verified SMS and WhatsApp numbers and a push
 * subscription. Critical alerts go to all seven channels.
 *
 * @example
 * ```ts
 * const { tenantId, userId } = await tenantOnEveryChannel(db.sql, { name: "Bakery" });
 * ```
 */
export async function tenantOnEveryChannel(
  sql: postgres.Sql,
  { name = "Load bakery", minSeverity = "high", tag = crypto.randomUUID().slice(0, 8) }: {
    name?: string;
    minSeverity?: string;
    tag?: string;
  } = {},
): Promise<{ tenantId: string; userId: string }> {
  const tenantId = await createTenant(sql, {
    name,
    settings: {
      notifications: {
        webhooks: ["slack", "discord", "webhook"].map((channel) => ({
          channel,
          url: `https://${channel}.fake.test/${tag}/${channel}`,
          min_severity: minSeverity,
        })),
      },
    },
  });
  const digits = String(Math.floor(Math.random() * 1e7)).padStart(7, "0");
  const userId = await addMember(sql, tenantId, {
    email: `owner-${tag}@bakery.test`,
    phone: `+1555${digits}`,
    whatsapp: `+1556${digits}`,
    push: true,
  });
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  await sql`
    insert into public.push_subscriptions (tenant_id, user_id, endpoint, p256dh, auth)
    values (${tenantId}, ${userId}, ${`https://push.fake.test/send/${tag}`},
            ${ecdh.getPublicKey("base64url")}, ${randomBytes(16).toString("base64url")})`;
  return { tenantId, userId };
}

/**
 * Counts keys and returns those seen more than once (a delivery sent twice).
 *
 * @example
 * ```ts
 * assert.deepEqual(duplicates(channels.sends().map((s) => s.key)), []);
 * ```
 */
export function duplicates(keys: string[]): string[] {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([key, n]) => `${key} x${n}`);
}

/**
 * Resolves once `check` is truthy, polling every 50 ms; rejects after `ms` naming `what`.
 *
 * @example
 * ```ts
 * await until(() => channels.sends().length >= 700, "every send arrived", 60_000);
 * ```
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Percentiles (nearest rank) of a list of milliseconds, rounded, for printing.
 *
 * @example
 * ```ts
 * console.log(percentiles([3, 1, 2])); // { p50: 2, p95: 3, p99: 3, max: 3 }
 * ```
 */
export function percentiles(values: number[]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}
