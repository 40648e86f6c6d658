import assert from "node:assert/strict";
import { errorLike } from "../../tests/_support/assert.ts";
import { createTestDatabase } from "../../tests/_support/database.ts";
import { userClaims } from "../../local/tokens.ts";
import { withClaims } from "./db.ts";

const tenantId = "11111111-1111-4111-8111-111111111111";
const userId = "22222222-2222-4222-8222-222222222222";

Deno.test("withClaims() runs SQL as the JWT's role with its claims, as Supabase does", async () => {
  await using db = await createTestDatabase();
  const [row] = await withClaims(
    db.sql,
    userClaims({ tenantId, userId }),
    (tx) =>
      tx`select current_user as role, auth.uid() as uid, auth.role() as jwt_role,
              auth.jwt() -> 'app_metadata' ->> 'tenant_id' as tenant`,
  );
  assert.deepEqual(row, {
    role: "authenticated",
    uid: userId,
    jwt_role: "authenticated",
    tenant: tenantId,
  });
  const [after] = await db.sql`select current_user as role, auth.uid() as uid`;
  assert.deepEqual(
    after,
    { role: "postgres", uid: null },
    "settings must not leak out of the transaction",
  );
});

Deno.test("withClaims() refuses roles a token must never select", async () => {
  await using db = await createTestDatabase();
  for (const role of ["postgres", "authenticator", "pg_read_server_files", ""]) {
    await assert.rejects(
      () => withClaims(db.sql, { role }, (tx) => tx`select 1`),
      errorLike(RangeError, `Cannot run SQL as role "${role}"`),
    );
  }
});

Deno.test("withClaims() rolls everything back when the work fails", async () => {
  await using db = await createTestDatabase();
  await db.sql`create table public.notes (body text)`;
  await db.sql`grant insert on public.notes to service_role`;
  await assert.rejects(() =>
    withClaims(db.sql, { role: "service_role" }, async (tx) => {
      await tx`insert into public.notes values ('half-written')`;
      await tx`select 1 / 0`;
    })
  );
  assert.deepEqual((await db.sql`select count(*)::int as n from public.notes`)[0].n, 0);
});
