import assert from "node:assert/strict";
import { OTHER_TENANT, TENANT, withRoutesWorld } from "./_routes_fixture.ts";
import type { TestDatabase } from "../_support/database.ts";

/** Two stores of TENANT, three items, sales for a trend; one item of OTHER_TENANT. */
async function seedStock(db: TestDatabase) {
  await db.sql`
    insert into public.stores (tenant_id, id, name) values
      (${TENANT}, 'north', 'North'), (${TENANT}, 'south', 'South'), (${OTHER_TENANT}, 'x', 'X')`;
  await db.sql`
    insert into public.products (tenant_id, id, name) values
      (${TENANT}, 'milk', 'Whole milk'), (${TENANT}, 'bread', 'Rye bread'),
      (${OTHER_TENANT}, 'secret', 'Secret')`;
  await db.sql`
    insert into public.demand_forecasts (tenant_id, store_id, product_id, forecast_date, forecasted_demand)
    select ${TENANT}::uuid, f.store_id, f.product_id, current_date + d, f.per_day
    from (values ('north', 'milk', 10), ('south', 'milk', 10)) as f (store_id, product_id, per_day)
    cross join generate_series(0, 6) as d`;
  // Bread at North sells 20 a day this week and 10 a day the week before: rising.
  await db.sql`
    insert into public.sales (tenant_id, store_id, product_id, sales_date, quantity)
    select ${TENANT}::uuid, 'north', 'bread', current_date - d, case when d < 7 then 20 else 10 end
    from generate_series(0, 13) as d`;
  await db.sql`
    insert into public.inventory_levels (tenant_id, store_id, product_id, on_hand, reorder_point, lead_time_days)
    values (${TENANT}, 'north', 'milk', 5, 20, 2),      -- half a day of cover: an alert
           (${TENANT}, 'south', 'milk', 300, 20, 2),    -- 30 days
           (${TENANT}, 'north', 'bread', 400, 20, 1),   -- from sales velocity
           (${OTHER_TENANT}, 'x', 'secret', 1, 5, 1)`;
}

Deno.test("GET /alerts/stock lists the caller's store × product items, lowest cover first, with their open alert", async () => {
  await withRoutesWorld(async ({ db, json }) => {
    await seedStock(db);
    const { status, body } = await json("viewer", "/alerts/stock");
    assert.equal(status, 200, JSON.stringify(body));
    const keys = body.data.map((item: { store_id: string; product_id: string }) =>
      `${item.store_id}/${item.product_id}`
    );
    assert.deepEqual(keys.sort(), ["north/bread", "north/milk", "south/milk"]);
    const [first] = body.data;
    assert.equal(`${first.store_id}/${first.product_id}`, "north/milk");
    assert.equal(first.product_name, "Whole milk");
    assert.equal(first.on_hand, 5);
    assert.equal(first.days_of_cover, 0.5);
    assert.equal(first.demand_source, "forecast");
    assert.ok(first.alert, "the item under half a day of cover has an open alert");
    assert.equal(first.alert.status, "active");
    const [alert] = await db
      .sql`select id from public.alerts where store_id = 'north' and product_id = 'milk'`;
    assert.equal(first.alert.id, alert.id);
    const south = body.data.find((item: { store_id: string }) => item.store_id === "south");
    assert.equal(south.alert, null);
  });
});

Deno.test("GET /alerts/stock reports the sales trend of the last 7 days against the 7 before", async () => {
  await withRoutesWorld(async ({ db, json }) => {
    await seedStock(db);
    const { body } = await json("staff", "/alerts/stock?q=rye");
    assert.equal(body.data.length, 1);
    const [bread] = body.data;
    assert.equal(bread.sales_last_7_days, 140);
    assert.equal(bread.sales_previous_7_days, 70);
    assert.equal(bread.trend, "rising");
    assert.equal(bread.trend_percent, 100);
    assert.equal(bread.demand_source, "sales");
    const milk = (await json("staff", "/alerts/stock?store_id=south")).body.data[0];
    assert.equal(milk.trend, null, "no sales: no trend");
  });
});

Deno.test("GET /alerts/stock filters by store, text and at_risk, and keeps tenants apart", async () => {
  await withRoutesWorld(async ({ db, json }) => {
    await seedStock(db);
    const north = await json("manager", "/alerts/stock?store_id=north");
    assert.deepEqual(north.body.data.map((i: { product_id: string }) => i.product_id).sort(), [
      "bread",
      "milk",
    ]);
    const risky = await json("manager", "/alerts/stock?at_risk=true");
    assert.deepEqual(risky.body.data.map((i: { store_id: string }) => i.store_id), ["north"]);
    assert.deepEqual((await json("manager", "/alerts/stock?q=secret")).body.data, []);
    const other = await json("otherManager", "/alerts/stock");
    assert.deepEqual(other.body.data.map((i: { product_id: string }) => i.product_id), ["secret"]);
    assert.equal((await json("manager", "/alerts/stock?limit=0")).status, 400);
    assert.equal((await json("manager", "/alerts/stock?sort=x")).status, 400);
    assert.equal((await json(null, "/alerts/stock")).status, 401);
    assert.equal(
      (await json("service", "/alerts/stock")).status,
      400,
      "a service names the tenant",
    );
    const service = await json("service", `/alerts/stock?tenant_id=${TENANT}&limit=1`);
    assert.equal(service.status, 200);
    assert.equal(service.body.data.length, 1);
  });
});

Deno.test("GET /alerts/analytics/daily counts alerts created per day and severity", async () => {
  await withRoutesWorld(async ({ json, raise }) => {
    await raise({ severity: "critical" });
    await raise({ severity: "critical" });
    await raise({ severity: "low" });
    const { status, body } = await json("viewer", "/alerts/analytics/daily");
    assert.equal(status, 200, JSON.stringify(body));
    const bySeverity = Object.fromEntries(
      body.data.map((row: { severity: string; created: number }) => [row.severity, row.created]),
    );
    assert.deepEqual(bySeverity, { low: 1, critical: 2 });
    assert.ok(body.data.every((row: { day: string }) => row.day === body.to));
    assert.deepEqual((await json("otherManager", "/alerts/analytics/daily")).body.data, []);
    assert.equal((await json("viewer", "/alerts/analytics/daily?from=2026-13-01")).status, 400);
  });
});
