/**
 * @module
 * `deno task bench`: one command, one table. Each section runs on a fresh throwaway database or
 * in-process stack; each row is a figure beside its reference measured in the same run on the same
 * machine (so a noisy, shared machine moves both), the ratio, the goal from DESIGN.md where there
 * is one and whether it was met. Writes bench-results/latest.json (latest-<section>.json with
 * --only) too; one progress line on stderr while it runs. See docs/benchmarks.md.
 *
 *   deno task bench            full sizes (about 15 minutes on 2 shared cores)
 *   deno task bench --quick    small sizes, a few minutes
 *   deno task bench --only=api one section (health, sql, api, ingest, scoring, notify, realtime, memory)
 */

import { PROJECT_ROOT } from "../../local/settings.ts";
import { runCommand } from "../../local/stack_error.ts";
import { createTestDatabase } from "../_support/database.ts";
import { startTestStack } from "../_support/stack.ts";
import { measure, type Measurement } from "./measure.ts";
import { type BenchRow, evaluateGoal, formatDuration, formatTable, summarize } from "./report.ts";
import { memoryBench } from "./memory.ts";
import { inventoryToDashboard } from "./scoring_realtime.ts";
import { apiCalls, loadAlerts } from "./api.ts";
import { batchIngest, prepareIngest, singleRowIngest } from "./ingest.ts";
import { fullRescore, loadScoringData, writeToAlert } from "./scoring.ts";
import { notifyBench } from "./notify.ts";
import { realtimeBenchmarks } from "./realtime.ts";

type Row = BenchRow;

const quick = Deno.args.includes("--quick");
const only = Deno.args.find((arg) => arg.startsWith("--only="))?.slice("--only=".length);
const scale = (n: number) => (quick ? Math.max(50, Math.round(n / 10)) : n);

const started = performance.now();
let step = "starting";
let stepStarted = started;
const terminal = Deno.stderr.isTerminal();

/** Redraws the one progress line: section, step, time in the step and in the whole run. */
function drawProgress(end = "") {
  const now = performance.now();
  const total = formatDuration((now - started) / 1000);
  // Written once per step where stderr is not a terminal: there the step's own time is always 0.
  const line = terminal
    ? `… ${step} (${formatDuration((now - stepStarted) / 1000)}; total ${total})`
    : `… ${step} (at ${total})`;
  Deno.stderr.writeSync(
    new TextEncoder().encode(terminal ? `\r\x1b[2K${line}${end}` : `${line}\n`),
  );
}

/** Sets the step the progress line shows (the section's own words, prefixed by the section). */
function progress(text: string) {
  step = `${section} ${text}`;
  stepStarted = performance.now();
  drawProgress();
}
let section = "";

/** Gateway + function + database round trip, beside a bare Deno.serve answering the same JSON. */
async function gatewayHealth(): Promise<Row> {
  await using stack = await startTestStack();
  const bare = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    () => Response.json({ status: "ok" }),
  );
  try {
    const options = { count: scale(5000), concurrency: 16 };
    const get = (url: string) => () => fetch(url).then((res) => res.arrayBuffer());
    progress("bare Deno.serve");
    const reference = await measure(get(`http://127.0.0.1:${bare.addr.port}/`), options);
    progress("gateway /functions/v1/alerts/health");
    const figure = await measure(get(`${stack.url}/functions/v1/alerts/health`), options);
    return {
      name: "GET /functions/v1/alerts/health (gateway + function + SQL)",
      figure: rate(figure),
      reference: `bare Deno.serve JSON: ${rate(reference)}`,
      ratio: figure.perSecond / reference.perSecond,
      raw: { figure, reference },
    };
  } finally {
    await bare.shutdown();
  }
}

