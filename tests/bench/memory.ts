/**
 * @module
 * Memory per connection: how much the gateway process grows per idle Realtime subscriber (joined
 * to its tenant's private alerts topic, heartbeating as supabase-js does), beside what one idle
 * connection costs Postgres itself — a backend's private memory (USS: Private_Clean +
 * Private_Dirty from /proc/<pid>/smaps_rollup; shared buffers excluded) after one query on
 * `public.alerts`. The gateway runs in this process (`startTestStack`), the subscribers in a child
 * process, so this process's RSS growth is the gateway's.
 */

import postgres from "postgres";
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

/**
 * The memory-per-connection row.
 *
 * @example
 * ```ts
 * rows.push(await memoryBench({ quick: true, progress: console.error }));
 * ```
 */
export async function memoryBench(
  { quick, progress }: { quick: boolean; progress: (text: string) => void },
): Promise<BenchRow> {
  const count = quick ? 500 : 2_000;
  await using stack = await startTestStack({ realtimeLimits: LIMITS });
  await prepareTenant(stack);
  progress(`Postgres memory of ${quick ? 20 : 50} idle connections`);
  const pg = await postgresPerConnection(stack.db.url, quick ? 20 : 50);

  progress("gateway memory before subscribers");
  const rss = () => Deno.memoryUsage().rss;
  const heap = () => Deno.memoryUsage().heapUsed + Deno.memoryUsage().external;
  const rssBefore = await settledMedian(rss, 2000);
  const heapBefore = heap();
  progress(`opening ${count.toLocaleString()} idle subscribers`);
  const subscribers = await spawnSubscribers(stack, { count, mode: "raw", prefix: "idle" });
  progress(`gateway memory with ${count.toLocaleString()} subscribers`);
  const rssAfter = await settledMedian(rss, 3000);
  const heapAfter = heap();
  await subscribers.report();

  const perSubscriber = (rssAfter - rssBefore) / count;
  const kib = (bytes: number) => `${(bytes / KIB).toFixed(1)} KiB`;
  return {
    name:
      `memory per connection: gateway process RSS growth per idle Realtime subscriber (${count.toLocaleString()} websockets joined to a private topic; ${
        (count / Math.max(1, subscribers.joinMs / 1000)).toFixed(0)
      } joins/s)`,
    figure: `${kib(perSubscriber)} per subscriber (RSS +${
      ((rssAfter - rssBefore) / KIB / KIB).toFixed(1)
    } MiB; JS heap + external ${kib((heapAfter - heapBefore) / count)} each)`,
    reference: `one idle Postgres connection after a query, backend private memory (USS) median ${
      kib(pg.ussBytes)
    } (PSS ${kib(pg.pssBytes)}), ${pg.connections} connections`,
    ratio: pg.ussBytes / perSubscriber,
    raw: { count, rssBefore, rssAfter, heapBefore, heapAfter, perSubscriber, postgres: pg },
  };
}
