import assert from "node:assert/strict";
import { createLogger, redact } from "./logging.ts";

Deno.test("redact() removes secrets by key and by shape", () => {
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
  assert.deepEqual(
    redact({
      authorization: "Bearer abc.def",
      nested: { api_key: "k", note: `token ${jwt} here` },
      url: "postgresql://postgres:hunter2@db:5432/postgres",
      header: "Bearer sk_live_123",
      list: [{ password: "p" }],
      count: 3,
    }),
    {
      authorization: "[redacted]",
      nested: { api_key: "[redacted]", note: "token [redacted-jwt] here" },
      url: "postgresql://postgres:[redacted]@db:5432/postgres",
      header: "Bearer [redacted]",
      list: [{ password: "[redacted]" }],
      count: 3,
    },
  );
});

Deno.test("createLogger() writes one redacted JSON object per line", () => {
  const lines: string[] = [];
  createLogger("alerts", (line) => lines.push(line)).error("boom", { secret: "s", status: 500 });
  assert.deepEqual(lines.length, 1);
  const entry = JSON.parse(lines[0]);
  assert.deepEqual([entry.level, entry.service, entry.event, entry.secret, entry.status], [
    "error",
    "alerts",
    "boom",
    "[redacted]",
    500,
  ]);
  assert.match(entry.time, /^\d{4}-\d{2}-\d{2}T/);
});
