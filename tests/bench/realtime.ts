/**
 * @module
 * Realtime benchmarks, each beside a reference from the same run: how many subscribers one
 * gateway process holds and how fast one alert fans out to all of them; SQL insert → supabase-js
 * callback latency at 1,000 alerts/s through each feed (LISTEN/NOTIFY and logical replication);
 * and what each feed costs writers, beside raw inserts into a bare table on the same Postgres.
 * Subscribers run in a child process (`realtime_subscribers.ts`), so the gateway's process only
 * serves. Everything talks to 127.0.0.1 and stops by itself.
 */

import postgres from "postgres";
import { PROJECT_ROOT } from "../../local/settings.ts";
import { anonKey } from "../../local/tokens.ts";
import { startTestStack, type TestStack } from "../_support/stack.ts";
import { measure, type Measurement, percentile } from "./measure.ts";
import type { BenchRow } from "./report.ts";

/** The bench tenant whose alerts topic the subscribers join. */
export const TENANT = "00000000-0000-4000-8000-0000000000c1";
/** The bench tenant's member (a viewer) the subscribers join as. */
export const MEMBER = "00000000-0000-4000-8000-0000000000c2";
const TOPIC = `tenant:${TENANT}:alerts`;
const now = () => performance.timeOrigin + performance.now();

/** A benchmark row, as `run.ts` prints it. */
export type RealtimeRow = BenchRow;

/** Latency percentiles in ms. */
interface Latency {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

function latency(values: number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? NaN,
  };
}

const ms = (l: Latency) =>
  `p50 ${l.p50Ms.toFixed(1)} ms p95 ${l.p95Ms.toFixed(1)} ms p99 ${l.p99Ms.toFixed(1)} ms`;
/** A p99 goal's value: a lost message counts as never arriving. */
const p99Unless = (l: Latency, lost: number) => (lost > 0 ? Infinity : l.p99Ms);
const rate = (m: Measurement) => `${m.perSecond.toFixed(0)}/s (p50 ${m.p50Ms.toFixed(2)} ms)`;

/** A running subscriber process. */
export interface Subscribers {
  joinMs: number;
  /** Resolves when the child printed `done <key>`. */
  done(key: string, timeoutMs: number): Promise<void>;
  /** Arrival times per key; ends the child. */
  report(): Promise<Record<string, number[]>>;
}

/**
 * Starts `count` subscribers of the bench tenant's alerts topic in a child process; resolves once
 * every one has joined.
 *
 * @example
 * ```ts
 * const subscribers = await spawnSubscribers(stack, { count: 500, mode: "raw", prefix: "idle" });
 * await subscribers.report(); // ends the child
 * ```
 */
export async function spawnSubscribers(
  stack: TestStack,
  options: { count: number; mode: "raw" | "supabase"; prefix: string; expect?: number },
): Promise<Subscribers> {
  const token = await stack.tokenFor({ tenantId: TENANT, userId: MEMBER, expiresInSeconds: 3600 });
  const args = JSON.stringify({
    url: stack.url,
    apikey: await anonKey(stack.jwtSecret),
    token,
    topic: TOPIC,
    ...options,
  });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--config",
      `${PROJECT_ROOT}/deno.json`,
      `${PROJECT_ROOT}/tests/bench/realtime_subscribers.ts`,
      args,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  const reading = (async () => {
    let buffered = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        lines.push(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        for (const wake of waiters.splice(0)) wake();
      }
    }
    for (const wake of waiters.splice(0)) wake();
  })();
  async function line(match: (line: string) => boolean, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = lines.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error("the subscriber process did not answer in time");
      await Promise.race([
        new Promise<void>((resolve) => waiters.push(resolve)),
        new Promise((resolve) => setTimeout(resolve, 250)),
      ]);
    }
  }
  let ready: string;
  try {
    ready = await line((l) => l.startsWith("ready "), 300_000);
  } catch (error) {
    try {
      child.kill();
    } catch {
      // already gone
    }
    throw error;
  }
  const writer = child.stdin.getWriter();
  return {
    joinMs: Number(ready.slice(6)),
    done: (key, timeoutMs) => line((l) => l === `done ${key}`, timeoutMs).then(() => {}),
    async report() {
      await writer.write(new TextEncoder().encode("report\n"));
      const json = await line((l) => l.startsWith("{"), 60_000);
      await writer.close().catch(() => {});
      await child.status;
      await reading;
      return JSON.parse(json);
    },
  };
}

/**
 * The bench tenant and its member (a viewer), whom the subscribers join as.
 *
 * @example
 * ```ts
 * await prepareTenant(stack);
 * ```
 */
export async function prepareTenant(stack: TestStack): Promise<void> {
  await stack.db.sql`insert into public.tenants (id, name) values (${TENANT}, 'Realtime bench')`;
  await stack.db.sql`insert into public.tenant_members (tenant_id, user_id, role)
                     values (${TENANT}, ${MEMBER}, 'viewer')`;
}