/** A query as a JWT (transaction + set_config, as every API request does) beside a plain one. */
async function sqlAsJwt(): Promise<Row> {
  const { withClaims } = await import("../../functions/_shared/db.ts");
  await using db = await createTestDatabase();
  const options = { count: scale(5000), concurrency: 4 };
  const claims = { role: "authenticated", sub: crypto.randomUUID() };
  progress("plain select");
  const reference = await measure(() => db.sql`select auth.uid()`, options);
  progress("select as a JWT");
  const figure = await measure(
    () => withClaims(db.sql, claims, (tx) => tx`select auth.uid()`),
    options,
  );
  return {
    name: "SQL as a JWT (withClaims: begin, set_config, query, commit)",
    figure: rate(figure),
    reference: `the same query without claims: ${rate(reference)}`,
    ratio: figure.perSecond / reference.perSecond,
    raw: { figure, reference },
  };
}

function rate(m: Measurement): string {
  return `${m.perSecond.toFixed(0)}/s p50 ${m.p50Ms.toFixed(2)} ms p95 ${
    m.p95Ms.toFixed(2)
  } ms p99 ${m.p99Ms.toFixed(2)} ms`;
}

/** List, summary and acknowledge through the gateway on a tenant with many alerts. */
async function api(): Promise<Row[]> {
  const alerts = quick ? 20_000 : 100_000;
  await using stack = await startTestStack();
  progress(`loading ${alerts.toLocaleString()} alerts`);
  await loadAlerts(stack, alerts);
  progress("API calls");
  const calls = await apiCalls(stack, quick ? 300 : 2000);
  return ([
    ["GET /alerts?limit=50&status=active", calls.list],
    ["GET /alerts/summary", calls.summary],
    ["POST /alerts/{id}/acknowledge", calls.acknowledge],
  ] as const).map(([what, { figure, reference }]) => ({
    name: `${what} as staff, tenant with ${alerts.toLocaleString()} alerts (gateway, JWT, RLS)`,
    figure: `${rate(figure)} (${figure.operations} requests)`,
    reference:
      `GET /health (one trivial query) through the same stack, in blocks alternating with it: ${
        rate(reference)
      }`,
    ratio: figure.perSecond / reference.perSecond,
    raw: { figure, reference },
  }));
}

/** Events into alerts through a rule: single-row from 4 connections, and one 10,000-row statement. */
async function ingest(): Promise<Row[]> {
  await using db = await createTestDatabase();
  await prepareIngest(db);
  progress("single-row event ingest, 4 connections");
  const single = await singleRowIngest(db, quick ? 400 : 4000);
  progress("batch event ingest");
  const batch = await batchIngest(db, 10_000);
  const perSecond = (m: Measurement) => (10_000 / (m.p50Ms / 1000)).toFixed(0);
  return [{
    name:
      "single-row event ingest, 4 connections (rule match, dedup into an alert, outcome recorded)",
    figure: rate(single.figure),
    reference: `plain inserts of the same rows into a bare table: ${rate(single.reference)}`,
    ratio: single.figure.perSecond / single.reference.perSecond,
    goal: "ratio >= 0.7 (of raw single-row inserts)",
    check: {
      value: single.figure.perSecond / single.reference.perSecond,
      op: ">=",
      target: 0.7,
    },
    raw: single,
  }, {
    name: "one INSERT of 10,000 events (processed set-based by a statement trigger)",
    figure: `${perSecond(batch.figure)} events/s`,
    reference: `the same statement into a bare table: ${perSecond(batch.reference)} rows/s`,
    ratio: batch.reference.p50Ms / batch.figure.p50Ms,
    goal: ">= 50,000 events/s",
    check: { value: 10_000 / (batch.figure.p50Ms / 1000), op: ">=", target: 50_000 },
    raw: batch,
  }];
}

