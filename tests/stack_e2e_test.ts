/**
 * End to end through the local gateway: the stack in-process on a free port, real HTTP.
 */
import assert from "node:assert/strict";
import { DEMO_TENANT_ID, DEMO_USERS } from "../local/demo.ts";
import { startTestStack } from "./_support/stack.ts";

Deno.test("the gateway routes /functions/v1/alerts/health to the alerts function", async () => {
  await using stack = await startTestStack();
  const res = await fetch(`${stack.url}/functions/v1/alerts/health`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.equal((await res.json()).status, "ok");
});

Deno.test("the gateway answers an unknown function like hosted Supabase does", async () => {
  await using stack = await startTestStack();
  const res = await fetch(`${stack.url}/functions/v1/no-such-function/anything`);
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), {
    code: "NOT_FOUND",
    message: "Requested function was not found",
  });
});

Deno.test("the gateway passes method, query, headers and body through to the function", async () => {
  await using stack = await startTestStack();
  const token = await stack.tokenFor({ tenantId: DEMO_TENANT_ID, userId: DEMO_USERS[0].id });
  const res = await fetch(`${stack.url}/functions/v1/alerts/members/me?x=1`, {
    headers: { authorization: `Bearer ${token}`, "x-request-id": "trace-me-123" },
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-request-id"), "trace-me-123");
  assert.equal((await res.json()).user_id, DEMO_USERS[0].id);
  const logged = stack.logs.map((line) => JSON.parse(line)).find((e) =>
    e.request_id === "trace-me-123"
  );
  assert.equal(
    logged?.path,
    "/alerts/members/me",
    "the function sees the path hosted Supabase gives it",
  );
});

Deno.test("the gateway serves the dashboard at /", async () => {
  await using stack = await startTestStack();
  const res = await fetch(`${stack.url}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/html/);
  assert.match(await res.text(), /<title>Shelfwatch<\/title>/);
});
