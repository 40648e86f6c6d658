/**
 * @module
 * Alerts-API benchmarks through the local gateway: list, summary and acknowledge on a tenant with
 * many alerts, each beside the health request (one trivial query) through the same stack,
 * measured in alternating blocks so both see the same machine.
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

/** One API call measured in blocks, each right after a block of the reference. */
export interface PairedMeasurement {
  figure: Measurement;
  reference: Measurement;
}

/** Blocks per paired measurement: reference and figure alternate this many times. */
const BLOCKS = 10;

/**
 * Adds up block measurements: the rate over all of them; p50 the median of the blocks' p50s, p95
 * and p99 the highest block p95 and p99 (block latencies are not kept, so these are close, not
 * exact).
 */
function combine(blocks: Measurement[]): Measurement {
  const operations = blocks.reduce((sum, m) => sum + m.operations, 0);
  const seconds = blocks.reduce((sum, m) => sum + m.seconds, 0);
  const p50s = blocks.map((m) => m.p50Ms).sort((a, b) => a - b);
  return {
    operations,
    seconds,
    perSecond: operations / seconds,
    p50Ms: p50s[Math.floor(p50s.length / 2)],
    p95Ms: Math.max(...blocks.map((m) => m.p95Ms)),
    p99Ms: Math.max(...blocks.map((m) => m.p99Ms)),
  };
}

/**
 * Measures `operation` `count` times beside `reference` as many times, alternating blocks of each,
 * so a shared machine whose load changes during the run moves both alike. Each block stops
 * starting requests after `maxSeconds / BLOCKS / 2`, so a pair never takes much longer than that.
 */
async function paired(
  operation: (index: number) => Promise<unknown>,
  reference: (index: number) => Promise<unknown>,
  { count, maxSeconds }: { count: number; maxSeconds: number },
): Promise<PairedMeasurement> {
  const size = Math.ceil(count / BLOCKS);
  const options = { count: size, concurrency: 8, maxSeconds: maxSeconds / BLOCKS / 2 };
  const figures: Measurement[] = [];
  const references: Measurement[] = [];
  let done = 0;
  for (let block = 0; block < BLOCKS; block++) {
    references.push(await measure((i) => reference(block * size + i), options));
    const offset = done;
    figures.push(await measure((i) => operation(offset + i), options));
    done += figures.at(-1)!.operations;
  }
  return { figure: combine(figures), reference: combine(references) };
}

/**
 * Requests per second and latency for list, summary and acknowledge, each beside /health
 * measured in alternating blocks with it. At most `maxSeconds` per call (a machine too busy to
 * finish still ends the run, with fewer requests).
 */
export async function apiCalls(stack: TestStack, count: number, { maxSeconds = 120 } = {}) {
  const tokens = await Promise.all(
    Array.from(
      { length: MEMBERS },
      (_, n) => stack.tokenFor({ tenantId: TENANT, userId: memberId(n) }),
    ),
  );
  const headers = (i: number) => ({ authorization: `Bearer ${tokens[i % MEMBERS]}` });
  const get = (path: string) => (i: number) =>
    fetch(`${stack.url}/functions/v1/alerts${path}`, { headers: headers(i) }).then(ok);
  const health = get("/health");
  const options = { count, maxSeconds };
  const list = await paired(get("?limit=50&status=active"), health, options);
  const summary = await paired(get("/summary"), health, options);
  const open = await stack.db.sql<{ id: string }[]>`
    select id from public.alerts where tenant_id = ${TENANT} and status = 'active' limit ${count}`;
  const acknowledge = await paired(
    (i) =>
      fetch(`${stack.url}/functions/v1/alerts/${open[i].id}/acknowledge`, {
        method: "POST",
        headers: { ...headers(i), "content-type": "application/json" },
        body: "{}",
      }).then(ok),
    health,
    options,
  );
  return { list, summary, acknowledge } satisfies Record<string, PairedMeasurement>;
}
