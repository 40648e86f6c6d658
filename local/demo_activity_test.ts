import assert from "node:assert/strict";
import { createTestDatabase } from "../tests/_support/database.ts";
import { applySeed } from "./migrations.ts";
import { DEMO_TENANT_ID } from "./demo.ts";
import { simulateDemoTick } from "./demo_activity.ts";

Deno.test("the demo seed raises alerts at once, and demo activity keeps stock (and alerts) moving", async () => {
  await using db = await createTestDatabase();
  await applySeed(db.sql);
  const [{ open }] = await db
    .sql`select count(*)::int as open from public.alerts where status <> 'resolved'`;
  assert.ok(open >= 5, `the seed should produce several alerts, got ${open}`);

  const before = await db
    .sql`select store_id, product_id, on_hand from public.inventory_levels order by 1, 2`;
  await db.sql`insert into public.tenants (id, name) values (gen_random_uuid(), 'Bystander')`;
  let written = 0;
  for (let tick = 0; tick < 10; tick++) written += await simulateDemoTick(db.sql, { items: 5 });
  assert.equal(written, 50);
  const after = await db
    .sql`select store_id, product_id, on_hand from public.inventory_levels order by 1, 2`;
  assert.notDeepEqual(after.map((r) => r.on_hand), before.map((r) => r.on_hand), "stock moved");
  const [{ others }] = await db.sql`
    select count(*)::int as others from public.inventory_levels where tenant_id <> ${DEMO_TENANT_ID}`;
  assert.equal(others, 0, "only the demo tenant is touched");
  const [{ changes }] = await db.sql`select count(*)::int as changes from public.alert_history`;
  assert.ok(changes > open, "the moving stock changed alerts too");
});
