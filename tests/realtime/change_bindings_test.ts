/**
 * @module
 * `postgres_changes` bindings: what parses, what is refused with hosted's text, and how filters
 * compare by column type (numbers, times, booleans, uuids, text), NULL matching nothing.
 */

import assert from "node:assert/strict";
import {
  bindingMatches,
  BindingRefused,
  type ChangeFacts,
  parseBinding,
} from "../../local/realtime/change_bindings.ts";

const TYPES = {
  id: "int8",
  qty: "int4",
  price: "numeric",
  counted_at: "timestamptz",
  active: "bool",
  store_id: "uuid",
  product: "text",
};

function insert(record: Record<string, string | null>): ChangeFacts {
  return { schema: "public", table: "counts", type: "INSERT", record, types: TYPES };
}

function wants(filter: string, record: Record<string, string | null>): boolean {
  return bindingMatches(
    parseBinding({ event: "*", schema: "public", table: "counts", filter }, 1),
    insert(record),
  );
}

Deno.test("a binding without table or filter wants every table of its schema", () => {
  const binding = parseBinding({ event: "insert", schema: "public" }, 7);
  assert.deepEqual(binding, { id: 7, event: "INSERT", schema: "public", table: "*", filters: [] });
  assert.ok(bindingMatches(binding, insert({})));
  assert.ok(!bindingMatches(binding, { ...insert({}), type: "DELETE" }));
  assert.ok(!bindingMatches(binding, { ...insert({}), schema: "private" }));
  assert.ok(bindingMatches(parseBinding({ event: "*", schema: "*" }, 1), insert({})));
});

Deno.test("bad events, missing schemas and unreadable filters are refused with hosted's text", () => {
  assert.throws(
    () => parseBinding({ event: "TRUNCATE", schema: "public", table: "counts" }, 1),
    (error: unknown) =>
      error instanceof BindingRefused &&
      error.message ===
        "Unable to subscribe to changes with given parameters. Please check Realtime is enabled " +
          "for the given connect parameters: [event: TRUNCATE, schema: public, table: counts, " +
          "filters: [], select: nil]",
  );
  assert.throws(() => parseBinding({ event: "*" }, 1), BindingRefused);
  for (const filter of ["qty", "qty=like.3", "qty=in.1,2", "=eq.3"]) {
    assert.throws(
      () => parseBinding({ event: "*", schema: "public", table: "counts", filter }, 1),
      /Exception: .*invalid filter/,
      filter,
    );
  }
});

Deno.test("numbers compare as numbers, not as text", () => {
  assert.ok(wants("qty=lt.10", { qty: "9" }));
  assert.ok(!wants("qty=gt.10", { qty: "9" }));
  assert.ok(wants("price=gte.2.5", { price: "2.50" }));
  assert.ok(wants("price=eq.2.5", { price: "2.50" }));
  assert.ok(wants("id=neq.5", { id: "6" }));
  assert.ok(wants("id=in.(4, 5,6)", { id: "5" }));
  assert.ok(!wants("id=in.(4,6)", { id: "5" }));
});

Deno.test("times, booleans, uuids and text compare as their types do", () => {
  assert.ok(wants("counted_at=gt.2026-11-22T08:00:00Z", { counted_at: "2026-11-22 09:00:00+00" }));
  assert.ok(
    !wants("counted_at=gt.2026-11-22T08:00:00Z", { counted_at: "2026-11-22 09:00:00+02" }),
  );
  assert.ok(wants("active=eq.true", { active: "t" }));
  assert.ok(!wants("active=eq.true", { active: "f" }));
  assert.ok(wants(
    "store_id=eq.E0000000-0000-4000-8000-000000000001",
    { store_id: "e0000000-0000-4000-8000-000000000001" },
  ));
  assert.ok(wants('product=in.(rye loaf,"spelt")', { product: "spelt" }));
  assert.ok(wants("product=lt.b", { product: "apple" }));
});

Deno.test("conditions joined by commas must all hold; NULL matches nothing", () => {
  assert.ok(wants("qty=gte.2,product=eq.rye", { qty: "3", product: "rye" }));
  assert.ok(!wants("qty=gte.2,product=eq.rye", { qty: "1", product: "rye" }));
  assert.ok(!wants("qty=neq.3", { qty: null }));
  assert.ok(!wants("qty=eq.3", {}));
});