/** Gateway limits high enough that a benchmark measures the gateway, not its rate limits. */
export const LIMITS = {
  maxEventsPerSecond: 1e9,
  maxJoinsPerSecond: 1e9,
  maxConcurrentUsers: 1e6,
};

/** One alert at a time to `count` subscribers: each subscriber's latency, per round. */
async function fanOut(
  stack: TestStack,
  count: number,
  rounds: number,
  progress: (text: string) => void,
): Promise<{ joinMs: number; latency: Latency }> {
  progress(`opening ${count.toLocaleString()} subscriber sockets`);
  const subscribers = await spawnSubscribers(stack, { count, mode: "raw", prefix: "fanout" });
  const sent: number[] = [];
  for (let round = 0; round < rounds; round++) {
    progress(`fan-out to ${count.toLocaleString()}: round ${round + 1}/${rounds}`);
    sent[round] = now();
    await stack.db.sql`insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key)
                       values (${TENANT}, 'stockout_risk', 'high', ${`fanout-${round}`}, ${`fanout:${round}:${count}`})`;
    await subscribers.done(`${round}`, 60_000);
  }
  const arrivals = await subscribers.report();
  const values: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const at of arrivals[`${round}`] ?? []) values.push(at - sent[round]);
  }
  return { joinMs: subscribers.joinMs, latency: latency(values) };
}

/**
 * Messages at `perSecond` for `seconds`; latency from the statement's start to one supabase-js
 * callback. `alerts`: raised as scoring raises them, a 10-row INSERT into public.alerts every
 * 10 ms (through the whole alert pipeline's triggers). `send`: one `realtime.send` per
 * statement, the Realtime path alone.
 */
async function insertToCallback(
  stack: TestStack,
  { perSecond, seconds, notify, kind }: {
    perSecond: number;
    seconds: number;
    notify: boolean;
    kind: "alerts" | "send";
  },
): Promise<{ latency: Latency; lost: number; achievedPerSecond: number }> {
  const total = perSecond * seconds;
  const batch = kind === "alerts" ? 10 : 1;
  const prefix = `${kind}${notify ? "n" : "r"}`;
  const subscribers = await spawnSubscribers(stack, {
    count: 1,
    mode: "supabase",
    prefix,
    expect: total,
  });
  const writer = postgres(stack.db.url, {
    max: 8,
    onnotice: () => {},
    connection: notify ? {} : { "realtime.local_notify": "off" } as Record<string, string>,
  });
  const sent: number[] = [];
  const inserts: Promise<unknown>[] = [];
  const start = now();
  for (let first = 0; first < total; first += batch) {
    const due = start + (first * 1000) / perSecond;
    const wait = due - now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const at = now();
    const rows = Array.from({ length: batch }, (_, k) => {
      sent[first + k] = at;
      return {
        tenant_id: TENANT,
        alert_type: "stockout_risk",
        severity: "high",
        title: `${prefix}-${first + k}`,
        dedup_key: `${prefix}:${first + k}`,
      };
    });
    // postgres.js runs a query once it is awaited or executed: execute now, await at the end
    inserts.push(
      (kind === "alerts"
        ? writer`insert into public.alerts ${writer(rows)}`
        : writer`select realtime.send(${
          writer.json({ record: { title: rows[0].title } })
        }, 'INSERT', ${TOPIC}, true)`).execute(),
    );
  }
  await Promise.all(inserts);
  const achievedPerSecond = total / ((now() - start) / 1000);
  await subscribers.done("all", 30_000).catch(() => {});
  const arrivals = await subscribers.report();
  await writer.end();
  const values: number[] = [];
  for (const [key, [at]] of Object.entries(arrivals)) values.push(at - sent[Number(key)]);
  return { latency: latency(values), lost: total - values.length, achievedPerSecond };
}

/** Writer cost: single-row alert inserts (4 connections) with and without NOTIFY, beside raw. */
async function writerCost(stack: TestStack, count: number) {
  const url = stack.db.url;
  await stack.db
    .sql`create table public.bench_raw (id bigint generated always as identity primary key,
                                                     title text not null, at timestamptz default now())`;
  const options = { count, concurrency: 4 };
  const raw = postgres(url, { max: 4, onnotice: () => {} });
  const reference = await measure(
    (i) => raw`insert into public.bench_raw (title) values (${`r${i}`})`,
    options,
  );
  await raw.end();
  const results: Record<string, Measurement> = {};
  for (const notify of [true, false]) {
    const sql = postgres(url, {
      max: 4,
      onnotice: () => {},
      connection: notify ? {} : { "realtime.local_notify": "off" } as Record<string, string>,
    });
    const tag = notify ? "wn" : "wr";
    results[tag] = await measure(
      (i) =>
        sql`insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key)
            values (${TENANT}, 'stockout_risk', 'low', ${`${tag}-${i}`}, ${`${tag}:${i}`})`,
      options,
    );
    await sql.end();
  }
  return { reference, notify: results.wn, replication: results.wr };
}

