import assert from "node:assert/strict";
import { startTestStack } from "../_support/stack.ts";

Deno.test("GET /functions/v1/alerts through the local gateway lists the caller's alerts", async () => {
  await using stack = await startTestStack();
  const tenantId = crypto.randomUUID();
  const userId = crypto.randomUUID();
  await stack.db.sql`insert into public.tenants (id, name) values (${tenantId}, 'Gateway bakery')`;
  await stack.db.sql`insert into public.tenant_members (tenant_id, user_id, role)
                     values (${tenantId}, ${userId}, 'viewer')`;
  for (const n of [1, 2]) {
    await stack.db.sql`select public.raise_alert(${tenantId}::uuid, 'inventory.low_stock', 'high',
                                                 ${`Low stock ${n}`}, dedup_key => ${`gw-${n}`})`;
  }
  const token = await stack.tokenFor({ tenantId, userId });
  const res = await fetch(`${stack.url}/functions/v1/alerts?limit=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.data.length, 1);
  assert.equal(body.data[0].title, "Low stock 2");
  assert.equal(typeof body.next_cursor, "string");

  const unauthorized = await fetch(`${stack.url}/functions/v1/alerts`);
  assert.equal(unauthorized.status, 401);
  assert.equal((await unauthorized.json()).error.code, "missing_token");
  const doc = await fetch(`${stack.url}/functions/v1/alerts/openapi.json`);
  assert.equal(doc.status, 200);
  await doc.body?.cancel();
});
