import assert from "node:assert/strict";
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JSONWebKeySet,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from "jose";
import { createTestDatabase, type TestDatabase } from "../_support/database.ts";
import { userToken } from "../../local/tokens.ts";
import type { FunctionConfig } from "../../functions/_shared/config.ts";
import { connectDatabase } from "../../functions/_shared/db.ts";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createAlertsApp } from "../../functions/alerts/app.ts";
import { OTHER_TENANT, SECRET, TENANT, USERS, withRoutesWorld } from "./_routes_fixture.ts";

const ISSUER = "https://project-ref.supabase.co/auth/v1";
const USER = USERS.owner;

/** Signing keys of the test JWKS, one per asymmetric algorithm, plus one not in it. */
async function makeKeys() {
  const pairs = {
    RS256: await generateKeyPair("RS256", { extractable: true }),
    ES256: await generateKeyPair("ES256", { extractable: true }),
    EdDSA: await generateKeyPair("EdDSA", { extractable: true }),
  };
  const jwks: JSONWebKeySet = { keys: [] };
  for (const [alg, pair] of Object.entries(pairs)) {
    jwks.keys.push({ ...(await exportJWK(pair.publicKey)), kid: `kid-${alg}`, alg, use: "sig" });
  }
  const stranger = await generateKeyPair("ES256");
  return { pairs, jwks, stranger };
}

const keys = await makeKeys();

function claims(extra: JWTPayload = {}): JWTPayload {
  return {
    sub: USER,
    role: "authenticated",
    aud: "authenticated",
    iss: ISSUER,
    app_metadata: { tenant_id: TENANT },
    ...extra,
  };
}

function signWith(
  alg: "RS256" | "ES256" | "EdDSA",
  payload: JWTPayload = claims(),
  { expiresIn = 600, key = keys.pairs[alg].privateKey, kid = `kid-${alg}` } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(payload).setProtectedHeader({ alg, kid, typ: "JWT" }).setIssuedAt(now)
    .setExpirationTime(now + expiresIn).sign(key);
}

async function withApp(
  config: Partial<FunctionConfig>,
  work: (
    request: (token: string | null, path?: string) => Promise<Response>,
    extra: { logs: string[]; clock: { now: number }; db: TestDatabase },
  ) => Promise<void>,
) {
  await using db = await createTestDatabase();
  const full = { databaseUrl: db.url, jwtSecret: SECRET, poolMax: 2, prepare: true, ...config };
  const sql = connectDatabase(full);
  const logs: string[] = [];
  const clock = { now: 1_800_000_000_000 };
  const app = createAlertsApp({
    config: full,
    sql,
    logger: createLogger("alerts", (line) => logs.push(line)),
    now: () => clock.now,
  });
  const request = async (token: string | null, path = "/alerts/members/me") =>
    await app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  try {
    await work(request, { logs, clock, db });
  } finally {
    await sql.end();
  }
}

async function expect401(res: Response, code: string, name: string) {
  assert.equal(res.status, 401, name);
  assert.equal((await res.json()).error.code, code, name);
}

Deno.test("auth() accepts RS256, ES256 and EdDSA tokens from the JWKS, and HS256 with the secret", async () => {
  await withApp({ jwks: keys.jwks }, async (request) => {
    for (const alg of ["RS256", "ES256", "EdDSA"] as const) {
      const res = await request(await signWith(alg));
      assert.equal(res.status, 200, alg);
      assert.deepEqual(await res.json(), {
        user_id: USER,
        tenant_id: TENANT,
        database_role: "authenticated",
      });
    }
    const hs = await request(await userToken(SECRET, { tenantId: TENANT, userId: USER }));
    assert.equal(hs.status, 200, "HS256 with the secret still works");
  });
});

Deno.test("auth() refuses algorithm confusion, alg none, unknown keys, expired and role-less tokens", async () => {
  await withApp({ jwks: keys.jwks }, async (request, { logs }) => {
    const now = Math.floor(Date.now() / 1000);
    const pem = await exportSPKI(keys.pairs.RS256.publicKey);
    const jwkText = JSON.stringify(keys.jwks.keys[0]);
    const tokens: Array<[string, string, string]> = [];
    for (const [name, secret] of [["PEM", pem], ["JWK", jwkText]]) {
      tokens.push([
        `HS256 signed with the public key (${name}) as secret`,
        await new SignJWT(claims()).setProtectedHeader({ alg: "HS256", kid: "kid-RS256" })
          .setExpirationTime(now + 600).sign(new TextEncoder().encode(secret)),
        "invalid_token",
      ]);
    }
    tokens.push(
      ["alg none", new UnsecuredJWT(claims()).setExpirationTime("1h").encode(), "invalid_token"],
      [
        "key not in the JWKS",
        await signWith("ES256", claims(), { key: keys.stranger.privateKey }),
        "invalid_token",
      ],
      ["expired", await signWith("ES256", claims(), { expiresIn: -120 }), "token_expired"],
      ["no role", await signWith("RS256", claims({ role: undefined })), "invalid_token"],
      ["role postgres", await signWith("RS256", claims({ role: "postgres" })), "invalid_token"],
    );
    for (const [name, token, code] of tokens) await expect401(await request(token), code, name);
    for (const line of logs) {
      for (const [, token] of tokens) assert.ok(!line.includes(token), `token in log: ${line}`);
    }
  });
});

Deno.test("auth() refuses asymmetric tokens when no JWKS is configured", async () => {
  await withApp({}, async (request) => {
    await expect401(await request(await signWith("ES256")), "invalid_token", "no JWKS");
  });
});

