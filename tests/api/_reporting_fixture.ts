/**
 * @module
 * The alerts app (with its reporting routes: analytics, members, push, operations) over the tenant world of `_fixture.ts`; plus the service-role
 * caller, superuser helpers to place alerts and deliveries in time, and JSON/error assertions.
 */

import assert from "node:assert/strict";
import { connectDatabase } from "../../functions/_shared/db.ts";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createAlertsApp } from "../../functions/alerts/app.ts";
import { serviceRoleKey } from "../../local/tokens.ts";
import { type ApiWorld, SECRET, USERS, type Who, withApiWorld } from "./_fixture.ts";

export { OTHER_TENANT, TENANT, USERS } from "./_fixture.ts";

/** Who calls: a member of {@link USERS}, the service role, or nobody (no token). */
export type Caller = Who | "service" | null;

/** What a reporting test gets. */
export interface ReportingWorld extends Pick<ApiWorld, "db" | "raise" | "logs"> {
  /** `app.request` as the caller, with a JSON body when given. */
  call(
    who: Caller,
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  /**
   * Puts an alert in time (as the superuser, triggers off so the times stick): created
   * `createdAgo` seconds before now, acknowledged/resolved that many seconds after creation.
   */
  place(
    id: string,
    times: { createdAgo: number; acknowledgedAfter?: number; resolvedAfter?: number },
  ): Promise<void>;
  /** Inserts a delivery of an alert as the system; returns its id. */
  deliver(
    alertId: string,
    options: {
      user?: Who;
      channel?: string;
      status?: string;
      errorReason?: string | null;
      dueAgo?: number;
      createdAgo?: number;
    },
  ): Promise<string>;
}

/**
 * Runs `work` against a fresh world whose app has every reporting route.
 *
 * @example
 * ```ts
 * Deno.test("…", () => withReportingWorld(async ({ call }) => { ... }));
 * ```
 */
export async function withReportingWorld(
  work: (world: ReportingWorld) => Promise<void>,
  { vapidPublicKey }: { vapidPublicKey?: string } = {},
): Promise<void> {
  await withApiWorld(async ({ db, raise, token }) => {
    const config = { databaseUrl: db.url, jwtSecret: SECRET, poolMax: 4, prepare: true };
    const sql = connectDatabase(config);
    const logs: string[] = [];
    const logger = createLogger("alerts", (line) => logs.push(line));
    const app = createAlertsApp({ config: { ...config, vapidPublicKey }, sql, logger });
    const service = serviceRoleKey(SECRET);

    const call: ReportingWorld["call"] = async (who, path, init = {}) => {
      const headers: Record<string, string> = { ...init.headers };
      if (who) headers.authorization = `Bearer ${await (who === "service" ? service : token(who))}`;
      if (init.body !== undefined) headers["content-type"] = "application/json";
      return await app.request(path, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    };
    const place: ReportingWorld["place"] = async (id, times) => {
      const { createdAgo, acknowledgedAfter, resolvedAfter } = times;
      await db.sql.begin(async (tx) => {
        await tx`set local session_replication_role = replica`;
        await tx`
          update public.alerts set
            created_at = now() - make_interval(secs => ${createdAgo}),
            first_seen_at = now() - make_interval(secs => ${createdAgo}),
            acknowledged_at = now() - make_interval(secs => ${createdAgo})
                              + make_interval(secs => ${acknowledgedAfter ?? null}::float8),
            status = case when ${resolvedAfter ?? null}::float8 is not null then 'resolved'
                          when ${acknowledgedAfter ?? null}::float8 is not null then 'acknowledged'
                          else status end,
            resolved_at = now() - make_interval(secs => ${createdAgo})
                          + make_interval(secs => ${resolvedAfter ?? null}::float8)
          where id = ${id}`;
        // Written with triggers off: recount, as a bulk load must (20261122170200_alert_counts).
        await tx`select private.recount_alerts(tenant_id) from public.alerts where id = ${id}`;
      });
    };
    const deliver: ReportingWorld["deliver"] = async (alertId, options) => {
      const status = options.status ?? "pending";
      const [row] = await db.sql<{ id: string }[]>`
        insert into public.deliveries (tenant_id, alert_id, user_id, channel, reason, status,
                                       error_reason, due_at, sent_at, created_at, idempotency_key)
        select a.tenant_id, a.id, ${USERS[options.user ?? "manager"]}, ${
        options.channel ?? "email"
      }, 'created', ${status}, ${options.errorReason ?? null},
               now() - make_interval(secs => ${options.dueAgo ?? 0}),
               case when ${status} = 'sent' then now() end,
               now() - make_interval(secs => ${options.createdAgo ?? 0}),
               ${crypto.randomUUID()}
        from public.alerts as a where a.id = ${alertId}
        returning id`;
      return row.id;
    };
    try {
      await work({ db, raise, call, place, deliver, logs });
    } finally {
      await sql.end();
    }
  });
}

/** Reads a JSON body, failing with the status and text when it is not JSON. */
export async function json(res: Response) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`Expected JSON, got ${res.status}: ${text}`);
  }
}

/** Asserts an error answer and returns its `error` object. */
export async function expectError(res: Response, status: number, code: string) {
  const body = await json(res);
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code, JSON.stringify(body));
  return body.error as { code: string; message: string; details: unknown };
}
