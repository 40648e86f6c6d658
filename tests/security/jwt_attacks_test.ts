/**
 * @module
 * JWT attacks, table-driven, against the three places that read tokens through the real stack:
 * the alerts API, the notify API and the Realtime gateway (socket upgrade, channel join and REST
 * broadcast). Every forged token is refused; none appears in a log line.
 */

import assert from "node:assert/strict";
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from "jose";
import { connectDatabase } from "../../functions/_shared/db.ts";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createNotifyApp } from "../../functions/notify/app.ts";
import { defaultNotifyConfig } from "../../functions/notify/notify_config.ts";
import { userClaims } from "../../local/tokens.ts";
import {
  eventually,
  openRawSocket,
  type Received,
  subscribed,
} from "../realtime/_realtime_fixture.ts";
import { OWNER_A, startSecurityWorld, TENANT_A, TENANT_B } from "./_security_world.ts";

const encoder = new TextEncoder();

function base64url(text: string): string {
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** `token` with its payload replaced by `change(payload)` and the original signature kept. */
function tamper(token: string, change: (payload: JWTPayload) => JWTPayload): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
  return [header, base64url(JSON.stringify(change(claims))), signature].join(".");
}

function claimsOfA(extra: JWTPayload = {}): JWTPayload {
  return { ...userClaims({ tenantId: TENANT_A, userId: OWNER_A }), ...extra };
}

async function hs256(secret: string, payload: JWTPayload, { exp = 600 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt(
    now,
  );
  if (exp !== 0) jwt.setExpirationTime(now + exp);
  return await jwt.sign(encoder.encode(secret));
}

/** The attacks: a name and a token the stack must refuse. */
async function attacks(secret: string, valid: string): Promise<Array<[string, string]>> {
  const rsa = await generateKeyPair("RS256", { extractable: true });
  const pem = await exportSPKI(rsa.publicKey);
  const now = Math.floor(Date.now() / 1000);
  return [
    ["alg none", new UnsecuredJWT(claimsOfA()).setExpirationTime("1h").encode()],
    [
      "alg none with the signature kept",
      `${base64url('{"alg":"none","typ":"JWT"}')}.${valid.split(".")[1]}.${valid.split(".")[2]}`,
    ],
    [
      "HS256 signed with an RS256 public key (PEM) as secret",
      await new SignJWT(claimsOfA()).setProtectedHeader({ alg: "HS256" })
        .setExpirationTime(now + 600).sign(encoder.encode(pem)),
    ],
    [
      "RS256 signed with a key the project does not know",
      await new SignJWT(claimsOfA()).setProtectedHeader({ alg: "RS256", kid: "attacker" })
        .setExpirationTime(now + 600).sign(rsa.privateKey),
    ],
    ["HS256 with another secret", await hs256(`${secret}-not`, claimsOfA())],
    ["expired", await hs256(secret, claimsOfA(), { exp: -120 })],
    ["no exp", await hs256(secret, claimsOfA(), { exp: 0 })],
    ["no role", await hs256(secret, claimsOfA({ role: undefined }))],
    ["role postgres", await hs256(secret, claimsOfA({ role: "postgres" }))],
    [
      "tampered app_metadata.tenant_id",
      tamper(valid, (p) => ({ ...p, app_metadata: { tenant_id: TENANT_B } })),
    ],
    ["tampered role service_role", tamper(valid, (p) => ({ ...p, role: "service_role" }))],
    ["tampered exp", tamper(valid, (p) => ({ ...p, exp: now + 10 * 365 * 86400 }))],
    ["not a JWT", "not-a-jwt"],
  ];
}

Deno.test("forged, expired and claim-less tokens are refused by the alerts API, notify API and Realtime gateway", async () => {
  await using world = await startSecurityWorld();
  const secret = world.stack.jwtSecret;
  const valid = await world.stack.tokenFor({ tenantId: TENANT_A, userId: OWNER_A });
  // the valid token works everywhere, so each refusal below is the token's doing
  assert.equal((await world.call(valid, "/alerts/members/me")).status, 200);
  assert.equal((await world.call(valid, "/notify/inbox")).status, 200);
  const member = await world.client("A");
  const heard: Received[] = [];
  const channel = member.channel(`tenant:${TENANT_A}:alerts`, { config: { private: true } })
    .on("broadcast", { event: "*" }, (m) => heard.push(m));
  assert.equal((await subscribed(channel)).status, "SUBSCRIBED");
  const before = await world.snapshot();
  const table = await attacks(secret, valid);
  const wsUrl = world.stack.url;
  for (const [name, token] of table) {
    for (const path of ["/alerts/members/me", "/alerts", "/notify/inbox"]) {
      const res = await world.call(token, path);
      const body = await res.json();
      assert.equal(res.status, 401, `${name}: GET ${path} answered ${res.status}`);
      assert.match(body.error.code, /^(invalid_token|token_expired)$/, `${name}: ${path}`);
    }
    const posts: Array<[string, unknown]> = [["/notify/dispatch", {}], ["/alerts/bulk/resolve", {
      ids: [],
    }]];
    for (const [path, body] of posts) {
      const res = await world.call(token, path, { body });
      await res.body?.cancel();
      assert.equal(res.status, 401, `${name}: POST ${path} answered ${res.status}`);
    }
    // Realtime: a socket opened with the token as apikey. Only a correctly signed token may
    // open one (hosted does the same for any role); its joins are then refused below.
    const opened = await openRawSocket(wsUrl, { vsn: "2.0.0", apikey: token }).then(
      (socket) => (socket.close(), true),
      () => false,
    );
    assert.equal(opened, name === "role postgres", `${name}: the socket opened: ${opened}`);
    // Realtime: a join of A's own private topic carrying the token
    const socket = await openRawSocket(wsUrl, { vsn: "2.0.0", apikey: await world.anon() });
    try {
      socket.send(["1", "1", `realtime:tenant:${TENANT_A}:alerts`, "phx_join", {
        config: { private: true, broadcast: {}, presence: { key: "" } },
        access_token: token,
      }]);
      const reply = await socket.next(
        (f) => Array.isArray(f) && (f[3] === "phx_reply" || f[3] === "phx_close"),
        `${name}: a join reply`,
      ) as [string, string, string, string, { status: string }];
      assert.notEqual(reply[4]?.status, "ok", `${name}: the join was accepted`);
    } finally {
      socket.close();
    }
    // Realtime: REST broadcast
    const rest = await fetch(`${wsUrl}/realtime/v1/api/broadcast`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        messages: [{
          topic: `tenant:${TENANT_A}:alerts`,
          event: "INSERT",
          payload: { forged: name },
          private: true,
        }],
      }),
    });
    await rest.body?.cancel();
    // a signed role-postgres token is accepted as hosted accepts it, and RLS drops the message
    const expected = name === "role postgres" ? 202 : 401;
    assert.equal(rest.status, expected, `${name}: REST broadcast answered ${rest.status}`);
  }
  assert.equal(await world.snapshot(), before, "no forged token changed a row");
  await world.stack.db.sql`
    insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key)
    values (${TENANT_A}, 'stockout_risk', 'high', 'barrier', 'barrier')`;
  await eventually(() => heard.some((m) => m.payload?.record?.title === "barrier"), "barrier");
  assert.deepEqual(heard.filter((m) => m.payload?.forged), [], "a forged broadcast arrived");
  for (const line of world.stack.logs) {
    for (const [name, token] of table) {
      if (token.length > 20) assert.ok(!line.includes(token), `${name} token logged: ${line}`);
    }
  }
});

