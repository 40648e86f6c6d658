/**
 * @module
 * Notification benchmarks, each beside a reference measured in the same run:
 * - dispatch throughput: webhook deliveries in the outbox sent to a local sink by one dispatcher,
 *   beside bare HTTP POSTs of the same size to the same sink at the same concurrency;
 * - delivery latency: alerts written through SQL at a steady 100/s on the stack with its dispatch
 *   worker, from the write to the (fake) email provider receiving the request, p50/p99, beside a
 *   bare POST's round trip to the same sink.
 */

import postgres from "postgres";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createDispatcher } from "../../functions/notify/dispatcher.ts";
import { createTestDatabase } from "../_support/database.ts";
import { startTestStack } from "../_support/stack.ts";
import { addMember, createTenant, fakeProvider, notifyConfig } from "../notify/_fixture.ts";
import { measure, type Measurement, percentile } from "./measure.ts";
import type { BenchRow } from "./report.ts";

/** A benchmark row, as run.ts prints it. */
export type NotifyRow = BenchRow;

const quiet = createLogger("bench", () => {});

function rate(m: Measurement): string {
  return `${m.perSecond.toFixed(0)}/s p50 ${m.p50Ms.toFixed(2)} ms p99 ${m.p99Ms.toFixed(2)} ms`;
}

