import assert from "node:assert/strict";
import { OTHER_TENANT, USERS, type Who, withApiWorld } from "./_fixture.ts";
import { type Random, randomDateTime, randomJson, randomString, seededRandom } from "./_random.ts";

const SEED = 20261122;
const ROUNDS = 300;
const WHO = Object.keys(USERS) as Who[];

function randomNote(random: Random): unknown {
  return random.chance(0.7) ? randomString(random) : randomJson(random, 1);
}

function randomIdSegment(random: Random, ids: string[]): string {
  switch (random.int(6)) {
    case 0:
      return crypto.randomUUID();
    case 1:
      return encodeURIComponent(randomString(random).toWellFormed());
    case 2:
      return random.pick([
        "bulk",
        "active",
        "summary",
        "%00",
        "..",
        "00000000-0000-0000-0000-000000000000",
      ]);
    default:
      return random.pick(ids);
  }
}

function randomBody(random: Random, endpoint: string, ids: string[]): unknown {
  if (random.chance(0.2)) return randomJson(random);
  const body: Record<string, unknown> = {};
  if (endpoint.startsWith("bulk")) {
    if (random.chance(0.9)) {
      body.ids = random.chance(0.8)
        ? Array.from(
          { length: random.pick([0, 1, 2, 5, 100, 101]) },
          () => random.chance(0.8) ? random.pick(ids) : randomJson(random, 0),
        )
        : randomJson(random, 1);
    }
  }
  if (endpoint === "snooze") {
    if (random.chance(0.6)) {
      body.minutes = random.chance(0.7)
        ? random.pick([1, 5, 60, 43200, 43201, 0, -5, 2.5])
        : randomJson(random, 0);
    }
    if (random.chance(0.5)) {
      body.until = random.chance(0.7) ? randomDateTime(random) : randomJson(random, 0);
    }
  }
  if (random.chance(0.5)) body.note = randomNote(random);
  if (random.chance(0.1)) {
    body[random.pick(["extra", "status", "tenant_id"])] = randomJson(random, 0);
  }
  return body;
}

async function send(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  path: string,
  init: RequestInit,
  what: string,
) {
  const res = await app.request(path, init);
  const text = await res.text();
  assert.ok(res.status < 500, `${what} → ${res.status} ${text}`);
  if (res.status >= 400) {
    const body = JSON.parse(text);
    assert.equal(typeof body.error.code, "string", `${what}: ${text}`);
  }
  return res.status;
}

Deno.test(`random bodies never make a mutating endpoint answer 5xx (seed ${SEED})`, async () => {
  await withApiWorld(async ({ app, raise, token, logs }) => {
    const ids = [];
    for (let i = 0; i < 12; i++) ids.push(await raise({ severity: i % 2 ? "high" : "low" }));
    ids.push(await raise({ tenantId: OTHER_TENANT }));
    const random = seededRandom(SEED);
    const endpoints = [
      "acknowledge",
      "resolve",
      "snooze",
      "unsnooze",
      "bulk/acknowledge",
      "bulk/resolve",
    ];
    const statuses = new Map<number, number>();
    for (const endpoint of endpoints) {
      for (let round = 0; round < ROUNDS; round++) {
        const who = random.pick(WHO);
        const headers: Record<string, string> = {};
        if (random.chance(0.95)) headers.authorization = `Bearer ${await token(who)}`;
        let body: string;
        if (random.chance(0.1)) {
          body = random.pick(["", "{", "null", "[", '{"note":', "\u0000", "{}}"]);
        } else {
          body = JSON.stringify(randomBody(random, endpoint, ids)) ?? "null";
        }
        const contentType = random.chance(0.9)
          ? "application/json"
          : random.pick(["text/plain", "application/x-www-form-urlencoded", ""]);
        if (contentType) headers["content-type"] = contentType;
        const path = endpoint.startsWith("bulk")
          ? `/alerts/${endpoint}`
          : `/alerts/${randomIdSegment(random, ids)}/${endpoint}`;
        const what = `seed ${SEED} ${endpoint} round ${round} as ${who}: POST ${path} ${
          body.slice(0, 300)
        }`;
        const status = await send(app, path, { method: "POST", headers, body }, what);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }
    // The generator must reach the SQL, not only the validators.
    for (const status of [200, 400, 403, 404, 409]) {
      assert.ok(
        (statuses.get(status) ?? 0) > 0,
        `no ${status} in ${JSON.stringify([...statuses])}`,
      );
    }
    assert.ok(!logs.some((line) => line.includes("request_failed")));
  });
});

Deno.test(`random list queries never make GET /alerts answer 5xx (seed ${SEED})`, async () => {
  await withApiWorld(async ({ app, raise, token }) => {
    for (let i = 0; i < 5; i++) await raise({ title: `Item ${i} 50% off_` });
    const random = seededRandom(SEED + 1);
    const authorization = `Bearer ${await token("viewer")}`;
    const first = await (await app.request("/alerts?limit=2", { headers: { authorization } }))
      .json();
    const keys = [
      "status",
      "severity",
      "alert_type",
      "category",
      "store_id",
      "product_id",
      "q",
      "created_since",
      "updated_since",
      "limit",
      "cursor",
      "extra",
    ];
    const values = (key: string): string => {
      if (random.chance(0.4)) return randomString(random);
      switch (key) {
        case "status":
          return random.pick(["active", "resolved,snoozed", "active,,", ",", "ACTIVE"]);
        case "severity":
          return random.pick(["low", "high,critical", "urgent", "low,low"]);
        case "limit":
          return random.pick(["1", "200", "201", "0", "-1", "1e2", "0x10", " 5", "NaN"]);
        case "cursor":
          return random.pick([first.next_cursor, first.next_cursor.slice(1), "e30", "WyIiLCIiXQ"]);
        case "created_since":
        case "updated_since":
          return randomDateTime(random);
        default:
          return randomString(random);
      }
    };
    for (let round = 0; round < ROUNDS; round++) {
      const params = new URLSearchParams();
      for (let n = random.int(4); n > 0; n--) {
        const key = random.pick(keys);
        params.append(key, values(key));
      }
      const path = `/alerts?${params}`;
      await send(
        app,
        path,
        { headers: { authorization } },
        `seed ${SEED + 1} round ${round}: ${path}`,
      );
    }
  });
});
