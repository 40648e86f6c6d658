/**
 * @module
 * Records sent deliveries in batches: completions that arrive in the same turn of the event loop
 * go to Postgres as one `complete_deliveries()` statement instead of one round trip each. Each
 * caller learns whether its delivery was completed, or had lost its lease to another worker.
 */

import type { Sql } from "../_shared/db.ts";

/** One sent delivery to record. */
export interface Completion {
  id: string;
  provider: string;
  providerMessageId: string | null;
}

/** The most completions one statement records. */
const MAX_BATCH = 500;

/**
 * @example
 * ```ts
 * const complete = completionBatcher(sql);
 * const recorded = await complete({ id, provider: "resend", providerMessageId: "em_1" });
 * if (!recorded) { ... } // the lease had passed to another worker
 * ```
 */
export function completionBatcher(sql: Sql): (completion: Completion) => Promise<boolean> {
  const queue: { completion: Completion; done: PromiseWithResolvers<boolean> }[] = [];
  let scheduled = false;

  async function flush() {
    scheduled = false;
    const batch = queue.splice(0, MAX_BATCH);
    if (queue.length > 0) schedule();
    try {
      const rows = await sql<{ id: string }[]>`
        select id from public.complete_deliveries(
          ${batch.map((b) => b.completion.id)}::uuid[],
          ${batch.map((b) => b.completion.provider)}::text[],
          ${batch.map((b) => b.completion.providerMessageId)}::text[])`;
      const completed = new Set(rows.map((row) => row.id));
      for (const { completion, done } of batch) done.resolve(completed.has(completion.id));
    } catch (error) {
      for (const { done } of batch) done.reject(error);
    }
  }
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setTimeout(flush, 0);
  }

  return (completion) => {
    const done = Promise.withResolvers<boolean>();
    queue.push({ completion, done });
    schedule();
    return done.promise;
  };
}