/** Deliveries per second through claim, render, sign, send and record. */
async function throughput(count: number, progress: (text: string) => void): Promise<NotifyRow> {
  await using db = await createTestDatabase();
  await using sink = fakeProvider(() => new Response(null, { status: 204 }));
  const tenantId = await createTenant(db.sql);
  const [{ id: alertId }] = await db.sql<{ id: string }[]>`
    select public.raise_alert(${tenantId}, 'bench.notify', 'high', 'Bench alert') as id`;
  const concurrency = 16;

  progress("bare POSTs to the sink");
  const body = JSON.stringify({
    type: "alert.created",
    alert: { id: alertId, title: "x".repeat(400) },
  });
  const reference = await measure(
    (i) =>
      fetch(`${sink.url}/hook/ref/${i}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }).then((r) => r.arrayBuffer()),
    { count, concurrency },
  );

  await db.sql`
    insert into public.deliveries (tenant_id, alert_id, destination, channel, reason, idempotency_key)
    select ${tenantId}, ${alertId}, ${sink.url} || '/hook/' || n, 'webhook', 'created',
           ${alertId} || '/bench/' || n || '/webhook'
    from generate_series(1, ${count}) as n`;
  const sql = postgres(db.url, { max: 8, onnotice: () => {} });
  try {
    const dispatcher = createDispatcher({
      sql,
      config: notifyConfig({ batchSize: 200, concurrency }),
      logger: quiet,
    });
    progress(`dispatching ${count} webhook deliveries`);
    const started = performance.now();
    let sent = 0;
    for (;;) {
      const summary = await dispatcher.dispatch();
      sent += summary.sent;
      if (summary.claimed === 0) break;
    }
    const seconds = (performance.now() - started) / 1000;
    if (sent !== count) throw new Error(`Expected ${count} deliveries sent, got ${sent}`);
    const perSecond = count / seconds;
    return {
      name:
        `dispatch throughput: ${count} webhook deliveries (claim, render, HMAC-sign, POST, record) to a local sink, concurrency ${concurrency}`,
      figure: `${perSecond.toFixed(0)} deliveries/s`,
      reference: `bare POSTs of the same body to the same sink: ${rate(reference)}`,
      ratio: perSecond / reference.perSecond,
      raw: { perSecond, seconds, reference },
    };
  } finally {
    await sql.end();
  }
}

/** Alert written through SQL -> provider request received, at a steady rate. */
async function latency(
  { alerts, perSecond }: { alerts: number; perSecond: number },
  progress: (text: string) => void,
): Promise<NotifyRow> {
  const issued = new Map<string, number>();
  const committed = new Map<string, number>();
  const arrived = new Map<string, number>();
  await using provider = fakeProvider((request) => {
    const title = String(JSON.parse(request.text).subject ?? "");
    const key = title.match(/bench-(\d+)/)?.[1];
    if (key !== undefined) arrived.set(key, request.at);
    return Response.json({ id: `em_${key}` });
  });
  await using stack = await startTestStack({
    dispatchWorker: true,
    notify: notifyConfig({ resendApiKey: "re_bench", resendBaseUrl: provider.url }),
  });
  const sql = postgres(stack.db.url, { max: 4, onnotice: () => {} });
  try {
    const tenantId = await createTenant(sql);
    await addMember(sql, tenantId, { email: "bench@bakery.test" });

    progress("bare POST round trips");
    const reference = await measure(
      () =>
        fetch(`${provider.url}/ref`, { method: "POST", body: "{}" }).then((r) => r.arrayBuffer()),
      { count: 500, concurrency: 1 },
    );

    progress(`${alerts} alerts at ${perSecond}/s`);
    const started = performance.now();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < alerts; i++) {
      const due = started + (i * 1000) / perSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const key = String(i);
      issued.set(key, performance.now());
      writes.push(
        sql`select public.raise_alert(${tenantId}, 'bench.notify', 'high',
                    ${`bench-${i} oven is cold`}, '', ${`bench-${i}`})`
          .then(() => committed.set(key, performance.now())),
      );
    }
    await Promise.all(writes);
    await provider.waitFor(alerts + 500, 30_000).catch(async (error) => {
      const statuses = await sql`
        select status, error_reason, left(last_error, 200) as e, count(*)::int as n
        from public.deliveries where tenant_id = ${tenantId} group by 1, 2, 3`;
      throw new Error(`${error.message}; deliveries: ${JSON.stringify(statuses)}`);
    });
    const sorted = (from: Map<string, number>) =>
      [...arrived].map(([key, at]) => Math.max(0, at - from.get(key)!)).sort((a, b) => a - b);
    // "Written" = committed: the delivery row exists for nobody before its transaction commits.
    const fromCommit = sorted(committed);
    const fromIssue = sorted(issued);
    const writes99 = [...committed].map(([key, at]) => at - issued.get(key)!).sort((a, b) => a - b);
    const p50 = percentile(fromCommit, 0.5);
    const p99 = percentile(fromCommit, 0.99);
    return {
      name:
        `alert written (committed) through SQL -> email provider request received, ${alerts} alerts at ${perSecond}/s (stack worker, LISTEN/NOTIFY)`,
      figure: `p50 ${p50.toFixed(1)} ms p99 ${p99.toFixed(1)} ms (from the write's start: p99 ${
        percentile(fromIssue, 0.99).toFixed(1)
      } ms; the write itself p99 ${percentile(writes99, 0.99).toFixed(1)} ms)`,
      reference: `a bare POST round trip to the same sink: p50 ${
        reference.p50Ms.toFixed(2)
      } ms p99 ${reference.p99Ms.toFixed(2)} ms`,
      ratio: reference.p99Ms / p99,
      goal: "p99 <= 250 ms",
      check: { value: arrived.size < alerts ? Infinity : p99, op: "<=", target: 250 },
      raw: {
        p50,
        p99,
        fromIssueP99: percentile(fromIssue, 0.99),
        writeP99: percentile(writes99, 0.99),
        count: arrived.size,
        reference,
      },
    };
  } finally {
    await sql.end();
  }
}

/**
 * Both notification benchmarks.
 *
 * @example
 * ```ts
 * rows.push(...await notifyBench({ quick: true, progress }));
 * ```
 */
export async function notifyBench(
  { quick, progress }: { quick: boolean; progress: (text: string) => void },
): Promise<NotifyRow[]> {
  return [
    await throughput(quick ? 1000 : 5000, progress),
    await latency({ alerts: quick ? 500 : 2000, perSecond: 100 }, progress),
  ];
}
