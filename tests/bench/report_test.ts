import assert from "node:assert/strict";
import { percentile } from "./measure.ts";
import {
  type BenchRow,
  evaluateGoal,
  formatDuration,
  formatRatio,
  formatTable,
  summarize,
} from "./report.ts";

const row = (extra: Partial<BenchRow>): BenchRow => ({
  name: "x",
  figure: "1/s",
  reference: "2/s",
  ratio: 0.5,
  ...extra,
});

Deno.test("a row without a goal has no verdict", () => {
  assert.equal(evaluateGoal(row({})), "—");
});

Deno.test("a goal with nothing measured against it says so instead of passing", () => {
  assert.equal(evaluateGoal(row({ goal: "<= 50 ms p99" })), "not measured");
});

Deno.test("an upper-bound goal passes at and under its target and misses above it", () => {
  const goal = "p99 <= 50 ms";
  assert.equal(evaluateGoal({ goal, check: { value: 37, op: "<=", target: 50 } }), "pass");
  assert.equal(evaluateGoal({ goal, check: { value: 50, op: "<=", target: 50 } }), "pass");
  assert.equal(evaluateGoal({ goal, check: { value: 50.1, op: "<=", target: 50 } }), "miss");
});

Deno.test("a lower-bound goal passes at and over its target and misses under it", () => {
  const goal = ">= 50,000 events/s";
  assert.equal(evaluateGoal({ goal, check: { value: 7_025, op: ">=", target: 50_000 } }), "miss");
  assert.equal(evaluateGoal({ goal, check: { value: 50_000, op: ">=", target: 50_000 } }), "pass");
});

Deno.test("nothing measured (NaN) or lost messages (Infinity) miss every goal", () => {
  for (const op of ["<=", ">="] as const) {
    assert.equal(evaluateGoal({ goal: "g", check: { value: NaN, op, target: 1 } }), "miss");
  }
  assert.equal(
    evaluateGoal({ goal: "g", check: { value: Infinity, op: "<=", target: 50 } }),
    "miss",
  );
});

Deno.test("a goal checked at scaled-down sizes is marked as such", () => {
  assert.equal(
    evaluateGoal({ goal: "g", check: { value: 1, op: "<=", target: 2, scaled: true } }),
    "pass (scaled)",
  );
  assert.equal(
    evaluateGoal({ goal: "g", check: { value: 3, op: "<=", target: 2, scaled: true } }),
    "miss (scaled)",
  );
});

Deno.test("the table has one line per row with the ratio, the goal and the verdict", () => {
  const table = formatTable([
    row({ name: "ingest", ratio: 0.1234, goal: "ratio >= 0.7" }),
    row({
      name: "fan-out",
      ratio: 2,
      goal: "p99 <= 200 ms",
      check: { value: 150, op: "<=", target: 200 },
    }),
    row({ name: "deliveries", ratio: NaN }),
  ]);
  assert.deepEqual(table.split("\n"), [
    "| benchmark | figure | reference (same run) | ratio | goal (DESIGN.md) | result |",
    "| --- | --- | --- | --- | --- | --- |",
    "| ingest | 1/s | 2/s | 0.12 | ratio >= 0.7 | not measured |",
    "| fan-out | 1/s | 2/s | 2.00 | p99 <= 200 ms | pass |",
    "| deliveries | 1/s | 2/s | — | — | — |",
  ]);
});

Deno.test("a pipe or a newline in a cell does not break the table row", () => {
  const [, , line] = formatTable([row({ name: "a | b", figure: "one\n  two" })]).split("\n");
  assert.equal(line, "| a \\| b | one two | 2/s | 0.50 | — | — |");
});

Deno.test("small ratios keep two significant digits", () => {
  assert.equal(formatRatio(0.0042), "0.0042");
  assert.equal(formatRatio(0.5), "0.50");
  assert.equal(formatRatio(12.345), "12.35");
  assert.equal(formatRatio(0), "0.00");
  assert.equal(formatRatio(Infinity), "—");
});

Deno.test("the summary counts met, missed and unmeasured goals and mentions scaled sizes", () => {
  const rows = [
    row({}),
    row({ goal: "g", check: { value: 1, op: "<=", target: 2 } }),
    row({ goal: "g", check: { value: 3, op: "<=", target: 2, scaled: true } }),
    row({ goal: "g", check: { value: 3, op: "<=", target: 2 } }),
    row({ goal: "g" }),
  ];
  assert.equal(summarize(rows), "1 goals met, 2 missed, 1 not measured (1 at scaled-down sizes)");
});

Deno.test("durations read in seconds, then minutes and seconds", () => {
  assert.equal(formatDuration(4.4), "4 s");
  assert.equal(formatDuration(185), "3 min 05 s");
});

Deno.test("percentiles use the nearest rank", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 0.5), 50);
  assert.equal(percentile(values, 0.95), 95);
  assert.equal(percentile(values, 0.99), 99);
  assert.ok(Number.isNaN(percentile([], 0.5)));
});
