import assert from "node:assert/strict";
import type { Sql } from "../_shared/db.ts";
import { completionBatcher } from "./completion_batcher.ts";

/** A stand-in for postgres.js' tagged template: fails `failures` times, then completes every id. */
function flakySql(failures: Error[]) {
  let calls = 0;
  const sql = (_strings: TemplateStringsArray, ids: string[]) => {
    calls += 1;
    const failure = failures.shift();
    return failure ? Promise.reject(failure) : Promise.resolve(ids.map((id) => ({ id })));
  };
  return { sql: sql as unknown as Sql, calls: () => calls };
}

Deno.test("a completion whose connection broke (with or without an error code) is recorded on a later try", async () => {
  const socketEnded = new Deno.errors.BrokenPipe("This socket has been ended by the other party");
  const noCode = new Error("This socket has been ended by the other party");
  const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  const { sql, calls } = flakySql([socketEnded, noCode, refused]);
  const complete = completionBatcher(sql);
  const recorded = await complete({
    id: "d1",
    provider: "resend",
    providerMessageId: "em_1",
    retryUntil: Date.now() + 60_000,
  });
  assert.equal(recorded, true);
  assert.equal(calls(), 4);
});

Deno.test("a failed statement (not a lost connection) is not retried", async () => {
  const { sql, calls } = flakySql([Object.assign(new Error("bad"), { code: "22023" })]);
  const complete = completionBatcher(sql);
  await assert.rejects(
    complete({
      id: "d1",
      provider: "resend",
      providerMessageId: null,
      retryUntil: Date.now() + 60_000,
    }),
    /bad/,
  );
  assert.equal(calls(), 1);
});
