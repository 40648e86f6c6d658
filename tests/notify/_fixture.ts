/**
 * @module
 * Test helpers for notifications: a local HTTP server standing in for a provider (it records
 * every request and answers what the test says), tenants and members to route to, and notify
 * configurations built by hand.
 */

import type postgres from "postgres";
import { defaultNotifyConfig, type NotifyConfig } from "../../functions/notify/notify_config.ts";

/** A request the fake provider received. */
export interface Received {
  method: string;
  path: string;
  search: string;
  headers: Headers;
  body: Uint8Array;
  text: string;
  /** When it arrived (performance.now()). */
  at: number;
}

/** A fake provider. */
export interface FakeProvider extends AsyncDisposable {
  url: string;
  requests: Received[];
  /** Replaces how it answers. */
  respond(handler: (request: Received) => Response | Promise<Response>): void;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/**
 * Starts a fake provider on a free port.
 *
 * @example
 * ```ts
 * await using resend = await fakeProvider(() => Response.json({ id: "em_1" }));
 * ```
 */
export function fakeProvider(
  handler: (request: Received) => Response | Promise<Response> = () => new Response("ok"),
): FakeProvider {
  const requests: Received[] = [];
  let answer = handler;
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const body = new Uint8Array(await req.arrayBuffer());
    const received: Received = {
      method: req.method,
      path: url.pathname,
      search: url.search,
      headers: req.headers,
      body,
      text: new TextDecoder().decode(body),
      at: performance.now(),
    };
    requests.push(received);
    for (const waiter of waiters.filter((w) => requests.length >= w.count)) waiter.resolve();
    return await answer(received);
  });
  const close = () => server.shutdown();
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    respond(next) {
      answer = next;
    },
    waitFor(count, timeoutMs = 10_000) {
      if (requests.length >= count) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`Expected ${count} requests, got ${requests.length}`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(requests);
          },
        });
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * A notify configuration: every provider off (inbox) unless the test sets it.
 *
 * @example
 * ```ts
 * const config = notifyConfig({ resendApiKey: "re_test", resendBaseUrl: resend.url });
 * ```
 */
export function notifyConfig(overrides: Partial<NotifyConfig> = {}): NotifyConfig {
  return { ...defaultNotifyConfig(), ...overrides };
}

/** A tenant with the given settings; returns its id. */
export async function createTenant(
  sql: postgres.Sql,
  { name = "Notify test bakery", settings = {}, timezone = "UTC" }: {
    name?: string;
    settings?: Record<string, unknown>;
    timezone?: string;
  } = {},
): Promise<string> {
  const [{ id }] = await sql<{ id: string }[]>`
    insert into public.tenants (name, timezone, settings)
    values (${name}, ${timezone}, ${sql.json(settings as postgres.JSONValue)}) returning id`;
  return id;
}

/** A member (owner by default) with contact points; returns the user id. */
export async function addMember(
  sql: postgres.Sql,
  tenantId: string,
  {
    role = "owner",
    email = null,
    phone = null,
    whatsapp = null,
    push = false,
    preferences = {},
  }: {
    role?: string;
    email?: string | null;
    phone?: string | null;
    whatsapp?: string | null;
    push?: boolean;
    preferences?: Record<string, unknown>;
  } = {},
): Promise<string> {
  const userId = crypto.randomUUID();
  await sql`
    insert into public.tenant_members
      (tenant_id, user_id, role, display_name, email, email_consent, phone, sms_consent,
       phone_verified_at, whatsapp, whatsapp_consent, whatsapp_verified_at, push_consent, preferences)
    values (${tenantId}, ${userId}, ${role}, 'Test member', ${email}, ${email !== null},
            ${phone}, ${phone !== null}, ${phone === null ? null : new Date()},
            ${whatsapp}, ${whatsapp !== null}, ${whatsapp === null ? null : new Date()},
            ${push}, ${sql.json(preferences as postgres.JSONValue)})`;
  return userId;
}

/** Raises an alert through SQL as other systems do; routing writes its deliveries. */
export async function raiseAlert(
  sql: postgres.Sql,
  tenantId: string,
  { severity = "high", title = "Sourdough is running out", dedupKey }: {
    severity?: string;
    title?: string;
    dedupKey?: string;
  } = {},
): Promise<string> {
  const [{ id }] = await sql<{ id: string }[]>`
    select public.raise_alert(${tenantId}, 'inventory.low_stock', ${severity}, ${title},
      'Only 3 left, selling 2 an hour', ${dedupKey ?? crypto.randomUUID()}, null, null,
      'Order 40 more from the mill', 'About $120 of sales at risk today') as id`;
  return id;
}

/** Deliveries of a tenant, oldest first. */
export function deliveriesOf(sql: postgres.Sql, tenantId: string) {
  return sql<{
    id: string;
    channel: string;
    status: string;
    attempts: number;
    provider: string | null;
    provider_message_id: string | null;
    error_reason: string | null;
    last_error: string | null;
    idempotency_key: string;
    due_at: Date;
  }[]>`
    select id, channel, status, attempts, provider, provider_message_id, error_reason, last_error,
           idempotency_key, due_at
    from public.deliveries where tenant_id = ${tenantId} order by created_at, id`;
}