Deno.test("auth() enforces JWT_AUDIENCE and JWT_ISSUER when they are set", async () => {
  await withApp(
    { jwks: keys.jwks, jwtAudience: "authenticated", jwtIssuer: ISSUER },
    async (request) => {
      assert.equal((await request(await signWith("ES256"))).status, 200);
      await expect401(
        await request(await signWith("ES256", claims({ aud: "someone-else" }))),
        "invalid_token",
        "wrong audience",
      );
      await expect401(
        await request(await signWith("ES256", claims({ aud: undefined }))),
        "invalid_token",
        "no audience",
      );
      await expect401(
        await request(await signWith("RS256", claims({ iss: "https://evil.example/auth/v1" }))),
        "invalid_token",
        "wrong issuer",
      );
    },
  );
  await withApp({ jwks: keys.jwks }, async (request) => {
    const res = await request(await signWith("ES256", claims({ aud: "x", iss: "y" })));
    assert.equal(res.status, 200, "unset audience and issuer are not checked");
  });
});

Deno.test("the API answers 429 with Retry-After after the per-minute limit, and resets after the window", async () => {
  await withApp({ rateLimitPerMinute: 3 }, async (request, { clock }) => {
    const token = await userToken(SECRET, { tenantId: TENANT, userId: USER });
    const other = await userToken(SECRET, { tenantId: TENANT, userId: USERS.manager });
    for (let i = 0; i < 3; i++) {
      const res = await request(token);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("ratelimit-limit"), "3");
      assert.equal(res.headers.get("ratelimit-remaining"), String(2 - i));
    }
    clock.now += 15_000;
    const limited = await request(token);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "45");
    assert.equal(limited.headers.get("ratelimit-remaining"), "0");
    assert.equal((await limited.json()).error.code, "rate_limited");
    assert.equal((await request(other)).status, 200, "each subject has its own budget");
    assert.equal((await request(null, "/alerts/health")).status, 200, "public paths are free");
    clock.now += 45_000;
    assert.equal((await request(token)).status, 200, "the next window starts afresh");
  });
  await withApp({ rateLimitPerMinute: 0 }, async (request) => {
    const token = await userToken(SECRET, { tenantId: TENANT, userId: USER });
    for (let i = 0; i < 5; i++) assert.equal((await request(token)).status, 200, "0 = off");
  });
});

const EVENT = { source: "pos", event_type: "inventory.low_stock", payload: { on_hand: 1 } };

Deno.test("ingest keys: owners create (plaintext once), list without secrets and revoke; others may not", async () => {
  await withRoutesWorld(async ({ json, db }) => {
    const created = await json("owner", "/alerts/ingest-keys", { body: { name: "POS" } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.key, /^swk_[A-Za-z0-9_-]{43}$/);
    const listed = await json("owner", "/alerts/ingest-keys");
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.data.map((k: { name: string }) => k.name), ["POS"]);
    assert.ok(!JSON.stringify(listed.body).includes(created.body.key), "list shows no key");
    assert.equal(Object.hasOwn(listed.body.data[0], "key_hash"), false);
    const [{ hex }] = await db.sql`select encode(key_hash, 'hex') as hex
                                   from public.tenant_ingest_keys`;
    assert.ok(!hex.includes(created.body.key), "only a hash is stored");

    for (const who of ["manager", "staff", "viewer"] as const) {
      const res = await json(who, "/alerts/ingest-keys", { body: { name: "mine" } });
      assert.equal(res.status, 403, `${who} creates no key`);
      assert.deepEqual((await json(who, "/alerts/ingest-keys")).body.data, [], `${who} lists none`);
    }
    const foreign = await json("otherManager", "/alerts/ingest-keys/" + created.body.id, {
      method: "DELETE",
    });
    assert.equal(foreign.status, 404, "another tenant cannot revoke it");
    const revoked = await json("owner", "/alerts/ingest-keys/" + created.body.id, {
      method: "DELETE",
    });
    assert.equal(revoked.status, 204);
    const again = await json("owner", "/alerts/ingest-keys/" + created.body.id, {
      method: "DELETE",
    });
    assert.equal(again.status, 404, "a revoked key is not revoked twice");
  });
});

Deno.test("ingest keys: POST /alerts/events with X-Ingest-Key lands in the key's tenant only; revoked and unknown keys get 401", async () => {
  await withRoutesWorld(async ({ json, db, logs }) => {
    const { body: { key, id } } = await json("owner", "/alerts/ingest-keys", {
      body: { name: "POS" },
    });
    const post = (ingestKey: string, body: unknown = { events: [EVENT, EVENT] }) =>
      json(null, "/alerts/events", { body, headers: { "x-ingest-key": ingestKey } });
    const ok = await post(key);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.events.length, 2);
    const sneaky = await post(key, { ...EVENT, tenant_id: OTHER_TENANT });
    assert.equal(sneaky.status, 400, "a key cannot name another tenant");
    const unknown = await post("swk_" + "x".repeat(43));
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error.code, "invalid_ingest_key");
    assert.equal(
      (await json(null, "/alerts/ingest-keys", { headers: { "x-ingest-key": key } })).status,
      401,
      "the key opens POST /alerts/events only",
    );
    await json("owner", `/alerts/ingest-keys/${id}`, { method: "DELETE" });
    const revoked = await post(key);
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.error.code, "invalid_ingest_key");
    const counts = await db
      .sql`select tenant_id, count(*)::int as n from public.alert_events group by 1`;
    assert.deepEqual(counts.map((r) => [r.tenant_id, r.n]), [[TENANT, 2]]);
    for (const line of logs) assert.ok(!line.includes(key), `the key leaked into a log: ${line}`);
  });
});
