/**
 * @module
 * Small measuring tools for the benchmarks: run N operations at a given concurrency and report
 * the rate and latency percentiles. Figures are always read beside a reference measured in the
 * same run, never against a fixed number.
 */

/** Rate and latency of one measured workload. */
export interface Measurement {
  operations: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/**
 * The value at `fraction` (0..1) of sorted `values` (nearest rank); NaN when there are none.
 *
 * @example
 * ```ts
 * percentile([1, 2, 3, 4], 0.5); // 2
 * ```
 */
export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

/**
 * Runs `operation` `count` times with `concurrency` in flight; with `maxSeconds`, starts no new
 * operation after that long, so a slow run still ends (`operations` says how many ran).
 *
 * @example
 * ```ts
 * const m = await measure(() => fetch(url).then((r) => r.body?.cancel()), { count: 2000, concurrency: 16 });
 * ```
 */
export async function measure(
  operation: (index: number) => Promise<unknown>,
  { count, concurrency, maxSeconds = Infinity }: {
    count: number;
    concurrency: number;
    maxSeconds?: number;
  },
): Promise<Measurement> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const worker = async () => {
    while (next < count && performance.now() < deadline) {
      const index = next++;
      const t0 = performance.now();
      await operation(index);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    operations: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p95Ms: percentile(latencies, 0.95),
    p99Ms: percentile(latencies, 0.99),
  };
}
