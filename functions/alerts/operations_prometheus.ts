/**
 * @module
 * Renders metric families in the Prometheus text exposition format 0.0.4: a `# HELP` and a
 * `# TYPE` line per family, label values escaped (backslash, double quote, newline), histograms
 * as cumulative `_bucket{le=…}` series ending in `+Inf`, then `_sum` and `_count`.
 */

/** The `Content-Type` of the format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** One sample of a counter or gauge. */
export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

/** A counter or gauge family. */
export interface ScalarFamily {
  name: string;
  help: string;
  type: "counter" | "gauge";
  samples: Sample[];
}

/** A histogram family with one series: `counts[i]` observations ≤ `buckets[i]` (cumulative). */
export interface HistogramFamily {
  name: string;
  help: string;
  type: "histogram";
  buckets: readonly number[];
  counts: readonly number[];
  sum: number;
  count: number;
}

/** A metric family. */
export type MetricFamily = ScalarFamily | HistogramFamily;

/** Escapes a label value: `\` → `\\`, `"` → `\"`, newline → `\n`. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function formatLabels(labels: Record<string, string> = {}): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabelValue(value)}"`);
  return pairs.length > 0 ? `{${pairs.join(",")}}` : "";
}

/**
 * Renders families as one exposition (ending with a newline).
 *
 * @example
 * ```ts
 * formatMetrics([{ name: "up", help: "Up", type: "gauge", samples: [{ value: 1 }] }]);
 * // "# HELP up Up\n# TYPE up gauge\nup 1\n"
 * ```
 */
export function formatMetrics(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.type === "histogram") {
      family.buckets.forEach((le, i) => {
        lines.push(
          `${family.name}_bucket${formatLabels({ le: formatValue(le) })} ${family.counts[i]}`,
        );
      });
      lines.push(`${family.name}_bucket{le="+Inf"} ${family.count}`);
      lines.push(`${family.name}_sum ${formatValue(family.sum)}`);
      lines.push(`${family.name}_count ${family.count}`);
    } else {
      for (const sample of family.samples) {
        lines.push(`${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}
