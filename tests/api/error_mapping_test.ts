import assert from "node:assert/strict";
import { Hono } from "hono";
import { z } from "zod";
import { ApiError, describeError, errorHandler } from "../../functions/_shared/errors.ts";
import { createLogger } from "../../functions/_shared/logging.ts";

function postgresError(code: string, message: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), { name: "PostgresError", code, ...extra });
}

Deno.test("describeError() maps every SQLSTATE of docs/errors.md to its status and code", () => {
  const table: Array<[string, number, string]> = [
    ["SW001", 422, "unprocessable"],
    ["SW002", 404, "not_found"],
    ["SW003", 403, "forbidden"],
    ["SW004", 409, "invalid_transition"],
    ["SW005", 403, "not_a_member"],
    ["SW006", 429, "rate_limited"],
    ["23514", 422, "unprocessable"],
    ["23502", 422, "unprocessable"],
    ["23505", 409, "conflict"],
    ["23503", 422, "unprocessable"],
    ["42501", 403, "forbidden"],
  ];
  for (const [sqlstate, status, code] of table) {
    const described = describeError(postgresError(sqlstate, `Cannot do it (${sqlstate})`));
    assert.deepEqual(
      [described?.status, described?.code, described?.message],
      [status, code, `Cannot do it (${sqlstate})`],
      sqlstate,
    );
  }
  assert.deepEqual(
    describeError(
      postgresError("23514", "violates check", { constraint_name: "alerts_title_length" }),
    )
      ?.details,
    { constraint: "alerts_title_length" },
  );
  assert.equal(describeError(postgresError("22P02", "invalid input syntax")), undefined);
  assert.equal(
    describeError(postgresError("22007", "invalid input syntax for type date")),
    undefined,
  );
  assert.equal(describeError(new Error("boom")), undefined);
});

Deno.test("describeError() lists every failing field of a zod error, unknown keys by name", () => {
  const schema = z.strictObject({ id: z.uuid(), tags: z.array(z.string()) });
  const described = describeError(schema.safeParse({ id: "x", tags: [1], colour: "red" }).error);
  assert.equal(described?.status, 400);
  assert.equal(described?.code, "invalid_input");
  assert.deepEqual((described?.details as Array<{ path: string }>).map((d) => d.path), [
    "id",
    "tags.0",
    "colour",
  ]);
  assert.match(described!.message, /^Invalid id: .* \(and 2 more\)$/);
});

Deno.test("errorHandler() answers unknown errors with a 500 that leaks no SQL and logs the cause", async () => {
  const logs: string[] = [];
  const app = new Hono();
  app.onError(errorHandler(createLogger("alerts", (line) => logs.push(line))));
  app.get("/sql", () => {
    throw postgresError("22P02", 'invalid input syntax for type uuid: "select secret"');
  });
  app.get("/api", () => {
    throw new ApiError(409, "invalid_transition", "Cannot resolve alert x: it is already resolved");
  });
  const res = await app.request("/sql");
  assert.equal(res.status, 500);
  const text = await res.text();
  assert.ok(!text.includes("select secret"), text);
  assert.equal(JSON.parse(text).error.code, "internal");
  assert.ok(logs.some((line) => line.includes("22P02")));
  const known = await app.request("/api");
  assert.equal(known.status, 409);
  assert.deepEqual(await known.json(), {
    error: {
      code: "invalid_transition",
      message: "Cannot resolve alert x: it is already resolved",
      details: null,
    },
  });
});
