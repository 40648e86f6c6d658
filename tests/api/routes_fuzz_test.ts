import assert from "node:assert/strict";
import { type Caller, USERS, withRoutesWorld } from "./_routes_fixture.ts";
import { type Random, randomDateTime, randomJson, randomString, seededRandom } from "./_random.ts";

const SEED = 41;
const ROUNDS = 200;
const CALLERS: Caller[] = [...Object.keys(USERS) as Caller[], "service", null];

/** A valid body for each endpoint, which rounds mutate field by field. */
const VALID: Record<string, () => Record<string, unknown>> = {
  "PATCH /alerts/members/me/preferences": () => ({
    display_name: "Ada",
    phone: "+14155550123",
    language: "en",
    timezone: "Europe/Paris",
    sms_consent: true,
    channels: { critical: ["sms", "email"] },
    quiet_hours: { start: "22:00", end: "06:00" },
    digest: "daily",
    rate_limits: { sms: { per_hour: 5 } },
  }),
  "POST /alerts/members": () => ({
    user_id: crypto.randomUUID(),
    role: "staff",
    display_name: "New",
    email: "new@example.com",
    store_ids: ["store-1"],
  }),
  "PATCH /alerts/members/{user_id}": () => ({ role: "viewer", active: true }),
  "POST /alerts/push/subscriptions": () => ({
    endpoint: `https://push.example.com/${crypto.randomUUID()}`,
    keys: {
      p256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUK",
      auth: "tBHItJI5svbpez7KI4CCXg",
    },
  }),
  "POST /alerts/ingest-keys": () => ({ name: "POS" }),
};

function mutate(random: Random, valid: Record<string, unknown>): unknown {
  if (random.chance(0.1)) return randomJson(random);
  const body = random.chance(0.7) ? { ...valid } : {};
  const keys = [...Object.keys(valid), "tenant_id", "extra", "constructor"];
  for (let n = random.int(4); n > 0; n--) {
    body[random.pick(keys)] = random.chance(0.5)
      ? randomJson(random, 1)
      : random.pick([randomString(random), null, [], {}, ["sms"], { start: "25:00" }]);
  }
  return body;
}

function randomQuery(random: Random, keys: string[]): string {
  const values = () =>
    random.pick([
      () => randomString(random),
      () => randomDateTime(random),
      () => random.pick(["true", "false", "0", "200", "201", "-1", "2026-11-01", "2026-02-30"]),
      () => crypto.randomUUID(),
    ])();
  const params = new URLSearchParams();
  for (let n = random.int(4); n > 0; n--) {
    params.append(random.pick([...keys, "tenant_id", "extra"]), String(values()).toWellFormed());
  }
  return params.size ? `?${params}` : "";
}

Deno.test(`random bodies and queries never make the member, push, key, rule, suppression and analytics routes answer 5xx (seed ${SEED})`, async () => {
  await withRoutesWorld(async ({ call, json, logs }) => {
    const random = seededRandom(SEED);
    const suppression = await json("manager", "/alerts/suppressions", {
      body: { ends_at: new Date(Date.now() + 3600e3).toISOString(), reason: "Stocktake" },
    });
    assert.equal(suppression.status, 201);
    const userIds = [...Object.values(USERS), crypto.randomUUID()];
    const outcomes = new Map<string, Set<number>>();
    const record = (endpoint: string, status: number, what: string, text: string) => {
      assert.ok(status < 500, `${what} → ${status} ${text}`);
      if (status >= 400) assert.equal(typeof JSON.parse(text).error.code, "string", what);
      if (!outcomes.has(endpoint)) outcomes.set(endpoint, new Set());
      outcomes.get(endpoint)!.add(status);
    };

    for (const [endpoint, valid] of Object.entries(VALID)) {
      const [method, template] = endpoint.split(" ");
      for (let round = 0; round < ROUNDS; round++) {
        const who = random.pick(CALLERS);
        const path = template.replace("{user_id}", random.pick(userIds));
        const body = mutate(random, valid());
        const res = await call(who, path, { method, body });
        const what = `seed ${SEED} round ${round} as ${who}: ${method} ${path} ${
          JSON.stringify(body)?.slice(0, 300)
        }`;
        record(endpoint, res.status, what, await res.text());
      }
    }

    const gets: Record<string, string[]> = {
      "/alerts/rules": ["limit", "cursor", "active"],
      "/alerts/suppressions": ["active"],
      "/alerts/analytics/dashboard": [],
      "/alerts/analytics/by-type": ["from", "to"],
      "/alerts/analytics/by-severity": ["from", "to"],
      "/alerts/analytics/response-times": ["from", "to"],
      "/alerts/analytics/resolution-times": ["from", "to"],
      "/alerts/analytics/deliveries": ["from", "to"],
    };
    for (const [path, keys] of Object.entries(gets)) {
      for (let round = 0; round < ROUNDS; round++) {
        const who = random.pick(CALLERS);
        const url = `${path}${randomQuery(random, keys)}`;
        const res = await call(who, url);
        record(
          `GET ${path}`,
          res.status,
          `seed ${SEED} round ${round} as ${who}: GET ${url}`,
          await res.text(),
        );
      }
    }
    for (let round = 0; round < 50; round++) {
      const id = random.pick([suppression.body.id, crypto.randomUUID(), "nope", "%00"]);
      const res = await call(random.pick(CALLERS), `/alerts/suppressions/${id}/end`, {
        method: "POST",
      });
      record("POST /alerts/suppressions/{id}/end", res.status, `end ${id}`, await res.text());
    }

    // The generator must get past the validators into SQL on every endpoint.
    for (const [endpoint, statuses] of outcomes) {
      assert.ok(
        [...statuses].some((status) => status < 300),
        `${endpoint} never succeeded: ${JSON.stringify([...statuses])}`,
      );
      const takesInput = !endpoint.endsWith("/end") &&
        endpoint !== "GET /alerts/analytics/dashboard";
      if (takesInput) assert.ok(statuses.has(400), `${endpoint} never refused input`);
    }
    assert.ok(!logs.some((line) => line.includes("request_failed")));
  });
});
