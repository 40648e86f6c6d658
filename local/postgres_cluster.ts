/**
 * @module
 * Our private PostgreSQL 15 cluster: created once in a git-ignored folder, started on 54322 with
 * pg_cron loaded and `wal_level = logical`, reused on every later start.
 */

import { createHash } from "node:crypto";
import { StackError } from "./stack_error.ts";
import { localClusterUrl } from "./database_url.ts";

/** Where and how to run the cluster. */
export interface ClusterOptions {
  dataDir: string;
  port: number;
  pgBinDir: string;
}

/** A running cluster; `stop` is a no-op when someone else (an earlier `start`) owns it. */
export interface RunningCluster {
  url: string;
  pgData: string;
  startedByUs: boolean;
  stop(): Promise<void>;
}

const APT_PACKAGES = "postgresql-15 postgresql-15-cron postgresql-15-pgtap";

// Settings appended to postgresql.conf by initCluster. Changing them needs a restart.
function serverSettings(port: number): string {
  return `
# --- Shelfwatch local stack ---
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = ''
max_connections = 300
shared_buffers = 512MB
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 32
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
timezone = 'UTC'
log_timezone = 'UTC'
# JIT compilation costs more than it saves on our short, set-based statements.
jit = off
`;
}

interface RunResult {
  code: number;
  output: string;
}