/** Full re-score of N items, and an inventory write that raises an alert. */
async function scoring(): Promise<Row[]> {
  const items = quick ? 100_000 : 1_000_000;
  await using db = await createTestDatabase();
  progress(`loading ${items.toLocaleString()} items`);
  await loadScoringData(db, items);
  progress("scoring");
  const { first, steady, reference } = await fullRescore(db);
  progress("inventory write -> alert");
  const write = await writeToAlert(db, quick ? 100 : 500);
  return [{
    name:
      `score_stockouts() over ${items.toLocaleString()} items (steady state; first pass opening ~2 % as alerts: ${
        first.toFixed(1)
      } s)`,
    figure: `${(steady.p50Ms / 1000).toFixed(2)} s`,
    reference: `one plain aggregate query over the same rows: ${
      (reference.p50Ms / 1000).toFixed(2)
    } s`,
    ratio: reference.p50Ms / steady.p50Ms,
    goal: items === 1_000_000
      ? "<= 5 s for 1,000,000 items"
      : `<= 5 s for 1,000,000 items (pro rata: ${5 * items / 1_000_000} s here)`,
    check: {
      value: steady.p50Ms / 1000,
      op: "<=",
      target: 5 * items / 1_000_000,
      scaled: items < 1_000_000,
    },
    raw: { first, steady, reference },
  }, {
    name: "inventory write that raises/clears an alert (trigger scores it in the same transaction)",
    figure: rate(write.figure),
    reference: `the same update on a table without triggers: ${rate(write.reference)}`,
    ratio: write.figure.perSecond / write.reference.perSecond,
    // The write's own cost; the next row carries the goal, with the dashboard half (Realtime).
    raw: write,
  }, await inventoryToDashboard({ count: quick ? 100 : 500, progress })];
}

await runCommand(async () => {
  const rows: Row[] = [];
  const sections: Record<string, () => Promise<Row | Row[]>> = {
    health: gatewayHealth,
    sql: sqlAsJwt,
    api,
    ingest,
    scoring,
    notify: () => notifyBench({ quick, progress }),
    realtime: () => realtimeBenchmarks({ quick, progress }),
    memory: () => memoryBench({ quick, progress }),
  };
  const chosen = only === undefined ? Object.keys(sections) : only.split(",");
  const unknown = chosen.filter((name) => !(name in sections));
  if (unknown.length > 0) {
    throw new RangeError(
      `Cannot run benchmark section "${unknown.join(",")}": expected one of ${
        Object.keys(sections).join(", ")
      }`,
    );
  }
  const timings: Record<string, number> = {};
  const failed: string[] = [];
  // Redraw every second, so a long step still shows it is alive.
  const ticker = terminal ? setInterval(() => drawProgress(), 1000) : undefined;
  try {
    for (const [index, name] of chosen.entries()) {
      section = `[${index + 1}/${chosen.length} ${name}]`;
      progress("starting");
      const sectionStarted = performance.now();
      try {
        const result = [await sections[name]()].flat();
        rows.push(...result.map((row) => ({ section: name, ...row })));
      } catch (error) {
        // One broken section must not cost the others' figures: report it as a row, fail at the end.
        failed.push(name);
        rows.push({
          section: name,
          name: `${name} section`,
          figure: `failed: ${error instanceof Error ? error.message : String(error)}`,
          reference: "—",
          ratio: NaN,
        });
      }
      timings[name] = (performance.now() - sectionStarted) / 1000;
    }
  } finally {
    clearInterval(ticker);
  }
  section = "";
  step = "done";
  stepStarted = performance.now();
  drawProgress(terminal ? "\n" : "");
  const seconds = (performance.now() - started) / 1000;
  console.log(formatTable(rows));
  console.log(
    `\n${summarize(rows)}. ${quick ? "Quick run" : "Full run"} in ${formatDuration(seconds)} (${
      Object.entries(timings).map(([name, s]) => `${name} ${formatDuration(s)}`).join(", ")
    }).`,
  );
  await Deno.mkdir(`${PROJECT_ROOT}/bench-results`, { recursive: true });
  const file = `${PROJECT_ROOT}/bench-results/latest${
    only === undefined ? "" : `-${chosen.join("-")}`
  }.json`;
  await Deno.writeTextFile(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        quick,
        seconds,
        sections: timings,
        machine: { cpus: navigator.hardwareConcurrency, loadavg: Deno.loadavg() },
        rows: rows.map((row) => ({ ...row, result: evaluateGoal(row) })),
      },
      null,
      2,
    ),
  );
  console.log(`Written to ${file}`);
  if (failed.length > 0) {
    throw new Error(`Benchmark sections failed: ${failed.join(", ")} (see their rows)`);
  }
});
