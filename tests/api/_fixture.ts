/**
 * @module
 * A tenant world for the alerts API tests: a fresh database, the app in-process, two tenants with
 * members of every role, and a way to mint each member's token and raise alerts as the system.
 */

import { createTestDatabase, type TestDatabase } from "../_support/database.ts";
import { userToken } from "../../local/tokens.ts";
import { connectDatabase, type Sql } from "../../functions/_shared/db.ts";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createAlertsApp } from "../../functions/alerts/app.ts";

/** The test JWT secret. */
export const SECRET = "alerts-api-test-secret-".padEnd(48, "z");
/** The tenant the tests act in, and another one whose rows must stay invisible. */
export const TENANT = "a0000000-0000-4000-8000-000000000001";
export const OTHER_TENANT = "b0000000-0000-4000-8000-000000000002";

/** Users: one per role in TENANT, a manager of OTHER_TENANT, and someone in no tenant. */
export const USERS = {
  owner: "a1000000-0000-4000-8000-000000000001",
  manager: "a1000000-0000-4000-8000-000000000002",
  staff: "a1000000-0000-4000-8000-000000000003",
  viewer: "a1000000-0000-4000-8000-000000000004",
  otherManager: "b1000000-0000-4000-8000-000000000001",
  stranger: "c1000000-0000-4000-8000-000000000001",
} as const;
/** A user of {@link USERS}. */
export type Who = keyof typeof USERS;

/** Options of {@link raise}. */
export interface RaiseOptions {
  tenantId?: string;
  severity?: "low" | "medium" | "high" | "critical";
  title?: string;
  description?: string;
  alertType?: string;
  category?: string;
  storeId?: string | null;
  productId?: string | null;
  priority?: number | null;
}

/** What a test gets. */
export interface ApiWorld {
  app: ReturnType<typeof createAlertsApp>;
  db: TestDatabase;
  logs: string[];
  /** A bearer token for a user (in TENANT, except otherManager and stranger). */
  token(who: Who): Promise<string>;
  /** `app.request` with the user's token and, for a body, JSON. */
  call(
    who: Who | null,
    path: string,
    init?: { method?: string; body?: unknown },
  ): Promise<Response>;
  /** Raises an alert as the system; returns its id. */
  raise(options?: RaiseOptions): Promise<string>;
}

let counter = 0;

/**
 * Runs `work` against a fresh world.
 *
 * @example
 * ```ts
 * Deno.test("…", () => withApiWorld(async ({ call, raise }) => { ... }));
 * ```
 */
export async function withApiWorld(
  work: (world: ApiWorld) => Promise<void>,
  { corsOrigins }: { corsOrigins?: string[] } = {},
): Promise<void> {
  await using db = await createTestDatabase();
  await db
    .sql`insert into public.tenants (id, name) values (${TENANT}, 'Bakery'), (${OTHER_TENANT}, 'Grocer')`;
  await db.sql`
    insert into public.tenant_members (tenant_id, user_id, role, display_name) values
      (${TENANT}, ${USERS.owner}, 'owner', 'Olga'),
      (${TENANT}, ${USERS.manager}, 'manager', 'Mia'),
      (${TENANT}, ${USERS.staff}, 'staff', 'Sam'),
      (${TENANT}, ${USERS.viewer}, 'viewer', 'Vic'),
      (${OTHER_TENANT}, ${USERS.otherManager}, 'manager', 'Otto')`;
  const config = { databaseUrl: db.url, jwtSecret: SECRET, poolMax: 4, prepare: true, corsOrigins };
  const sql: Sql = connectDatabase(config);
  const logs: string[] = [];
  const app = createAlertsApp({
    config,
    sql,
    logger: createLogger("alerts", (line) => logs.push(line)),
  });
  const tokens = new Map<Who, Promise<string>>();
  const token = (who: Who) => {
    if (!tokens.has(who)) {
      const tenantId = who === "otherManager" ? OTHER_TENANT : TENANT;
      tokens.set(who, userToken(SECRET, { tenantId, userId: USERS[who] }));
    }
    return tokens.get(who)!;
  };
  const call: ApiWorld["call"] = async (who, path, init = {}) => {
    const headers: Record<string, string> = {};
    if (who) headers.authorization = `Bearer ${await token(who)}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    return app.request(path, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  };
  const raise: ApiWorld["raise"] = async (options = {}) => {
    const n = ++counter;
    const [row] = await db.sql<{ id: string }[]>`
      select public.raise_alert(
        tenant_id => ${options.tenantId ?? TENANT}::uuid,
        alert_type => ${options.alertType ?? "inventory.low_stock"},
        severity => ${options.severity ?? "high"},
        title => ${options.title ?? `Low stock ${n}`},
        description => ${options.description ?? `Item ${n} is running low`},
        dedup_key => ${`test-${n}-${crypto.randomUUID()}`},
        store_id => ${options.storeId === undefined ? "store-1" : options.storeId},
        product_id => ${options.productId === undefined ? `sku-${n}` : options.productId},
        category => ${options.category ?? "inventory"},
        priority => ${options.priority ?? null}::int
      ) as id`;
    return row.id;
  };
  try {
    await work({ app, db, logs, token, call, raise });
  } finally {
    await sql.end();
  }
}
