/**
 * @module
 * A world for the notify tests of callbacks, action links, SMS replies and phone verification: a
 * fresh database, the notify app in-process with test secrets, two tenants with members of every
 * role, and helpers to raise alerts, add deliveries and sign provider requests.
 */

import { createTestDatabase, type TestDatabase } from "../_support/database.ts";
import { serviceRoleKey, userToken } from "../../local/tokens.ts";
import { connectDatabase, type Sql } from "../../functions/_shared/db.ts";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createNotifyApp } from "../../functions/notify/app.ts";
import { defaultNotifyConfig, type NotifyConfig } from "../../functions/notify/notify_config.ts";
import { twilioSignature } from "../../functions/notify/twilio_signature.ts";

/** Test secrets: none may ever show up in a response or a log line. */
export const SECRETS = {
  jwt: "notify-member-world-jwt-secret-".padEnd(48, "j"),
  actionLink: "notify-member-world-action-link-secret-".padEnd(48, "a"),
  twilioAuthToken: "twilio-auth-token-0123456789abcdef",
  resendWebhookSecret: `whsec_${btoa("resend-webhook-signing-secret-bytes")}`,
} as const;
export const PUBLIC_URL = "https://shelfwatch.example.com";

export const TENANT = "a0000000-0000-4000-8000-000000000001";
export const OTHER_TENANT = "b0000000-0000-4000-8000-000000000002";
export const USERS = {
  owner: "a1000000-0000-4000-8000-000000000001",
  manager: "a1000000-0000-4000-8000-000000000002",
  staff: "a1000000-0000-4000-8000-000000000003",
  viewer: "a1000000-0000-4000-8000-000000000004",
  otherManager: "b1000000-0000-4000-8000-000000000001",
} as const;
export type Who = keyof typeof USERS;

/** Phone numbers: the manager's and the viewer's are verified, the staff's is not. */
export const PHONES = {
  manager: "+15550000002",
  staff: "+15550000003",
  viewer: "+15550000004",
} as const;

/** What a test gets. */
export interface MemberWorld {
  app: ReturnType<typeof createNotifyApp>;
  db: TestDatabase;
  logs: string[];
  /** Texts the local inbox received (no Twilio configured), oldest first. */
  texts(): Promise<{ recipient: string; channel: string; body_text: string }[]>;
  /** The clock the app sees (epoch ms); tests move it. */
  clock: { now: number };
  token(who: Who): Promise<string>;
  /** Raises an alert as the system; returns its id. */
  raise(options?: { tenantId?: string; title?: string; severity?: string }): Promise<string>;
  /** Adds a sent delivery handed to `provider` as `messageId`; returns its id. */
  sentDelivery(
    options: { provider: string; messageId: string; channel?: string; alertId?: string },
  ): Promise<string>;
  /** Runs the dispatcher once through `POST /notify/dispatch` (channels without keys: the inbox). */
  dispatch(): Promise<void>;
  /** POSTs a Twilio-signed form to a notify path. */
  twilioPost(path: string, params: Record<string, string>, signature?: string): Promise<Response>;
}

let counter = 0;

/**
 * Runs `work` against a fresh world.
 *
 * @example
 * ```ts
 * Deno.test("…", () => withMemberWorld(async ({ app, raise }) => { ... }));
 * ```
 */
