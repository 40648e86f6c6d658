import assert from "node:assert/strict";
import { tallyDenoTest, tallyTap } from "./run.ts";

Deno.test("tallyDenoTest() reads Deno's closing line, steps and all", () => {
  assert.deepEqual(tallyDenoTest("...\nok | 12 passed (3 steps) | 0 failed (2s)\n", 0), {
    passed: 12,
    failed: 0,
  });
  assert.deepEqual(tallyDenoTest("FAILED | 4 passed | 2 failed (1 step) (1s)", 1), {
    passed: 4,
    failed: 2,
  });
  assert.deepEqual(tallyDenoTest("ok | 3 passed | 0 failed | 2 filtered out (1s)", 0), {
    passed: 3,
    failed: 0,
  });
});

Deno.test("tallyDenoTest() counts a run that never reached its summary as a failure", () => {
  assert.deepEqual(tallyDenoTest("error: Type checking failed.", 1), { passed: 0, failed: 1 });
  assert.deepEqual(tallyDenoTest("ok | 3 passed | 0 failed (1s)", 1), { passed: 3, failed: 1 });
});

Deno.test("tallyTap() counts pgTAP assertions, and a file that died as a failure", () => {
  const tap =
    "a.test.sql ..\n1..3\nok 1 - x\nnot ok 2 - y\n# Failed test 2\nok 3\nFailed 1/3 subtests\n";
  assert.deepEqual(tallyTap(tap, 1), { passed: 2, failed: 1 });
  assert.deepEqual(
    tallyTap("b.test.sql .. 1..5\nok 1\n# Looks like you planned 5 tests but ran 1\n", 1),
    {
      passed: 1,
      failed: 1,
    },
  );
  assert.deepEqual(tallyTap("ok 1\nok 2\n", 0), { passed: 2, failed: 0 });
});
