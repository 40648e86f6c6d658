/**
 * @module
 * A subscriber child process of the Realtime benchmarks (`realtime_subscribers.ts`), driven line
 * by line over stdio: started with what to connect to, it resolves once every socket has joined;
 * `done(key)` waits until every subscriber has a message keyed `key`; `report()` collects the
 * arrival times and ends the child.
 */

import { PROJECT_ROOT } from "../../local/settings.ts";

/** A running subscriber process. */
export interface Subscribers {
  joinMs: number;
  /** Resolves when the child printed `done <key>`. */
  done(key: string, timeoutMs: number): Promise<void>;
  /** Arrival times per key; ends the child (later calls return the same). */
  report(): Promise<Record<string, number[]>>;
}

/**
 * The arguments that run one of the benchmark's child scripts (`tests/bench/<script>`) with the
 * project's configuration, its options as one JSON argument.
 *
 * @example
 * ```ts
 * new Deno.Command(Deno.execPath(), { args: benchScriptArgs("realtime_writer.ts", options) });
 * ```
 */
export function benchScriptArgs(script: string, options: unknown): string[] {
  return [
    "run",
    "--allow-all",
    "--config",
    `${PROJECT_ROOT}/deno.json`,
    `${PROJECT_ROOT}/tests/bench/${script}`,
    JSON.stringify(options),
  ];
}

/** What a subscriber process connects to and how (see `realtime_subscribers.ts`). */
export interface SubscriberOptions {
  /** The stack's (or a bare server's) http URL; sockets open `/realtime/v1/websocket` on it. */
  url: string;
  apikey: string;
  token: string;
  topic: string;
  count: number;
  mode: "raw" | "supabase";
  /** Titles look like `<prefix>-<key>`; the key groups arrivals. */
  prefix: string;
  /** For `supabase` mode: how many messages make the run complete. */
  expect?: number;
  /** For `supabase` mode: key arrivals by `store_id/product_id`, each announced as it arrives. */
  byItem?: boolean;
}

/**
 * Starts a subscriber process; resolves once every one of its sockets has joined.
 *
 * @example
 * ```ts
 * const subscribers = await spawnSubscriberProcess({
 *   url, apikey, token, topic, count: 500, mode: "raw", prefix: "idle",
 * });
 * await subscribers.report(); // ends the child
 * ```
 */
export async function spawnSubscriberProcess(options: SubscriberOptions): Promise<Subscribers> {
  const child = new Deno.Command(Deno.execPath(), {
    args: benchScriptArgs("realtime_subscribers.ts", options),
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  const reading = (async () => {
    let buffered = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        lines.push(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        for (const wake of waiters.splice(0)) wake();
      }
    }
    ended = true;
    for (const wake of waiters.splice(0)) wake();
  })();
  async function line(match: (line: string) => boolean, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = lines.find(match);
      if (found !== undefined) return found;
      if (ended) throw new Error("the subscriber process ended early (its error is above)");
      if (Date.now() > deadline) throw new Error("the subscriber process did not answer in time");
      await Promise.race([
        new Promise<void>((resolve) => waiters.push(resolve)),
        new Promise((resolve) => setTimeout(resolve, 250)),
      ]);
    }
  }
  let ready: string;
  try {
    ready = await line((l) => l.startsWith("ready "), 300_000);
  } catch (error) {
    try {
      child.kill();
    } catch {
      // already gone
    }
    throw error;
  }
  const writer = child.stdin.getWriter();
  let reported: Promise<Record<string, number[]>> | undefined;
  return {
    joinMs: Number(ready.slice(6)),
    done: (key, timeoutMs) => line((l) => l === `done ${key}`, timeoutMs).then(() => {}),
    report() {
      // once: a second call (a cleanup after the first) gets the same arrivals
      reported ??= (async () => {
        await writer.write(new TextEncoder().encode("report\n"));
        const json = await line((l) => l.startsWith("{"), 60_000);
        await writer.close().catch(() => {});
        await child.status;
        await reading;
        return JSON.parse(json);
      })();
      return reported;
    },
  };
}