export async function withMemberWorld(
  work: (world: MemberWorld) => Promise<void>,
  { notify: overrides = {} }: { notify?: Partial<NotifyConfig> } = {},
): Promise<void> {
  await using db = await createTestDatabase();
  await db
    .sql`insert into public.tenants (id, name) values (${TENANT}, 'Bakery'), (${OTHER_TENANT}, 'Grocer')`;
  await db.sql`
    insert into public.tenant_members (tenant_id, user_id, role, display_name, phone, sms_consent) values
      (${TENANT}, ${USERS.owner}, 'owner', 'Olga', null, false),
      (${TENANT}, ${USERS.manager}, 'manager', 'Mia', ${PHONES.manager}, true),
      (${TENANT}, ${USERS.staff}, 'staff', 'Sam', ${PHONES.staff}, true),
      (${TENANT}, ${USERS.viewer}, 'viewer', 'Vic', ${PHONES.viewer}, true),
      (${OTHER_TENANT}, ${USERS.otherManager}, 'manager', 'Otto', null, false)`;
  await db.sql`update public.tenant_members set phone_verified_at = now()
               where user_id in (${USERS.manager}, ${USERS.viewer})`;
  const config = { databaseUrl: db.url, jwtSecret: SECRETS.jwt, poolMax: 4, prepare: true };
  const sql: Sql = connectDatabase(config);
  const logs: string[] = [];
  const clock = { now: Date.now() };
  const app = createNotifyApp({
    config,
    sql,
    logger: createLogger("notify", (line) => logs.push(line)),
    now: () => clock.now,
    notify: {
      ...defaultNotifyConfig(),
      publicUrl: PUBLIC_URL,
      twilioAuthToken: SECRETS.twilioAuthToken,
      resendWebhookSecret: SECRETS.resendWebhookSecret,
      actionLinkSecret: SECRETS.actionLink,
      ...overrides,
    },
  });
  const world: MemberWorld = {
    app,
    db,
    logs,
    texts: () =>
      db.sql<{ recipient: string; channel: string; body_text: string }[]>`
        select recipient, channel, body_text from public.inbox_messages
        where channel in ('sms', 'whatsapp') order by id`,
    clock,
    token: (who) =>
      userToken(SECRETS.jwt, {
        tenantId: who === "otherManager" ? OTHER_TENANT : TENANT,
        userId: USERS[who],
      }),
    raise: async ({ tenantId = TENANT, title, severity = "high" } = {}) => {
      const n = ++counter;
      const [row] = await db.sql<{ id: string }[]>`
        select public.raise_alert(
          tenant_id => ${tenantId}::uuid,
          alert_type => 'inventory.low_stock',
          severity => ${severity},
          title => ${title ?? `Low stock ${n}`},
          description => ${`Item ${n} is running low`},
          dedup_key => ${`test-${n}-${crypto.randomUUID()}`},
          store_id => 'store-1',
          product_id => ${`sku-${n}`}
        ) as id`;
      return row.id;
    },
    sentDelivery: async ({ provider, messageId, channel = "sms", alertId }) => {
      const alert = alertId ?? await world.raise();
      const [row] = await db.sql<{ id: string }[]>`
        insert into public.deliveries
          (tenant_id, alert_id, user_id, channel, reason, status, sent_at, idempotency_key,
           provider, provider_message_id)
        values (${TENANT}, ${alert}, ${USERS.manager}, ${channel}, 'created', 'sent', now(),
                ${`test/${crypto.randomUUID()}`}, ${provider}, ${messageId})
        returning id`;
      return row.id;
    },
    dispatch: async () => {
      const res = await app.request("/notify/dispatch", {
        method: "POST",
        headers: {
          authorization: `Bearer ${await serviceRoleKey(SECRETS.jwt)}`,
          "content-type": "application/json",
        },
        body: "{}",
      });
      if (res.status !== 200) {
        throw new Error(`dispatch answered ${res.status}: ${await res.text()}`);
      }
    },
    twilioPost: async (path, params, signature) => {
      const form = new URLSearchParams(params);
      const url = `${PUBLIC_URL}/functions/v1${path}`;
      return await app.request(path, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": signature ?? twilioSignature(url, form, SECRETS.twilioAuthToken),
        },
        body: form.toString(),
      });
    },
  };
  try {
    await work(world);
  } finally {
    await sql.end();
  }
}

/**
 * Asserts no test secret appears in any of the texts.
 *
 * @example
 * ```ts
 * assertNoSecrets([await res.text(), ...logs]);
 * ```
 */
export function assertNoSecrets(texts: string[]): void {
  for (const text of texts) {
    for (const [name, secret] of Object.entries(SECRETS)) {
      if (text.includes(secret)) throw new Error(`The ${name} secret leaked: ${text}`);
    }
  }
}
