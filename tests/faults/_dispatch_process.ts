/**
 * @module
 * A dispatcher as a process of its own, for the fault tests to kill: dispatches against the
 * database in `SHELFWATCH_FAULT_DATABASE_URL` in a loop (batch size, concurrency and lease from
 * `SHELFWATCH_FAULT_BATCH`, `_CONCURRENCY`, `_LEASE_SECONDS`) until the queue is empty or it is
 * killed, printing `claimed <n>` after each batch. Tests only; never deployed.
 *
 * @example
 * ```ts
 * const child = new Deno.Command(Deno.execPath(), {
 *   args: ["run", "--allow-all", "tests/faults/_dispatch_process.ts"],
 *   env: { SHELFWATCH_FAULT_DATABASE_URL: db.url },
 * }).spawn();
 * ```
 */

import postgres from "postgres";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createDispatcher } from "../../functions/notify/dispatcher.ts";
import { defaultNotifyConfig } from "../../functions/notify/notify_config.ts";

const env = (name: string, fallback: string) =>
  Deno.env.get(`SHELFWATCH_FAULT_${name}`) ?? fallback;
const sql = postgres(env("DATABASE_URL", ""), { max: 4, onnotice: () => {} });
const dispatcher = createDispatcher({
  sql,
  worker: "doomed-worker",
  logger: createLogger("doomed", () => {}),
  config: {
    ...defaultNotifyConfig(),
    batchSize: Number(env("BATCH", "20")),
    concurrency: Number(env("CONCURRENCY", "4")),
    leaseSeconds: Number(env("LEASE_SECONDS", "30")),
  },
});
for (;;) {
  const { claimed } = await dispatcher.dispatch();
  console.log(`claimed ${claimed}`);
  if (claimed === 0) break;
}
await sql.end();
