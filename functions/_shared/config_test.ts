import assert from "node:assert/strict";
import { errorLike } from "../../tests/_support/assert.ts";
import { loadFunctionConfig } from "./config.ts";

const secret = "x".repeat(32);

Deno.test("loadFunctionConfig() names the missing or invalid variable", () => {
  assert.throws(() => loadFunctionConfig({}), errorLike(TypeError, "SUPABASE_DB_URL"));
  assert.throws(
    () => loadFunctionConfig({ SUPABASE_DB_URL: "postgresql://x/y", JWT_SECRET: "short" }),
    errorLike(TypeError, "JWT_SECRET must be at least 32 characters"),
  );
  assert.throws(
    () => loadFunctionConfig({ SUPABASE_DB_URL: "postgresql://x/y", DB_POOL_MAX: "0" }),
    errorLike(TypeError, "DB_POOL_MAX"),
  );
});

Deno.test("loadFunctionConfig() turns prepared statements off behind the transaction pooler", () => {
  const direct = loadFunctionConfig({
    SUPABASE_DB_URL: "postgresql://u:p@db:5432/postgres",
    JWT_SECRET: secret,
  });
  const pooled = loadFunctionConfig({ SUPABASE_DB_URL: "postgresql://u:p@pooler:6543/postgres" });
  const forced = loadFunctionConfig({
    SUPABASE_DB_URL: "postgresql://u:p@pooler:6543/postgres",
    DB_PREPARE: "true",
  });
  assert.deepEqual([direct.prepare, pooled.prepare, forced.prepare], [true, false, true]);
  assert.deepEqual([direct.poolMax, direct.jwtSecret], [5, secret]);
});

Deno.test("loadFunctionConfig() reads CORS_ORIGINS as a comma list, * by default", () => {
  const url = "postgresql://u:p@db:5432/postgres";
  assert.deepEqual(loadFunctionConfig({ SUPABASE_DB_URL: url }).corsOrigins, ["*"]);
  assert.deepEqual(
    loadFunctionConfig({
      SUPABASE_DB_URL: url,
      CORS_ORIGINS: "https://app.example.com, http://localhost:3000",
    }).corsOrigins,
    ["https://app.example.com", "http://localhost:3000"],
  );
  assert.deepEqual(
    loadFunctionConfig({ SUPABASE_DB_URL: url, CORS_ORIGINS: "https://a.example, *" }).corsOrigins,
    ["*"],
  );
  assert.throws(
    () => loadFunctionConfig({ SUPABASE_DB_URL: url, CORS_ORIGINS: "app.example.com/path" }),
    errorLike(TypeError, "CORS_ORIGINS must be * or a comma list of origins"),
  );
});

Deno.test("loadFunctionConfig() reads the JWKS, audience, issuer and rate limit", () => {
  const db = { SUPABASE_DB_URL: "postgresql://x/y" };
  const defaults = loadFunctionConfig(db);
  assert.equal(defaults.jwks, undefined);
  assert.equal(defaults.rateLimitPerMinute, 600);
  const jwks = { keys: [{ kty: "EC", crv: "P-256", x: "a", y: "b" }] };
  const local = loadFunctionConfig({
    ...db,
    SUPABASE_JWKS: JSON.stringify(jwks),
    JWT_AUDIENCE: "authenticated",
    JWT_ISSUER: "https://ref.supabase.co/auth/v1",
    RATE_LIMIT_PER_MINUTE: "0",
  });
  assert.deepEqual(local.jwks, jwks);
  assert.equal(local.jwtAudience, "authenticated");
  assert.equal(local.jwtIssuer, "https://ref.supabase.co/auth/v1");
  assert.equal(local.rateLimitPerMinute, 0);
  const url = "https://ref.supabase.co/auth/v1/.well-known/jwks.json";
  assert.deepEqual(loadFunctionConfig({ ...db, JWKS_URL: url }).jwks, new URL(url));
  assert.throws(
    () => loadFunctionConfig({ ...db, SUPABASE_JWKS: "{not json" }),
    errorLike(TypeError, "SUPABASE_JWKS must be a JWKS JSON document"),
  );
  assert.throws(
    () => loadFunctionConfig({ ...db, SUPABASE_JWKS: JSON.stringify(jwks), JWKS_URL: url }),
    errorLike(TypeError, "not both"),
  );
  assert.throws(
    () => loadFunctionConfig({ ...db, RATE_LIMIT_PER_MINUTE: "-1" }),
    errorLike(TypeError, "RATE_LIMIT_PER_MINUTE"),
  );
});
