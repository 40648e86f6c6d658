/**
 * @module
 * A Postgres cluster of one test's own, for tests that stop and start Postgres: created under
 * /tmp on a free port (never the shared cluster on 54322), and stopped and removed on dispose.
 */

import { ensureCluster, portInUse, type RunningCluster } from "../../local/postgres_cluster.ts";
import { loadLocalSettings } from "../../local/settings.ts";

/** A running throwaway cluster. */
export interface ThrowawayCluster extends AsyncDisposable {
  /** Its connection string (the same after a restart). */
  readonly url: string;
  stop(): Promise<void>;
  /** Starts it again after {@link ThrowawayCluster.stop}, on the same directory and port. */
  start(): Promise<void>;
}

/**
 * Creates and starts the cluster. Tests that may run at the same time pass different
 * `firstPort`s, so they do not race for one free port.
 *
 * @example
 * ```ts
 * await using cluster = await startThrowawayCluster({ prefix: "shelfwatch_faults_pg_", firstPort: 56000 });
 * await cluster.stop();
 * await cluster.start();
 * ```
 */
export async function startThrowawayCluster(
  { prefix, firstPort }: { prefix: string; firstPort: number },
): Promise<ThrowawayCluster> {
  const dataDir = await Deno.makeTempDir({ prefix });
  await Deno.chmod(dataDir, 0o755);
  const options = {
    dataDir,
    port: await freePort(firstPort),
    pgBinDir: loadLocalSettings().pgBinDir,
  };
  let running: RunningCluster = await ensureCluster(options);
  return {
    url: running.url,
    stop: () => running.stop(),
    async start() {
      running = await ensureCluster(options);
    },
    async [Symbol.asyncDispose]() {
      await running.stop();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

async function freePort(firstPort: number): Promise<number> {
  for (let port = firstPort + Math.floor(Math.random() * 500); port < firstPort + 600; port++) {
    if (!(await portInUse(port))) return port;
  }
  throw new Error("no free port for the throwaway cluster");
}
