/**
 * @module
 * Memory per connection: how much the gateway process grows per idle Realtime subscriber (joined
 * to its tenant's private alerts topic, heartbeating as supabase-js does), beside what one idle
 * connection costs Postgres itself — a backend's private memory (USS: Private_Clean +
 * Private_Dirty from /proc/<pid>/smaps_rollup; shared buffers excluded) after one query on
 * `public.alerts`. The measurement runs in a fresh process of its own (this file as main, with
 * `--expose-gc`): the gateway in that process (`startTestStack`), the subscribers in a child of it,
 * so its RSS growth is the gateway's, undisturbed by what earlier sections left to collect.
 *
 *   deno run -A --v8-flags=--expose-gc tests/bench/memory.ts '{"quick":true}'
 */

import postgres from "postgres";
import { PROJECT_ROOT } from "../../local/settings.ts";
import { startTestStack } from "../_support/stack.ts";
import { percentile } from "./measure.ts";
import { LIMITS, prepareTenant, spawnSubscribers } from "./realtime.ts";
import type { BenchRow } from "./report.ts";

const KIB = 1024;

/** Median of a few samples of `read`, 200 ms apart, after `settleMs`. */
async function settledMedian(read: () => number, settleMs: number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(read());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return percentile(samples.sort((a, b) => a - b), 0.5);
}

/** Private and proportional memory of one process, in bytes, from /proc (Linux only). */
async function processMemory(pid: number): Promise<{ uss: number; pss: number }> {
  const text = await Deno.readTextFile(`/proc/${pid}/smaps_rollup`);
  const field = (name: string) =>
    Number(text.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"))?.[1]);
  return {
    uss: (field("Private_Clean") + field("Private_Dirty")) * KIB,
    pss: field("Pss") * KIB,
  };
}

/** `connections` idle Postgres connections, each after one query: median backend USS and PSS. */
async function postgresPerConnection(url: string, connections: number) {
  const sql = postgres(url, { max: connections, onnotice: () => {} });
  try {
    const reserved = await Promise.all(Array.from({ length: connections }, () => sql.reserve()));
    const pids: number[] = [];
    for (const connection of reserved) {
      const [{ pid }] = await connection<{ pid: number }[]>`select pg_backend_pid() as pid`;
      await connection`select count(*) from public.alerts where status = 'active'`;
      pids.push(pid);
    }
    const memory = await Promise.all(pids.map(processMemory));
    for (const connection of reserved) connection.release();
    const median = (values: number[]) => percentile(values.sort((a, b) => a - b), 0.5);
    return {
      connections,
      ussBytes: median(memory.map((m) => m.uss)),
      pssBytes: median(memory.map((m) => m.pss)),
    };
  } finally {
    await sql.end();
  }
}

/** The measurement itself, in this process. */
async function measureMemory(
  { quick, progress }: { quick: boolean; progress: (text: string) => void },
): Promise<BenchRow> {
  // Two equal batches: the first also pays one-time growth (heap spaces, buffers, caches); the
  // figure is the second's increment, what one more subscriber costs.
  const batch = quick ? 250 : 1_000;
  await using stack = await startTestStack({ realtimeLimits: LIMITS });
  await prepareTenant(stack);
  progress(`Postgres memory of ${quick ? 20 : 50} idle connections`);
  const pg = await postgresPerConnection(stack.db.url, quick ? 20 : 50);

  const usage = async (settleMs: number) => ({
    rss: await settledMedian(() => Deno.memoryUsage().rss, settleMs),
    heap: Deno.memoryUsage().heapUsed + Deno.memoryUsage().external,
  });
  progress("gateway memory before subscribers");
  const before = await usage(2000);
  progress(`opening ${batch.toLocaleString()} idle subscribers`);
  const first = await spawnSubscribers(stack, { count: batch, mode: "raw", prefix: "idle" });
  const middle = await usage(3000);
  progress(`opening ${batch.toLocaleString()} more idle subscribers`);
  const second = await spawnSubscribers(stack, { count: batch, mode: "raw", prefix: "idle" });
  progress(`gateway memory with ${(2 * batch).toLocaleString()} subscribers`);
  const after = await usage(3000);
  await Promise.all([first.report(), second.report()]);

  const perSubscriber = (after.rss - middle.rss) / batch;
  const kib = (bytes: number) => `${(bytes / KIB).toFixed(1)} KiB`;
  return {
    name:
      `memory per connection: gateway process RSS per idle Realtime subscriber (websockets joined to a private topic, heartbeating), the increment from ${batch.toLocaleString()} to ${
        (2 * batch).toLocaleString()
      } subscribers`,
    figure: `${kib(perSubscriber)} per subscriber (JS heap + external ${
      kib((after.heap - middle.heap) / batch)
    }; the first ${batch.toLocaleString()}, with one-time growth: ${
      kib((middle.rss - before.rss) / batch)
    } each)`,
    reference: `one idle Postgres connection after a query, backend private memory (USS) median ${
      kib(pg.ussBytes)
    } (PSS ${kib(pg.pssBytes)}), ${pg.connections} connections`,
    ratio: pg.ussBytes / perSubscriber,
    raw: {
      batch,
      joinsPerSecond: batch / Math.max(0.001, second.joinMs / 1000),
      before,
      middle,
      after,
      perSubscriber,
      postgres: pg,
    },
  };
}

/**
 * The memory-per-connection row, measured in a fresh process; `progress` hears its steps.
 *
 * @example
 * ```ts
 * rows.push(await memoryBench({ quick: true, progress: console.error }));
 * ```
 */
export async function memoryBench(
  { quick, progress }: { quick: boolean; progress: (text: string) => void },
): Promise<BenchRow> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--v8-flags=--expose-gc",
      "--config",
      `${PROJECT_ROOT}/deno.json`,
      `${PROJECT_ROOT}/tests/bench/memory.ts`,
      JSON.stringify({ quick }),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let row: BenchRow | undefined;
  let buffered = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.startsWith("progress ")) progress(line.slice("progress ".length));
      else if (line.startsWith("row ")) row = JSON.parse(line.slice("row ".length));
    }
  }
  const status = await child.status;
  if (row === undefined) {
    throw new Error(`the memory benchmark process ended (code ${status.code}) without a result`);
  }
  return row;
}

if (import.meta.main) {
  const { quick } = JSON.parse(Deno.args[0] ?? "{}");
  const say = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
  const row = await measureMemory({ quick: quick === true, progress: (t) => say(`progress ${t}`) });
  say(`row ${JSON.stringify(row)}`);
  Deno.exit(0);
}
