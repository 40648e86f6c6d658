/**
 * @module
 * `deno task test`: every test in one run. Prepares the database server (our cluster or
 * DATABASE_URL) and the migrated template once, runs the Deno tests in parallel (each file in
 * throwaway databases), then the pgTAP files with pg_prove, and ends with one line
 * `N passed, N failed` that counts every Deno test and every pgTAP assertion.
 *
 * Extra arguments go to `deno test` (e.g. a file or `--filter`); `--no-pgtap` skips pg_prove.
 */

import postgres from "postgres";
import { withDatabase } from "../local/database_url.ts";
import { ensureCluster, type RunningCluster } from "../local/postgres_cluster.ts";
import { loadLocalSettings, PROJECT_ROOT } from "../local/settings.ts";
import { runCommand } from "../local/stack_error.ts";
import { prepareTemplate } from "./_support/template.ts";

interface Tally {
  passed: number;
  failed: number;
}

/** Runs a command with inherited output while also capturing it, to read the summary from. */
async function runTee(cmd: string, args: string[], env: Record<string, string>) {
  const child = new Deno.Command(cmd, {
    args,
    env: { ...env, NO_COLOR: "1" },
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let captured = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>, sink: typeof Deno.stdout) => {
    for await (const chunk of stream) {
      captured += decoder.decode(chunk, { stream: true });
      await sink.write(chunk);
    }
  };
  const [status] = await Promise.all([
    child.status,
    pump(child.stdout, Deno.stdout),
    pump(child.stderr, Deno.stderr),
  ]);
  return { code: status.code, output: captured };
}

/** Reads Deno's closing `ok | 12 passed (3 steps) | 0 failed` line. */
export function tallyDenoTest(output: string, exitCode: number): Tally {
  const match = [...output.matchAll(/\| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/g)].at(-1);
  if (!match) return { passed: 0, failed: 1 }; // it never got to run its tests: count the run as a failure
  const tally = { passed: Number(match[1]), failed: Number(match[2]) };
  if (exitCode !== 0 && tally.failed === 0) tally.failed = 1;
  return tally;
}

/** Counts pg_prove's verbose TAP lines; a file that dies without a `not ok` still counts as one failure. */
export function tallyTap(output: string, exitCode: number): Tally {
  const passed = output.match(/^\s*ok \d+/gm)?.length ?? 0;
  const failed = output.match(/^\s*not ok \d+/gm)?.length ?? 0;
  return { passed, failed: failed === 0 && exitCode !== 0 ? 1 : failed };
}

async function runPgTap(adminUrl: string, template: string): Promise<Tally> {
  const files = [];
  for await (const entry of Deno.readDir(`${PROJECT_ROOT}/sql/tests`)) {
    if (entry.name.endsWith(".test.sql")) files.push(`sql/tests/${entry.name}`);
  }
  if (files.length === 0) return { passed: 0, failed: 0 };
  const name = `shelfwatch_test_pgtap_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin`create database ${admin(name)} template ${admin(template)}`;
  try {
    const url = new URL(withDatabase(adminUrl, name));
    const { code, output } = await runTee("pg_prove", [
      "--verbose",
      "--failures",
      "-h",
      url.hostname,
      "-p",
      url.port || "5432",
      "-U",
      decodeURIComponent(url.username),
      "-d",
      name,
      ...files.sort(),
    ], { PGPASSWORD: decodeURIComponent(url.password) });
    return tallyTap(output, code);
  } finally {
    await admin`drop database if exists ${admin(name)} with (force)`;
    await admin.end();
  }
}

async function main() {
  const settings = loadLocalSettings();
  const pgtap = !Deno.args.includes("--no-pgtap");
  const denoArgs = Deno.args.filter((arg) => arg !== "--no-pgtap");
  let cluster: RunningCluster | undefined;
  const adminUrl = settings.databaseUrl ??
    (cluster = await ensureCluster({ ...settings, port: settings.dbPort })).url;
  try {
    const template = await prepareTemplate(adminUrl);
    const env = { SHELFWATCH_TEST_ADMIN_URL: adminUrl, SHELFWATCH_TEST_TEMPLATE: template };
    const deno = await runTee(Deno.execPath(), [
      "test",
      "--allow-all",
      "--parallel",
      ...denoArgs,
    ], { ...env, DENO_JOBS: Deno.env.get("DENO_JOBS") ?? "2" });
    const total = tallyDenoTest(deno.output, deno.code);
    if (pgtap) {
      const tap = await runPgTap(adminUrl, template);
      total.passed += tap.passed;
      total.failed += tap.failed;
    }
    console.log(`${total.passed} passed, ${total.failed} failed`);
    if (total.failed > 0) Deno.exitCode = 1;
  } finally {
    await cluster?.stop();
  }
}

if (import.meta.main) await runCommand(main);
