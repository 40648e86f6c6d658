/**
 * @module
 * `deno task bench`: one command, one table. Each row is a figure beside its reference measured in
 * the same run on the same machine (so a noisy, shared machine moves both), the ratio, and the goal
 * from DESIGN.md where there is one. Writes bench-results/latest.json too.
 *
 *   deno task bench            full sizes
 *   deno task bench --quick    small sizes, for a smoke run
 */

import { PROJECT_ROOT } from "../../local/settings.ts";
import { runCommand } from "../../local/stack_error.ts";
import { createTestDatabase } from "../_support/database.ts";
import { startTestStack } from "../_support/stack.ts";
import { measure, type Measurement } from "./measure.ts";

interface Row {
  name: string;
  figure: Measurement;
  referenceName: string;
  reference: Measurement;
  goal?: string;
}

const quick = Deno.args.includes("--quick");
const scale = (n: number) => (quick ? Math.max(50, Math.round(n / 10)) : n);

function progress(text: string) {
  Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[2K… ${text}`));
}

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
      figure,
      referenceName: "bare Deno.serve JSON",
      reference,
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
    figure,
    referenceName: "the same query without claims",
    reference,
  };
}

function format(m: Measurement): string {
  return `${m.perSecond.toFixed(0)}/s p50 ${m.p50Ms.toFixed(2)} ms p99 ${m.p99Ms.toFixed(2)} ms`;
}

await runCommand(async () => {
  const rows: Row[] = [];
  for (const bench of [gatewayHealth, sqlAsJwt]) rows.push(await bench());
  progress("done\n");
  const table = [
    "| benchmark | figure | reference (same run) | ratio | goal |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map((row) =>
      `| ${row.name} | ${format(row.figure)} | ${row.referenceName}: ${format(row.reference)} | ${
        (row.figure.perSecond / row.reference.perSecond).toFixed(2)
      } | ${row.goal ?? "—"} |`
    ),
  ];
  console.log(table.join("\n"));
  await Deno.mkdir(`${PROJECT_ROOT}/bench-results`, { recursive: true });
  await Deno.writeTextFile(
    `${PROJECT_ROOT}/bench-results/latest.json`,
    JSON.stringify({ date: new Date().toISOString(), quick, rows }, null, 2),
  );
});
