import assert from "node:assert/strict";
import { SignJWT, UnsecuredJWT } from "jose";
import { createTestDatabase, type TestDatabase } from "../../tests/_support/database.ts";
import { userToken } from "../../local/tokens.ts";
import { createLogger } from "../_shared/logging.ts";
import { connectDatabase } from "../_shared/db.ts";
import { createAlertsApp } from "./app.ts";
import { SCHEMA_VERSION } from "../_shared/schema_version.ts";

const secret = "test-secret-".padEnd(48, "x");
const tenantId = "11111111-1111-4111-8111-111111111111";
const userId = "22222222-2222-4222-8222-222222222222";

async function withApp(
  work: (
    app: ReturnType<typeof createAlertsApp>,
    db: TestDatabase,
    logs: string[],
  ) => Promise<void>,
) {
  await using db = await createTestDatabase();
  const config = { databaseUrl: db.url, jwtSecret: secret, poolMax: 2, prepare: true };
  const sql = connectDatabase(config);
  const logs: string[] = [];
  try {
    await work(
      createAlertsApp({ config, sql, logger: createLogger("alerts", (l) => logs.push(l)) }),
      db,
      logs,
    );
  } finally {
    await sql.end();
  }
}

function sign(claims: Record<string, unknown>, key = secret, expiresIn = 60) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuedAt(now)
    .setExpirationTime(now + expiresIn).sign(new TextEncoder().encode(key));
}

Deno.test("GET /alerts/health answers 200 when the database is reachable and migrated", async () => {
  await withApp(async (app) => {
    const res = await app.request("/alerts/health");
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.status, "ok");
    assert.equal(body.database.reachable, true);
    assert.deepEqual(body.migrations, {
      expected: SCHEMA_VERSION,
      applied: SCHEMA_VERSION,
      current: true,
    });
    assert.ok(res.headers.get("x-request-id"));
  });
});

Deno.test("GET /alerts/health answers 503 when the database is behind this code", async () => {
  await withApp(async (app, db) => {
    await db
      .sql`delete from supabase_migrations.schema_migrations where version = ${SCHEMA_VERSION}`;
    const res = await app.request("/alerts/health");
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.status, "degraded");
    assert.equal(body.migrations.current, false);
  });
});

Deno.test("GET /alerts/health answers 503 when the database is unreachable", async () => {
  const config = {
    databaseUrl: "postgresql://postgres:postgres@127.0.0.1:1/none",
    jwtSecret: secret,
    poolMax: 1,
    prepare: true,
  };
  const sql = connectDatabase(config);
  try {
    const res = await createAlertsApp({ config, sql, logger: createLogger("alerts", () => {}) })
      .request("/alerts/health");
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.status, "unavailable");
    assert.equal(body.database.reachable, false);
  } finally {
    await sql.end();
  }
});

Deno.test("GET /alerts/members/me runs SQL as the token's user, with RLS claims set", async () => {
  await withApp(async (app) => {
    const token = await userToken(secret, { tenantId, userId });
    const res = await app.request("/alerts/members/me", {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      user_id: userId,
      tenant_id: tenantId,
      database_role: "authenticated",
    });
  });
});

Deno.test("the alerts API refuses missing, expired, forged, unsigned and over-privileged tokens", async () => {
  await withApp(async (app, _db, logs) => {
    const good = { sub: userId, role: "authenticated", app_metadata: { tenant_id: tenantId } };
    const cases: Array<[string, string | undefined, string]> = [
      ["no header", undefined, "missing_token"],
      ["not bearer", "Basic dXNlcjpwYXNz", "missing_token"],
      ["garbage", "Bearer not-a-jwt", "invalid_token"],
      ["expired", `Bearer ${await sign(good, secret, -120)}`, "token_expired"],
      [
        "wrong secret",
        `Bearer ${await sign(good, "another-secret".padEnd(48, "y"))}`,
        "invalid_token",
      ],
      [
        "alg none",
        `Bearer ${new UnsecuredJWT(good).setExpirationTime("1h").encode()}`,
        "invalid_token",
      ],
      ["no role", `Bearer ${await sign({ sub: userId })}`, "invalid_token"],
      ["role postgres", `Bearer ${await sign({ ...good, role: "postgres" })}`, "invalid_token"],
    ];
    for (const [name, authorization, code] of cases) {
      const res = await app.request("/alerts/members/me", {
        headers: authorization ? { authorization } : {},
      });
      assert.equal(res.status, 401, name);
      const body = await res.json();
      assert.equal(body.error.code, code, name);
      assert.equal(typeof body.error.message, "string", name);
    }
    const tokenBits = cases.map(([, authorization]) => authorization?.split(" ")[1]).filter((t) =>
      t && t.length > 20
    );
    for (const line of logs) {
      for (const token of tokenBits) {
        assert.ok(!line.includes(token!), `a token leaked into the log: ${line}`);
      }
    }
  });
});

Deno.test("unknown routes answer a JSON 404 in the API's error shape (after the token check)", async () => {
  await withApp(async (app) => {
    const token = await userToken(secret, { tenantId, userId });
    const res = await app.request("/alerts/no/such/thing", {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), {
      error: {
        code: "not_found",
        message: "No route for GET /alerts/no/such/thing",
        details: null,
      },
    });
    assert.equal((await app.request("/alerts/no/such/thing")).status, 401);
  });
});
