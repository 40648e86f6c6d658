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
import { anonKey } from "../../local/tokens.ts";
import { startTestStack, type TestStack } from "../_support/stack.ts";
import { measure, type Measurement, percentile } from "./measure.ts";
import type { BenchRow } from "./report.ts";
import type { WriterReport } from "./realtime_writer.ts";
import {
  benchScriptArgs,
  spawnSubscriberProcess,
  type SubscriberOptions,
  type Subscribers,
} from "./subscriber_process.ts";
import { startBareFanOutServer } from "./bare_fanout.ts";
import { OutgoingBroadcast } from "../../local/realtime/topic_hub.ts";

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
/** The same latency from the statement's start, and the write itself. */
const fromStart = (l: { fromStart: Latency; write: Latency }) =>
  `(from the statement's start: p99 ${l.fromStart.p99Ms.toFixed(1)} ms; the write itself p99 ${
    l.write.p99Ms.toFixed(1)
  } ms)`;
const rate = (m: Measurement) => `${m.perSecond.toFixed(0)}/s (p50 ${m.p50Ms.toFixed(2)} ms)`;

/**
 * Starts `count` subscribers of the bench tenant's alerts topic in a child process, joined as the
 * bench tenant's member; resolves once every one has joined.
 *
 * @example
 * ```ts
 * const subscribers = await spawnSubscribers(stack, { count: 500, mode: "raw", prefix: "idle" });
 * await subscribers.report(); // ends the child
 * ```
 */
