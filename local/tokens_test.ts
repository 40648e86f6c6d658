import assert from "node:assert/strict";
import { decodeJwt, jwtVerify } from "jose";
import { anonKey, loadOrCreateJwtSecret, serviceRoleKey, userToken } from "./tokens.ts";

Deno.test("loadOrCreateJwtSecret() creates an owner-only secret once and then reuses it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await loadOrCreateJwtSecret(`${dir}/data`);
    const again = await loadOrCreateJwtSecret(`${dir}/data`);
    assert.deepEqual(again, first);
    assert.ok(first.length >= 32);
    assert.deepEqual((await Deno.stat(`${dir}/data/jwt_secret`)).mode! & 0o777, 0o600);
    assert.notDeepEqual(
      await loadOrCreateJwtSecret(`${dir}/other`),
      first,
      "each install gets its own",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("userToken() is shaped like a Supabase Auth access token", async () => {
  const secret = "s".repeat(40);
  const tenantId = "11111111-1111-4111-8111-111111111111";
  const userId = "22222222-2222-4222-8222-222222222222";
  const token = await userToken(secret, { tenantId, userId, email: "a@b.c", expiresInSeconds: 60 });
  const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(secret));
  assert.deepEqual(protectedHeader.alg, "HS256");
  assert.deepEqual([payload.sub, payload.role, payload.aud, payload.email], [
    userId,
    "authenticated",
    "authenticated",
    "a@b.c",
  ]);
  assert.deepEqual((payload.app_metadata as { tenant_id: string }).tenant_id, tenantId);
  assert.deepEqual(payload.exp! - payload.iat!, 60);
  assert.deepEqual(payload.user_metadata, {}, "the tenant must never come from user_metadata");
});

Deno.test("anonKey() and serviceRoleKey() carry their role and last for years", async () => {
  const secret = "s".repeat(40);
  const year = 365 * 24 * 3600;
  for (
    const [key, role] of [[await anonKey(secret), "anon"], [
      await serviceRoleKey(secret),
      "service_role",
    ]]
  ) {
    const claims = decodeJwt(key);
    assert.deepEqual(claims.role, role);
    assert.ok(claims.exp! - Date.now() / 1000 > 5 * year);
  }
});
