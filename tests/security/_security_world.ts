/**
 * @module
 * The world of the security suite: the whole stack in-process (real Postgres, real HTTP, the
 * Realtime gateway), two tenants whose owners each have a row in every tenant table, and helpers
 * to call the API and notify as either owner or with any token.
 */

import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { startTestStack, type TestStack } from "../_support/stack.ts";
import { anonKey } from "../../local/tokens.ts";
import { defaultNotifyConfig, type NotifyConfig } from "../../functions/notify/notify_config.ts";

/** The attacker's tenant and the victim's. */
export const TENANT_A = "5a000000-0000-4000-8000-00000000000a";
export const TENANT_B = "5b000000-0000-4000-8000-00000000000b";
export const OWNER_A = "5a100000-0000-4000-8000-00000000000a";
export const OWNER_B = "5b100000-0000-4000-8000-00000000000b";

/** Secrets the stack runs with: none may appear in a response or a log line. */
export const SECRETS = {
  twilioAuthToken: "twilio-auth-token-security-suite-0123456789",
  resendApiKey: "re_security_suite_resend_api_key_0123456789",
  resendWebhookSecret: `whsec_${btoa("security-suite-resend-webhook-bytes")}`,
  actionLink: "security-suite-action-link-secret-".padEnd(48, "x"),
} as const;
export const PUBLIC_URL = "https://shelfwatch.security.example";

/** The ids of the rows seeded for one tenant. */
export interface Seeded {
  alert: string;
  rule: string;
  suppression: string;
  delivery: string;
  ingestKey: string;
  push: string;
  inbox: string;
}