Deno.test("the notify API with a JWKS refuses HS/RS confusion and enforces JWT_AUDIENCE and JWT_ISSUER", async () => {
  await using world = await startSecurityWorld();
  const secret = world.stack.jwtSecret;
  const rsa = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(rsa.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const config = {
    jwks: { keys: [jwk] },
    databaseUrl: world.stack.db.url,
    jwtSecret: secret,
    poolMax: 2,
    prepare: true,
    jwtAudience: "authenticated",
    jwtIssuer: "https://ref.supabase.co/auth/v1",
  };
  const sql = connectDatabase(config);
  try {
    const app = createNotifyApp({
      config,
      sql,
      logger: createLogger("notify", () => {}),
      notify: defaultNotifyConfig(),
    });
    const cases: Array<[string, JWTPayload, number]> = [
      ["right audience and issuer", claimsOfA({ iss: config.jwtIssuer }), 200],
      ["wrong audience", claimsOfA({ iss: config.jwtIssuer, aud: "anon" }), 401],
      ["no audience", claimsOfA({ iss: config.jwtIssuer, aud: undefined }), 401],
      ["wrong issuer", claimsOfA({ iss: "https://evil.example/auth/v1" }), 401],
      ["no issuer", claimsOfA(), 401],
    ];
    const now = Math.floor(Date.now() / 1000);
    const good = claimsOfA({ iss: config.jwtIssuer });
    const tokens: Array<[string, string, number]> = [
      ...await Promise.all(
        cases.map(async ([name, payload, status]) =>
          [name, await hs256(secret, payload), status] as [string, string, number]
        ),
      ),
      [
        "RS256 from the JWKS",
        await new SignJWT(good).setProtectedHeader({ alg: "RS256", kid: "k1" })
          .setExpirationTime(now + 600).sign(rsa.privateKey),
        200,
      ],
      [
        "HS256 signed with the JWKS public key (PEM) as secret",
        await new SignJWT(good).setProtectedHeader({ alg: "HS256", kid: "k1" })
          .setExpirationTime(now + 600).sign(encoder.encode(await exportSPKI(rsa.publicKey))),
        401,
      ],
      [
        "HS256 signed with the JWKS public key (JWK text) as secret",
        await new SignJWT(good).setProtectedHeader({ alg: "HS256", kid: "k1" })
          .setExpirationTime(now + 600).sign(encoder.encode(JSON.stringify(jwk))),
        401,
      ],
    ];
    for (const [name, token, status] of tokens) {
      const res = await app.request("/notify/inbox", {
        headers: { authorization: `Bearer ${token}` },
      });
      await res.body?.cancel();
      assert.equal(res.status, status, name);
    }
  } finally {
    await sql.end();
  }
});