async function run(
  command: string,
  args: string[],
  asUser: string | undefined,
): Promise<RunResult> {
  const [cmd, cmdArgs] = asUser
    ? ["runuser", ["-u", asUser, "--", command, ...args]]
    : [command, args];
  const out = await new Deno.Command(cmd, { args: cmdArgs, stdout: "piped", stderr: "piped" })
    .output();
  const decoder = new TextDecoder();
  return { code: out.code, output: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function checkBinaries(pgBinDir: string): void {
  for (const name of ["initdb", "pg_ctl", "postgres"]) {
    try {
      Deno.statSync(`${pgBinDir}/${name}`);
    } catch {
      throw new StackError(
        `PostgreSQL 15 is not installed (no ${pgBinDir}/${name}): run 'sudo apt-get install -y ${APT_PACKAGES}' (./shelfwatch does this itself when run as root), or set DATABASE_URL to use an existing database.`,
      );
    }
  }
  const libDir = pgBinDir.replace(/\/bin\/?$/, "/lib");
  try {
    Deno.statSync(`${libDir}/pg_cron.so`);
  } catch {
    throw new StackError(
      `pg_cron is not installed (no ${libDir}/pg_cron.so): run 'sudo apt-get install -y postgresql-15-cron'.`,
    );
  }
}

/** Is something accepting TCP connections on 127.0.0.1:port? */
export async function portInUse(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

// Postgres refuses to run as root, so as root the cluster belongs to the `postgres` OS user
// (created by Debian's package). It must be able to reach the data folder; a checkout under a
// private home directory is not reachable, so then the cluster lives under /var/lib/shelfwatch.
async function choosePgData(dataDir: string, asUser: string | undefined): Promise<string> {
  const wanted = `${dataDir}/postgres`;
  if (!asUser) return wanted;
  await Deno.mkdir(dataDir, { recursive: true });
  const reachable = await run("test", ["-x", dataDir], asUser);
  if (reachable.code === 0) return wanted;
  const key = createHash("sha256").update(dataDir).digest("hex").slice(0, 12);
  return `/var/lib/shelfwatch/${key}/postgres`;
}

async function osUserForPostgres(): Promise<string | undefined> {
  if (Deno.uid() !== 0) return undefined;
  const probe = await run("id", ["-u", "postgres"], undefined);
  if (probe.code !== 0) {
    throw new StackError(
      "Postgres cannot run as root and there is no 'postgres' OS user: install Debian's postgresql-15 package (it creates the user) or run as a normal user.",
    );
  }
  return "postgres";
}

async function isOurClusterRunning(pgBinDir: string, pgData: string, asUser?: string) {
  if (!(await exists(`${pgData}/PG_VERSION`))) return false;
  const status = await run(`${pgBinDir}/pg_ctl`, ["-D", pgData, "status"], asUser);
  return status.code === 0;
}

// initdb into a scratch folder and rename it into place only when complete, so an interrupted
// or failed first start never leaves a half-initialised cluster behind.
async function initCluster(options: ClusterOptions, pgData: string, asUser?: string) {
  const parent = pgData.replace(/\/[^/]+$/, "");
  const scratch = `${pgData}.init-${Deno.pid}`;
  await Deno.mkdir(parent, { recursive: true });
  await Deno.remove(scratch, { recursive: true }).catch(() => {});
  await Deno.mkdir(scratch, { mode: 0o700 });
  const pwfile = `${scratch}.pw`;
  await Deno.writeTextFile(pwfile, "postgres\n");
  try {
    if (asUser) {
      await run("chown", [asUser, scratch, pwfile], undefined);
      await run("chmod", ["755", parent], undefined);
    }
    const init = await run(`${options.pgBinDir}/initdb`, [
      "-D",
      scratch,
      "-U",
      "postgres",
      `--pwfile=${pwfile}`,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "--encoding=UTF8",
      "--locale=C.UTF-8",
    ], asUser);
    if (init.code !== 0) {
      throw new StackError(`initdb failed to create the cluster: ${lastLines(init.output)}`);
    }
    await Deno.writeTextFile(`${scratch}/postgresql.auto.conf`, serverSettings(options.port), {
      append: true,
    });
    await Deno.rename(scratch, pgData);
  } catch (error) {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
    throw error;
  } finally {
    await Deno.remove(pwfile).catch(() => {});
  }
}

function lastLines(text: string, count = 5): string {
  return text.trim().split("\n").slice(-count).join(" | ");
}

/**
 * Starts the cluster (creating it on first use), or reuses it when it is already running.
 *
 * @example
 * ```ts
 * const cluster = await ensureCluster({ dataDir: ".data", port: 54322, pgBinDir: "/usr/lib/postgresql/15/bin" });
 * // ... cluster.url is postgresql://postgres:postgres@127.0.0.1:54322/postgres
 * await cluster.stop();
 * ```
 */
export async function ensureCluster(options: ClusterOptions): Promise<RunningCluster> {
  checkBinaries(options.pgBinDir);
  const asUser = await osUserForPostgres();
  const pgData = await choosePgData(options.dataDir, asUser);
  const url = localClusterUrl(options.port);
  const reused = { url, pgData, startedByUs: false, stop: () => Promise.resolve() };

  if (await isOurClusterRunning(options.pgBinDir, pgData, asUser)) {
    await waitUntilAccepting(options.port, pgData);
    return reused;
  }
  if (await portInUse(options.port)) {
    throw new StackError(
      `Port ${options.port} is already in use by another program (not Shelfwatch's Postgres): stop it, set SHELFWATCH_DB_PORT to a free port, or set DATABASE_URL to use that database instead.`,
    );
  }
  if (!(await exists(`${pgData}/PG_VERSION`))) {
    console.error(`shelfwatch: creating the local Postgres cluster in ${pgData} ...`);
    await initCluster(options, pgData, asUser);
  }
  const logFile = `${pgData}/server.log`;
  const started = await run(`${options.pgBinDir}/pg_ctl`, [
    "-D",
    pgData,
    "-l",
    logFile,
    "-o",
    `-p ${options.port}`,
    "-w",
    "-t",
    "60",
    "start",
  ], asUser);
  if (started.code !== 0) {
    const log = await Deno.readTextFile(logFile).catch(() => "");
    throw new StackError(
      `Postgres did not start on port ${options.port}: ${
        lastLines(log || started.output)
      } (full log: ${logFile}).`,
    );
  }
  await waitUntilAccepting(options.port, pgData);
  return {
    url,
    pgData,
    startedByUs: true,
    async stop() {
      await run(`${options.pgBinDir}/pg_ctl`, ["-D", pgData, "-m", "fast", "-w", "stop"], asUser);
    },
  };
}

async function waitUntilAccepting(port: number, pgData: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await portInUse(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new StackError(
    `Postgres in ${pgData} is running but does not accept connections on port ${port}; see ${pgData}/server.log.`,
  );
}