/** What a security test gets. */
export interface SecurityWorld extends AsyncDisposable {
  stack: TestStack;
  a: Seeded;
  b: Seeded;
  /** Requests `/functions/v1<path>` with `token` (a string), as an owner, or with no token. */
  call(
    who: "A" | "B" | string | null,
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  /** The stack's anon key. */
  anon(): Promise<string>;
  /** A supabase-js client whose Realtime access token is `who`'s (an owner's, or any token). */
  client(who: "A" | "B" | string): Promise<SupabaseClient>;
  /** The digest of every row of every public table, to prove an attack changed nothing. */
  snapshot(): Promise<string>;
}

/**
 * Starts the stack and seeds both tenants.
 *
 * @example
 * ```ts
 * await using world = await startSecurityWorld();
 * const res = await world.call("A", `/alerts/${world.b.alert}`);
 * ```
 */
export async function startSecurityWorld(
  { notify = {} }: { notify?: Partial<NotifyConfig> } = {},
): Promise<SecurityWorld> {
  const stack = await startTestStack({
    notify: {
      ...defaultNotifyConfig(),
      publicUrl: PUBLIC_URL,
      twilioAuthToken: SECRETS.twilioAuthToken,
      resendWebhookSecret: SECRETS.resendWebhookSecret,
      actionLinkSecret: SECRETS.actionLink,
      ...notify,
    },
  });
  try {
    const a = await seedTenant(stack, TENANT_A, OWNER_A, "a");
    const b = await seedTenant(stack, TENANT_B, OWNER_B, "b");
    const tokens = {
      A: await stack.tokenFor({ tenantId: TENANT_A, userId: OWNER_A }),
      B: await stack.tokenFor({ tenantId: TENANT_B, userId: OWNER_B }),
    };
    const anon = await anonKey(stack.jwtSecret);
    const clients: SupabaseClient[] = [];
    return {
      stack,
      a,
      b,
      anon: () => Promise.resolve(anon),
      async client(who) {
        const token = who === "A" || who === "B" ? tokens[who] : who;
        const supabase = createClient(stack.url, anon, {
          auth: { persistSession: false, autoRefreshToken: false },
          realtime: { vsn: "2.0.0" } as Record<string, unknown>,
          accessToken: () => Promise.resolve(token),
        });
        clients.push(supabase);
        await supabase.realtime.setAuth(); // joins carry the token, not the anon key
        return supabase;
      },
      call(who, path, init = {}) {
        const headers: Record<string, string> = { ...init.headers };
        const token = who === "A" || who === "B" ? tokens[who] : who;
        if (token) headers.authorization = `Bearer ${token}`;
        if (init.body !== undefined) headers["content-type"] = "application/json";
        return fetch(`${stack.url}/functions/v1${path}`, {
          method: init.method ?? (init.body === undefined ? "GET" : "POST"),
          headers,
          body: init.body === undefined
            ? undefined
            : typeof init.body === "string"
            ? init.body
            : JSON.stringify(init.body),
        });
      },
      async snapshot() {
        const tables = await stack.db.sql<{ name: string }[]>`
          select c.relname as name from pg_class c
          where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' order by 1`;
        const parts: string[] = [];
        for (const { name } of tables) {
          const [row] = await stack.db.sql<{ digest: string | null }[]>`
            select md5(string_agg(t::text, '|' order by t::text)) as digest
            from ${stack.db.sql("public." + name)} t`;
          parts.push(`${name}:${row.digest}`);
        }
        return parts.join("\n");
      },
      async [Symbol.asyncDispose]() {
        for (const supabase of clients) await supabase.removeAllChannels();
        for (const supabase of clients) supabase.realtime.disconnect();
        await stack[Symbol.asyncDispose]();
      },
    };
  } catch (error) {
    await stack[Symbol.asyncDispose]();
    throw error;
  }
}

/** One row in every tenant table for `tenantId`, owned by `ownerId`. */
async function seedTenant(
  stack: TestStack,
  tenantId: string,
  ownerId: string,
  tag: string,
): Promise<Seeded> {
  const sql = stack.db.sql;
  await sql`insert into public.tenants (id, name) values (${tenantId}, ${`Tenant ${tag}`})`;
  await sql`insert into public.tenant_members
              (tenant_id, user_id, role, display_name, email, email_consent, phone)
            values (${tenantId}, ${ownerId}, 'owner', ${`Owner ${tag}`},
                    ${`owner-${tag}@example.com`}, true, ${`+1555000000${tag === "a" ? 1 : 2}`})`;
  await sql`insert into public.stores (tenant_id, id, name) values (${tenantId}, 'store-1', 'Main')`;
  await sql`insert into public.products (tenant_id, id, name) values (${tenantId}, 'sku-1', 'Milk')`;
  await sql`insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand)
            values (${tenantId}, 'store-1', 'sku-1', 3)`;
  await sql`insert into public.sales (tenant_id, store_id, product_id, sales_date, quantity)
            values (${tenantId}, 'store-1', 'sku-1', current_date, 4)`;
  await sql`insert into public.demand_forecasts
              (tenant_id, store_id, product_id, forecast_date, forecasted_demand)
            values (${tenantId}, 'store-1', 'sku-1', current_date + 1, 5)`;
  await sql`insert into public.inbound_orders (tenant_id, store_id, product_id, quantity, expected_at)
            values (${tenantId}, 'store-1', 'sku-1', 10, now() + interval '1 day')`;
  const [alert] = await sql<{ id: string }[]>`
    select public.raise_alert(
      tenant_id => ${tenantId}::uuid, alert_type => 'inventory.low_stock', severity => 'high',
      title => ${`Secret alert of ${tag}`}, description => ${`Only ${tag} may read this`},
      dedup_key => ${`seed-${tag}`}, store_id => 'store-1', product_id => 'sku-1') as id`;
  const [rule] = await sql<{ id: string }[]>`
    insert into public.alert_rules (tenant_id, name, event_types, severity, title_template)
    values (${tenantId}, ${`Rule ${tag}`}, '{inventory.*}', 'high', 'Low {{payload.sku}}') returning id`;
  const [suppression] = await sql<{ id: string }[]>`
    insert into public.alert_suppressions (tenant_id, ends_at, reason)
    values (${tenantId}, now() + interval '1 hour', ${`Maintenance ${tag}`}) returning id`;
  const [delivery] = await sql<{ id: string }[]>`
    insert into public.deliveries
      (tenant_id, alert_id, user_id, channel, reason, status, sent_at, idempotency_key,
       provider, provider_message_id)
    values (${tenantId}, ${alert.id}, ${ownerId}, 'sms', 'created', 'sent', now(),
            ${`seed/${tag}`}, 'twilio', ${`SM${tag}seed`}) returning id`;
  await sql`insert into public.delivery_status_events
              (tenant_id, delivery_id, provider, status, occurred_at)
            values (${tenantId}, ${delivery.id}, 'twilio', 'sent', now())`;
  const [inbox] = await sql<{ id: string }[]>`
    insert into public.inbox_messages (tenant_id, user_id, channel, recipient, subject, body_text)
    values (${tenantId}, ${ownerId}, 'email', ${`owner-${tag}@example.com`},
            ${`Inbox of ${tag}`}, 'private') returning id::text`;
  const [ingestKey] = await sql<{ id: string }[]>`
    insert into public.tenant_ingest_keys (tenant_id, name, key_hash, created_by)
    values (${tenantId}, ${`Key ${tag}`}, sha256(${`key-${tag}`}::bytea), ${ownerId})
    returning id`;
  const [push] = await sql<{ id: string }[]>`
    insert into public.push_subscriptions (tenant_id, user_id, endpoint, p256dh, auth)
    values (${tenantId}, ${ownerId}, ${`https://push.example/${tag}`}, 'BPp256dhp256dhp256dhp256dh', 'authauthauth')
    returning id`;
  await sql`insert into public.webhook_secrets (tenant_id, secret) values (${tenantId}, ${
    `whsec-${tag}-`.padEnd(40, tag)
  })`;
  await sql`insert into public.phone_verifications
              (tenant_id, user_id, channel, number, code_hash, expires_at)
            values (${tenantId}, ${ownerId}, 'sms', '+15550000009', sha256('123456'),
                    now() + interval '10 minutes')`;
  await sql`insert into public.action_link_uses
              (tenant_id, jti, alert_id, user_id, action, expires_at)
            values (${tenantId}, gen_random_uuid(), ${alert.id}, ${ownerId}, 'acknowledge',
                    now() + interval '1 day')`;
  await sql`insert into public.alert_events (tenant_id, source, event_type, payload)
            values (${tenantId}, 'pos', 'inventory.low_stock', ${sql.json({ sku: "sku-1" })})`;
  return {
    alert: alert.id,
    rule: rule.id,
    suppression: suppression.id,
    delivery: delivery.id,
    ingestKey: ingestKey.id,
    push: push.id,
    inbox: inbox.id,
  };
}