/**
 * Runs the Realtime benchmarks.
 *
 * @example
 * ```ts
 * rows.push(...await realtimeBenchmarks({ quick: true, progress: console.error }));
 * ```
 */
export async function realtimeBenchmarks(
  { quick, progress }: { quick: boolean; progress: (text: string) => void },
): Promise<RealtimeRow[]> {
  const subscribers = quick ? 1_000 : 10_000;
  const rows: RealtimeRow[] = [];
  {
    await using stack = await startTestStack({ realtimeLimits: LIMITS });
    await prepareTenant(stack);
    progress("fan-out reference: one subscriber");
    const one = await fanOut(stack, 1, 20, progress);
    const many = await fanOut(stack, subscribers, quick ? 5 : 10, progress);
    rows.push({
      name:
        `Realtime: ${subscribers.toLocaleString()} subscribers on one gateway process (private alerts topic, RLS-checked joins); SQL insert → every subscriber's socket`,
      figure: `${ms(many.latency)} (all ${subscribers.toLocaleString()} joined in ${
        (many.joinMs / 1000).toFixed(1)
      } s, ${(subscribers / (many.joinMs / 1000)).toFixed(0)} joins/s)`,
      reference: `one subscriber: ${ms(one.latency)}`,
      ratio: one.latency.p99Ms / many.latency.p99Ms,
      goal: "10,000 subscribers, fan-out p99 <= 200 ms",
      check: { value: many.latency.p99Ms, op: "<=", target: 200, scaled: subscribers < 10_000 },
      raw: { one, many },
    });
  }
  const perSecond = 1000;
  const seconds = quick ? 2 : 5;
  const writes = quick ? 500 : 2000;
  for (const feed of ["notify", "replication"] as const) {
    await using stack = await startTestStack({ realtimeLimits: LIMITS, realtimeFeed: feed });
    await prepareTenant(stack);
    const notify = feed === "notify";
    progress(`${feed} feed: ${perSecond / 10} realtime.send/s for ${seconds} s`);
    const light = await insertToCallback(stack, {
      perSecond: perSecond / 10,
      seconds,
      notify,
      kind: "send",
    });
    progress(`${feed} feed: ${perSecond} realtime.send/s for ${seconds} s`);
    const sends = await insertToCallback(stack, { perSecond, seconds, notify, kind: "send" });
    progress(`${feed} feed: ${perSecond} alerts/s for ${seconds} s`);
    const delivered = await insertToCallback(stack, { perSecond, seconds, notify, kind: "alerts" });
    progress(`${feed} feed: writer cost`);
    const cost = await writerCost(stack, writes);
    const alerts = notify ? cost.notify : cost.replication;
    rows.push({
      name:
        `Realtime (${feed} feed): SQL realtime.send → supabase-js callback at ${perSecond}/s, one per statement (${
          sends.achievedPerSecond.toFixed(0)
        }/s achieved, ${sends.lost} lost)`,
      figure: `${ms(sends.latency)}; at ${perSecond / 10}/s: ${
        ms(light.latency)
      } (${light.lost} lost)`,
      reference: `a single-row insert into a bare table, same Postgres: ${rate(cost.reference)}`,
      ratio: cost.reference.p50Ms / sends.latency.p50Ms,
      goal: "p99 <= 50 ms",
      check: { value: p99Unless(sends.latency, sends.lost), op: "<=", target: 50 },
      raw: { sends, light },
    });
    rows.push({
      name:
        `Realtime (${feed} feed): SQL insert into alerts → supabase-js callback at ${perSecond} alerts/s, 10-row statements (${
          delivered.achievedPerSecond.toFixed(0)
        }/s achieved, ${delivered.lost} lost)`,
      figure: ms(delivered.latency),
      reference: `a single-row insert into a bare table, same Postgres: ${rate(cost.reference)}`,
      ratio: cost.reference.p50Ms / delivered.latency.p50Ms,
      goal: "p99 <= 50 ms",
      check: { value: p99Unless(delivered.latency, delivered.lost), op: "<=", target: 50 },
      raw: delivered,
    });
    rows.push({
      name: `Realtime (${feed} feed): single-row alert inserts, 4 connections (${
        notify ? "realtime.send + NOTIFY" : "realtime.send, realtime.local_notify = off"
      })`,
      figure: rate(alerts),
      reference: `the same inserts into a bare table: ${rate(cost.reference)}`,
      ratio: alerts.perSecond / cost.reference.perSecond,
      raw: cost,
    });
  }
  return rows;
}
