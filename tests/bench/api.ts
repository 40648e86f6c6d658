/**
 * @module
 * Alerts-API benchmarks through the local gateway: list, summary and acknowledge on a tenant with
 * many alerts, beside the health request (one trivial query) through the same stack.
 *
 * Requests come from many staff members of the tenant (a team of dashboards), each with a token of
 * its own, so the per-token rate limit (600 a minute by default) never answers 429 mid-run.
 */

import type { TestStack } from "../_support/stack.ts";
import { measure, type Measurement } from "./measure.ts";

const TENANT = "00000000-0000-4000-8000-0000000000a9";
/** Staff members sending the requests; request `i` comes from member `i % MEMBERS`. */
const MEMBERS = 64;

/** The user id of bench member `n`. */
function memberId(n: number): string {
  return `00000000-0000-4000-8000-${(0xaa00 + n).toString(16).padStart(12, "0")}`;
}

/** A benchmark of failing requests measures nothing: every answer must be 2xx. */
async function ok(res: Response): Promise<ArrayBuffer> {
  if (!res.ok) throw new Error(`${res.url} answered ${res.status}: ${await res.text()}`);
  return await res.arrayBuffer();
}

/** Loads `count` alerts (a mix of severities and statuses) for one tenant, with triggers off. */
export async function loadAlerts(stack: TestStack, count: number): Promise<void> {
  const sql = stack.db.sql;
  await sql`insert into public.tenants (id, name) values (${TENANT}, 'API bench')`;
  await sql`insert into public.tenant_members (tenant_id, user_id, role)
            select ${TENANT}, unnest(${
    Array.from({ length: MEMBERS }, (_, n) => memberId(n))
  }::uuid[]),
                   'staff'`;
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key, status, store_id, product_id,
                                        created_at, resolved_at)
             select ${TENANT}, 'stockout_risk', (array['low','medium','high','critical'])[1 + g % 4],
                    'Item ' || g || ' runs out', 'bench:' || g,
                    case when g % 3 = 0 then 'resolved' else 'active' end, 's' || (g % 40), 'p' || g,
                    now() - make_interval(secs => g), case when g % 3 = 0 then now() end
             from generate_series(1, ${count}) as g`;
    // Loaded with triggers off: count them as a bulk load must (20261122170200_alert_counts).
    await tx`select private.recount_alerts(${TENANT})`;
  });
  // A table in steady state: autovacuum has set the visibility map (index-only scans skip the heap).
  await sql`vacuum analyze public.alerts`;
}

/** Requests per second and latency for each API call, beside /health. */
export async function apiCalls(stack: TestStack, count: number) {
  const tokens = await Promise.all(
    Array.from(
      { length: MEMBERS },
      (_, n) => stack.tokenFor({ tenantId: TENANT, userId: memberId(n) }),
    ),
  );
  const headers = (i: number) => ({ authorization: `Bearer ${tokens[i % MEMBERS]}` });
  const get = (path: string) => (i: number) =>
    fetch(`${stack.url}/functions/v1/alerts${path}`, { headers: headers(i) }).then(ok);
  // At most a minute per call: a machine too busy to finish still ends the run, with fewer requests.
  const options = { count, concurrency: 8, maxSeconds: 60 };
  const reference = await measure(get("/health"), options);
  const list = await measure(get("?limit=50&status=active"), options);
  const summary = await measure(get("/summary"), options);
  const open = await stack.db.sql<{ id: string }[]>`
    select id from public.alerts where tenant_id = ${TENANT} and status = 'active' limit ${count}`;
  const acknowledge = await measure(
    (i) =>
      fetch(`${stack.url}/functions/v1/alerts/${open[i].id}/acknowledge`, {
        method: "POST",
        headers: { ...headers(i), "content-type": "application/json" },
        body: "{}",
      }).then(ok),
    options,
  );
  return { reference, list, summary, acknowledge } satisfies Record<string, Measurement>;
}