export async function spawnSubscribers(
  stack: TestStack,
  options: Pick<SubscriberOptions, "count" | "mode" | "prefix" | "expect" | "byItem">,
): Promise<Subscribers> {
  return spawnSubscriberProcess({
    url: stack.url,
    apikey: await anonKey(stack.jwtSecret),
    token: await stack.tokenFor({ tenantId: TENANT, userId: MEMBER, expiresInSeconds: 3600 }),
    topic: TOPIC,
    ...options,
  });
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

/** Subscribers per child process in the fan-out benchmarks. */
const SUBSCRIBERS_PER_PROCESS = 2_500;

/**
 * `rounds` messages, one at a time, to `count` raw subscribers spread over child processes of at
 * most `SUBSCRIBERS_PER_PROCESS` sockets each (as they would be spread over many browsers):
 * each subscriber's latency from the moment `fire` starts a round, after one round of warm-up.
 */
async function fanOutRounds(
  { count, rounds, spawn, fire, progress }: {
    count: number;
    rounds: number;
    spawn: (count: number) => Promise<Subscribers>;
    fire: (round: number) => Promise<unknown>;
    progress: (text: string) => void;
  },
): Promise<{ joinMs: number; processes: number; latency: Latency }> {
  progress(`opening ${count.toLocaleString()} subscriber sockets`);
  const processes = Math.ceil(count / SUBSCRIBERS_PER_PROCESS);
  const opened = now();
  const groups = await Promise.all(
    Array.from(
      { length: processes },
      (_, index) => spawn(Math.floor(count / processes) + (index < count % processes ? 1 : 0)),
    ),
  );
  const joinMs = now() - opened;
  const sent: number[] = [];
  let reports: Record<string, number[]>[];
  try {
    // round 0 warms up (first plans, first frames) and is not counted
    for (let round = 0; round <= rounds; round++) {
      progress(`fan-out to ${count.toLocaleString()}: round ${round}/${rounds}`);
      sent[round] = now();
      await fire(round);
      await Promise.all(groups.map((group) => group.done(`${round}`, 60_000)));
    }
  } finally {
    reports = await Promise.all(groups.map((group) => group.report()));
  }
  const values: number[] = [];
  for (const arrivals of reports) {
    for (let round = 1; round <= rounds; round++) {
      for (const at of arrivals[`${round}`] ?? []) values.push(at - sent[round]);
    }
  }
  return { joinMs, processes, latency: latency(values) };
}

/** Through the gateway: each round one alert INSERT, fanned out from the statement's start. */
function gatewayFanOut(
  stack: TestStack,
  count: number,
  rounds: number,
  progress: (text: string) => void,
) {
  return fanOutRounds({
    count,
    rounds,
    progress,
    spawn: (share) => spawnSubscribers(stack, { count: share, mode: "raw", prefix: "fanout" }),
    fire: (round) =>
      stack.db.sql`insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key)
                   values (${TENANT}, 'stockout_risk', 'high', ${`fanout-${round}`}, ${`fanout:${round}:${count}`})`,
  });
}

/**
 * The reference: the frame the gateway sent for the warm-up round's alert (the message the alerts
 * trigger wrote, whole record included), sent by a bare WebSocket server to as many sockets in the
 * same kind of subscriber processes.
 */
async function bareFanOut(
  stack: TestStack,
  count: number,
  rounds: number,
  progress: (text: string) => void,
) {
  // the message the alerts trigger wrote for the warm-up round, as the gateway read and sent it
  const [{ id, event, payload }] = await stack.db.sql<
    { id: string; event: string; payload: { record: Record<string, unknown> } }[]
  >`
    select m.id::text as id, m.event, m.payload
    from realtime.messages as m
    where m.topic = ${`tenant:${TENANT}:alerts`} and m.payload -> 'record' ->> 'title' = 'fanout-0'`;
  await using bare = startBareFanOutServer();
  // awaited here, so the server is disposed only after the rounds
  return await fanOutRounds({
    count,
    rounds,
    progress,
    spawn: (share) =>
      spawnSubscriberProcess({
        url: bare.url,
        apikey: "bare",
        token: "bare",
        topic: TOPIC,
        count: share,
        mode: "raw",
        prefix: "fanout",
      }),
    fire: (round) => {
      const frame = new OutgoingBroadcast(`realtime:${TOPIC}`, {
        type: "broadcast",
        event,
        payload: { ...payload, record: { ...payload.record, title: `fanout-${round}` } },
        meta: { id },
      }).frame("2.0.0");
      bare.broadcast(frame);
      return Promise.resolve();
    },
  });
}

/**
 * Runs the writer process (`realtime_writer.ts`): statements paced at `perSecond` for `seconds`.
 */
async function runWriter(options: Record<string, unknown>): Promise<WriterReport> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: benchScriptArgs("realtime_writer.ts", options),
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error("the writer process failed");
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/**
 * Messages at `perSecond` for `seconds`, written by their own process, to one supabase-js client
 * in another: latency to the callback from each statement's commit (acknowledged to the writer),
 * the figure the goal is read against, and from the statement's start, which adds the write
 * itself (see `realtime_writer.ts` for the two kinds).
 */
async function insertToCallback(
  stack: TestStack,
  { perSecond, seconds, notify, kind }: {
    perSecond: number;
    seconds: number;
    notify: boolean;
    kind: "alerts" | "send";
  },
): Promise<
  { latency: Latency; fromStart: Latency; write: Latency; lost: number; achievedPerSecond: number }
> {
  const total = perSecond * seconds;
  const prefix = `${kind}${notify ? "n" : "r"}`;
  const subscribers = await spawnSubscribers(stack, {
    count: 1,
    mode: "supabase",
    prefix,
    expect: total,
  });
  const written = await runWriter({
    url: stack.db.url,
    tenant: TENANT,
    topic: TOPIC,
    perSecond,
    seconds,
    kind,
    notify,
    prefix,
  });
  await subscribers.done("all", 30_000).catch(() => {});
  const arrivals = await subscribers.report();
  const fromCommit: number[] = [];
  const fromStart: number[] = [];
  const write: number[] = [];
  for (const [key, [at]] of Object.entries(arrivals)) {
    const index = Number(key);
    fromCommit.push(at - written.committed[index]);
    fromStart.push(at - written.started[index]);
    write.push(written.committed[index] - written.started[index]);
  }
  return {
    latency: latency(fromCommit),
    fromStart: latency(fromStart),
    write: latency(write),
    lost: total - fromCommit.length,
    achievedPerSecond: written.achievedPerSecond,
  };
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
    const one = await gatewayFanOut(stack, 1, 20, progress);
    const rounds = quick ? 5 : 10;
    const many = await gatewayFanOut(stack, subscribers, rounds, progress);
    progress("fan-out reference: a bare WebSocket server");
    const bare = await bareFanOut(stack, subscribers, rounds, progress);
    rows.push({
      name:
        `Realtime: ${subscribers.toLocaleString()} subscribers on one gateway process (private alerts topic, RLS-checked joins; the subscribers in ${many.processes} separate process${
          many.processes === 1 ? "" : "es"
        }); SQL insert → every subscriber's socket`,
      figure: `${ms(many.latency)} (all ${subscribers.toLocaleString()} joined in ${
        (many.joinMs / 1000).toFixed(1)
      } s, ${(subscribers / (many.joinMs / 1000)).toFixed(0)} joins/s)`,
      reference:
        `a bare WebSocket server (no Postgres, auth or hub) sending the same frame to as many sockets in as many processes: ${
          ms(bare.latency)
        }; one subscriber through the gateway: ${ms(one.latency)}`,
      ratio: bare.latency.p99Ms / many.latency.p99Ms,
      goal: "10,000 subscribers, fan-out p99 <= 200 ms",
      check: { value: many.latency.p99Ms, op: "<=", target: 200, scaled: subscribers < 10_000 },
      raw: { one, many, bare },
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
    // Statistics from a small realtime.messages, as a new project has in its first minutes: the
    // plans cached from them must still hold when the table has grown 20-fold (the NOTIFY feed's
    // read once fell seconds behind on a sequential-scan generic plan made from such statistics).
    await stack.db.sql`analyze realtime.messages`;
    progress(`${feed} feed: ${perSecond} realtime.send/s for ${seconds} s`);
    const sends = await insertToCallback(stack, { perSecond, seconds, notify, kind: "send" });
    progress(`${feed} feed: ${perSecond} alerts/s for ${seconds} s`);
    const delivered = await insertToCallback(stack, { perSecond, seconds, notify, kind: "alerts" });
    progress(`${feed} feed: writer cost`);
    const cost = await writerCost(stack, writes);
    const alerts = notify ? cost.notify : cost.replication;
    rows.push({
      name:
        `Realtime (${feed} feed): SQL realtime.send committed → supabase-js callback at ${perSecond}/s, one per statement (${
          sends.achievedPerSecond.toFixed(0)
        }/s achieved, ${sends.lost} lost)`,
      figure: `${ms(sends.latency)} ${fromStart(sends)}; at ${perSecond / 10}/s: ${
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
        `Realtime (${feed} feed): SQL insert into alerts committed → supabase-js callback at ${perSecond} alerts/s, 10-row statements (${
          delivered.achievedPerSecond.toFixed(0)
        }/s achieved, ${delivered.lost} lost)`,
      figure: `${ms(delivered.latency)} ${fromStart(delivered)}`,
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
