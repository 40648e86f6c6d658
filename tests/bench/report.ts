/**
 * @module
 * The benchmark table's pure parts: what a row holds, how a goal from DESIGN.md ("Performance and
 * reliability targets") is checked against a measured value, and how rows become the Markdown
 * table `deno task bench` prints. No I/O here, so `report_test.ts` can pin the format.
 */

/** A goal as a number to compare: `value op target`, e.g. a p99 of 37 ms against `<= 50`. */
export interface GoalCheck {
  /** The measured value the goal is about (ms, events/s, a ratio, …). */
  value: number;
  op: "<=" | ">=";
  target: number;
  /**
   * Set when the run was smaller than the goal's size (`--quick`): the row still gets a marker,
   * but it reads "pass (scaled)" / "miss (scaled)", because the goal speaks of the full size.
   */
  scaled?: boolean;
}

/** One line of the benchmark table. */
export interface BenchRow {
  /** The section that produced it (`ingest`, `realtime`, …). */
  section?: string;
  name: string;
  figure: string;
  reference: string;
  /** figure / reference in the direction where higher is better (1.0 = as fast as the reference). */
  ratio: number;
  /** The goal as DESIGN.md words it; absent where the design sets none. */
  goal?: string;
  /** How to decide pass or miss; a goal without one is marked "not measured". */
  check?: GoalCheck;
  raw?: unknown;
}

/** The verdict for one row. */
export type Verdict = "pass" | "miss" | "pass (scaled)" | "miss (scaled)" | "not measured" | "—";

/**
 * Decides a row's verdict: "—" without a goal, "not measured" with a goal but nothing to check it
 * against, otherwise pass or miss (a NaN value is a miss: nothing arrived to measure).
 *
 * @example
 * ```ts
 * evaluateGoal({ goal: "p99 <= 50 ms", check: { value: 37, op: "<=", target: 50 } }); // "pass"
 * ```
 */
export function evaluateGoal(row: Pick<BenchRow, "goal" | "check">): Verdict {
  if (row.goal === undefined) return "—";
  const check = row.check;
  if (check === undefined) return "not measured";
  const met = Number.isFinite(check.value) &&
    (check.op === "<=" ? check.value <= check.target : check.value >= check.target);
  const verdict = met ? "pass" : "miss";
  return check.scaled ? `${verdict} (scaled)` : verdict;
}

/** A table cell: pipes escaped and newlines flattened, so a cell never breaks the row. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

/**
 * The Markdown table of `rows`: benchmark, figure, reference, ratio, goal, verdict.
 *
 * @example
 * ```ts
 * console.log(formatTable([{ name: "x", figure: "2/s", reference: "4/s", ratio: 0.5 }]));
 * ```
 */
export function formatTable(rows: BenchRow[]): string {
  const lines = [
    "| benchmark | figure | reference (same run) | ratio | goal (DESIGN.md) | result |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map((row) =>
      `| ${
        [
          row.name,
          row.figure,
          row.reference,
          formatRatio(row.ratio),
          row.goal ?? "—",
          evaluateGoal(row),
        ].map(cell).join(" | ")
      } |`
    ),
  ];
  return lines.join("\n");
}

/**
 * A ratio with two significant digits where it is small, so 0.004 does not print as 0.00.
 *
 * @example
 * ```ts
 * formatRatio(0.0042); // "0.0042"
 * ```
 */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return "—";
  if (ratio !== 0 && Math.abs(ratio) < 0.1) return ratio.toPrecision(2);
  return ratio.toFixed(2);
}

/**
 * Counts of each verdict, for the line under the table.
 *
 * @example
 * ```ts
 * summarize(rows); // "3 goals met, 4 missed, 1 not measured"
 * ```
 */
export function summarize(rows: BenchRow[]): string {
  const verdicts = rows.map(evaluateGoal);
  const count = (prefix: string) => verdicts.filter((v) => v.startsWith(prefix)).length;
  const scaled = verdicts.filter((v) => v.endsWith("(scaled)")).length;
  return `${count("pass")} goals met, ${count("miss")} missed, ${
    count("not measured")
  } not measured${scaled > 0 ? ` (${scaled} at scaled-down sizes)` : ""}`;
}

/**
 * A duration for the progress line and the section timings: `42 s`, `3 min 05 s`.
 *
 * @example
 * ```ts
 * formatDuration(185); // "3 min 05 s"
 * ```
 */
export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
}
