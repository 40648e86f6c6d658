/**
 * @module
 * The writer side of the Realtime latency benchmark, run as its own process (as a feed writing
 * into Postgres would be), so that when a statement's commit was acknowledged is read on a quiet
 * event loop rather than one that is also running the gateway: paces statements at `perSecond`
 * for `seconds` and prints, as one JSON line, when each message's statement started and when its
 * commit was acknowledged (`performance.timeOrigin + performance.now()`, comparable across
 * processes).
 *
 *   deno run -A tests/bench/realtime_writer.ts '{"url":…,"tenant":…,"topic":…,"perSecond":1000,"seconds":2,"kind":"alerts","notify":true,"prefix":"alertsn"}'
 *
 * `alerts`: 10-row INSERTs into public.alerts every 10 ms (the whole alert pipeline's triggers, as
 * scoring raises alerts); `send`: one `realtime.send` per statement (the Realtime path alone).
 * `notify: false` turns the platform shim's NOTIFY off (`realtime.local_notify`), for the
 * logical-replication feed.
 */

import postgres from "postgres";

interface Options {
  url: string;
  tenant: string;
  topic: string;
  perSecond: number;
  seconds: number;
  kind: "alerts" | "send";
  notify: boolean;
  /** Titles are `<prefix>-<index>`, which the subscriber reports arrivals by. */
  prefix: string;
}

/** What the writer prints: per message index, statement start and commit acknowledgement. */
export interface WriterReport {
  started: number[];
  committed: number[];
  achievedPerSecond: number;
}

const options: Options = JSON.parse(Deno.args[0]);
const now = () => performance.timeOrigin + performance.now();
const total = options.perSecond * options.seconds;
const batch = options.kind === "alerts" ? 10 : 1;
const writer = postgres(options.url, {
  max: 8,
  onnotice: () => {},
  connection: options.notify ? {} : { "realtime.local_notify": "off" } as Record<string, string>,
});
// open every connection before the clock starts
await Promise.all(Array.from({ length: 8 }, () => writer`select 1`));

const started: number[] = [];
const committed: number[] = [];
const statements: Promise<unknown>[] = [];
const start = now();
for (let first = 0; first < total; first += batch) {
  const due = start + (first * 1000) / options.perSecond;
  const wait = due - now();
  if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  const at = now();
  const rows = Array.from({ length: batch }, (_, k) => {
    started[first + k] = at;
    return {
      tenant_id: options.tenant,
      alert_type: "stockout_risk",
      severity: "high",
      title: `${options.prefix}-${first + k}`,
      dedup_key: `${options.prefix}:${first + k}`,
    };
  });
  // postgres.js runs a query once it is awaited or executed: execute now, await at the end
  const statement = options.kind === "alerts"
    ? writer`insert into public.alerts ${writer(rows)}`
    : writer`select realtime.send(${
      writer.json({ record: { title: rows[0].title } })
    }, 'INSERT', ${options.topic}, true)`;
  statements.push(
    statement.execute().then(() => {
      const acknowledged = now();
      for (let k = 0; k < batch; k++) committed[first + k] = acknowledged;
    }),
  );
}
await Promise.all(statements);
const achievedPerSecond = total / ((now() - start) / 1000);
await writer.end();
const report: WriterReport = { started, committed, achievedPerSecond };
console.log(JSON.stringify(report));
