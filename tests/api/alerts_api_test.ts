import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { Validator } from "@seriousme/openapi-schema-validator";
import { OTHER_TENANT, SECRET, TENANT, USERS, withApiWorld } from "./_fixture.ts";
import { userToken } from "../../local/tokens.ts";

async function json(res: Response) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`Expected JSON, got ${res.status}: ${text}`);
  }
}

async function expectError(res: Response, status: number, code: string) {
  const body = await json(res);
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code, JSON.stringify(body));
  assert.equal(typeof body.error.message, "string");
  return body.error as { code: string; message: string; details: unknown };
}

Deno.test("GET /alerts lists the tenant's alerts newest first, with every filter", async () => {
  await withApiWorld(async ({ call, raise, db }) => {
    const low = await raise({ severity: "low", title: "Rye 50%_off low", storeId: "s1" });
    const high = await raise({ severity: "high", title: "Baguettes low", productId: "baguette" });
    const critical = await raise({
      severity: "critical",
      title: "Freezer warm",
      description: "Temperature 50% above limit",
      alertType: "equipment.temperature",
      category: "equipment",
    });
    const foreign = await raise({ tenantId: OTHER_TENANT, title: "Grocer secret" });
    await db
      .sql`update public.alerts set status = 'resolved', resolved_at = now() where id = ${low}`;
    await db.sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`; // keep updated_at as set here
      await tx`update public.alerts set created_at = created_at - interval '2 days',
                                        updated_at = now() - interval '2 days' where id = ${high}`;
    });

    const all = await json(await call("viewer", "/alerts"));
    assert.deepEqual(all.data.map((a: { id: string }) => a.id), [critical, low, high]);
    assert.equal(all.next_cursor, null);
    assert.ok(!all.data.some((a: { id: string }) => a.id === foreign));
    const first = all.data[0];
    assert.equal(first.tenant_id, TENANT);
    assert.equal(typeof first.priority, "number");
    assert.match(first.created_at, /^\d{4}-\d{2}-\d{2}T/);
    assert.deepEqual(first.metadata, {});

    const ids = async (query: string) =>
      (await json(await call("viewer", `/alerts?${query}`))).data.map((a: { id: string }) => a.id);
    assert.deepEqual(await ids("status=resolved"), [low]);
    assert.deepEqual(await ids("status=active,acknowledged"), [critical, high]);
    assert.deepEqual(await ids("severity=critical,low"), [critical, low]);
    assert.deepEqual(await ids("alert_type=equipment.temperature"), [critical]);
    assert.deepEqual(await ids("category=equipment"), [critical]);
    assert.deepEqual(await ids("store_id=s1"), [low]);
    assert.deepEqual(await ids("product_id=baguette"), [high]);
    assert.deepEqual(await ids("q=FREEZER"), [critical]);
    assert.deepEqual(await ids("q=50%25"), [critical, low], "% matches itself, in either field");
    assert.deepEqual(await ids("q=50%25_"), [low], "_ matches itself, not any character");
    assert.deepEqual(await ids("q=%25%25"), [], "%% is not a wildcard");
    const since = encodeURIComponent(new Date(Date.now() - 86400e3).toISOString());
    assert.deepEqual(await ids(`created_since=${since}`), [critical, low]);
    assert.deepEqual(await ids(`updated_since=${since}`), [critical, low]);
    assert.deepEqual(await ids("limit=1"), [critical]);
  });
});

Deno.test("GET /alerts names each invalid query field", async () => {
  await withApiWorld(async ({ call }) => {
    const cases: Array<[string, string]> = [
      ["status=open", "status.0"],
      ["severity=high,urgent", "severity.1"],
      ["limit=0", "limit"],
      ["limit=201", "limit"],
      ["limit=ten", "limit"],
      ["created_since=yesterday", "created_since"],
      ["updated_since=0000-01-01T00:00:00Z", "updated_since"],
      ["cursor=bm9wZQ", "cursor"],
      ["q=a%00b", "q"],
      ["colour=red", "colour"],
    ];
    for (const [query, field] of cases) {
      const error = await expectError(
        await call("viewer", `/alerts?${query}`),
        400,
        "invalid_input",
      );
      const paths = (error.details as Array<{ path: string }>).map((d) => d.path);
      assert.ok(paths.includes(field), `${query}: ${JSON.stringify(error)}`);
      assert.ok(error.message.includes(field), error.message);
    }
  });
});

Deno.test("GET /alerts pages by cursor without duplicates or gaps while alerts keep arriving", async () => {
  await withApiWorld(async ({ call, raise, db }) => {
    // 40 alerts, three to a created_at, so the id tiebreak matters.
    const initial = (await db.sql<{ id: string }[]>`
      insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key, created_at)
      select ${TENANT}, 'inventory.low_stock', 'medium', 'Item ' || i, 'page-' || i,
             now() - ((i / 3) || ' minutes')::interval
      from generate_series(1, 40) as i
      returning id`).map((row) => row.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `limit=7&cursor=${cursor}` : "limit=7";
      const page = await json(await call("viewer", `/alerts?${query}`));
      seen.push(...page.data.map((a: { id: string }) => a.id));
      cursor = page.next_cursor;
      pages++;
      // New alerts arrive between pages: some now, one backdated into the middle.
      await raise({ severity: "low" });
      await db.sql`
        insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key, created_at)
        values (${TENANT}, 'inventory.low_stock', 'low', 'Late', ${`late-${pages}`},
                now() - interval '5 minutes')`;
      assert.ok(pages < 50, "paging must end");
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length, "no alert is served twice");
    for (const id of initial) assert.ok(seen.includes(id), `alert ${id} was skipped`);
  });
});

Deno.test("GET /alerts/active orders open alerts by severity, then priority, then newest", async () => {
  await withApiWorld(async ({ call, raise, db }) => {
    const lowOld = await raise({ severity: "low" });
    const highP10 = await raise({ severity: "high", priority: 10 });
    const highP90 = await raise({ severity: "high", priority: 90 });
    const lowNew = await raise({ severity: "low" });
    const critical = await raise({ severity: "critical" });
    const resolved = await raise({ severity: "critical" });
    await db
      .sql`update public.alerts set created_at = created_at - interval '1 hour' where id = ${lowOld}`;
    await db
      .sql`update public.alerts set status = 'resolved', resolved_at = now() where id = ${resolved}`;
    const res = await call("staff", "/alerts/active");
    assert.equal(res.status, 200);
    const { data } = await json(res);
    assert.deepEqual(data.map((a: { id: string }) => a.id), [
      critical,
      highP90,
      highP10,
      lowNew,
      lowOld,
    ]);
    assert.equal((await json(await call("staff", "/alerts/active?limit=2"))).data.length, 2);
  });
});

Deno.test("GET /alerts/summary counts by severity and status, zeros included", async () => {
  await withApiWorld(async ({ call, raise, db }) => {
    await raise({ severity: "critical" });
    await raise({ severity: "critical" });
    const done = await raise({ severity: "low" });
    await raise({ tenantId: OTHER_TENANT, severity: "critical" });
    await db
      .sql`update public.alerts set status = 'resolved', resolved_at = now() where id = ${done}`;
    const body = await json(await call("viewer", "/alerts/summary"));
    assert.deepEqual(body.counts.critical, { active: 2, acknowledged: 0, snoozed: 0, resolved: 0 });
    assert.deepEqual(body.counts.low, { active: 0, acknowledged: 0, snoozed: 0, resolved: 1 });
    assert.deepEqual(body.counts.medium, { active: 0, acknowledged: 0, snoozed: 0, resolved: 0 });
    assert.deepEqual([body.open, body.total], [2, 3]);
  });
});

Deno.test("GET /alerts/{id} shows history and deliveries without destinations; other tenants' alerts are 404", async () => {
  await withApiWorld(async ({ call, raise, db }) => {
    const id = await raise({ title: "Croissants low" });
    await db.sql`
      insert into public.deliveries (tenant_id, alert_id, channel, reason, destination, idempotency_key)
      values (${TENANT}, ${id}, 'webhook', 'created', 'https://hooks.example/secret-path', ${`${id}/t`})`;
    assert.equal(
      (await call("staff", `/alerts/${id}/acknowledge`, { body: { note: "on it" } })).status,
      200,
    );
    const body = await json(await call("manager", `/alerts/${id}`));
    assert.equal(body.id, id);
    assert.equal(body.status, "acknowledged");
    assert.deepEqual(body.history.map((h: { action: string }) => h.action), [
      "created",
      "acknowledged",
    ]);
    assert.equal(body.history[1].note, "on it");
    assert.equal(body.history[1].actor_id, USERS.staff);
    const webhook = body.deliveries.find((d: { channel: string }) => d.channel === "webhook");
    assert.deepEqual(Object.keys(webhook).sort(), [
      "attempts",
      "channel",
      "created_at",
      "error_reason",
      "id",
      "reason",
      "sent_at",
      "status",
    ]);
    assert.ok(!JSON.stringify(body).includes("secret-path"));

    const foreign = await raise({ tenantId: OTHER_TENANT, title: "Grocer secret" });
    const hidden = await call("manager", `/alerts/${foreign}`);
    const text = await hidden.text();
    assert.equal(hidden.status, 404);
    assert.ok(!text.includes("Grocer secret"));
    await expectError(await call("manager", `/alerts/${crypto.randomUUID()}`), 404, "not_found");
    const bad = await expectError(
      await call("manager", "/alerts/not-a-uuid"),
      400,
      "invalid_input",
    );
    assert.deepEqual((bad.details as Array<{ path: string }>).map((d) => d.path), ["id"]);
  });
});

Deno.test("POST /alerts/{id}/acknowledge|snooze|unsnooze|resolve walk an alert through its lifecycle", async () => {
  await withApiWorld(async ({ call, raise }) => {
    const id = await raise();
    let res = await call("staff", `/alerts/${id}/acknowledge`, { method: "POST" });
    let alert = await json(res);
    assert.equal(res.status, 200, JSON.stringify(alert));
    assert.deepEqual([alert.status, alert.acknowledged_by], ["acknowledged", USERS.staff]);
    assert.equal(typeof alert.response_time_seconds, "number");

    res = await call("manager", `/alerts/${id}/snooze`, {
      body: { minutes: 30, note: "after lunch" },
    });
    alert = await json(res);
    assert.equal(res.status, 200, JSON.stringify(alert));
    assert.equal(alert.status, "snoozed");
    const until = Date.parse(alert.snoozed_until) - Date.now();
    assert.ok(until > 29 * 60e3 && until <= 30 * 60e3 + 5e3, `${until}`);

    alert = await json(await call("manager", `/alerts/${id}/unsnooze`, { body: {} }));
    assert.equal(alert.status, "active");

    const at = new Date(Date.now() + 2 * 3600e3).toISOString().replace("Z", "+00:00");
    alert = await json(await call("owner", `/alerts/${id}/snooze`, { body: { until: at } }));
    assert.deepEqual([alert.status, Date.parse(alert.snoozed_until)], ["snoozed", Date.parse(at)]);

    res = await call("manager", `/alerts/${id}/resolve`, { body: { note: "restocked" } });
    alert = await json(res);
    assert.equal(res.status, 200, JSON.stringify(alert));
    assert.deepEqual([alert.status, alert.resolution_notes, alert.resolved_by], [
      "resolved",
      "restocked",
      USERS.manager,
    ]);
  });
});

Deno.test("POST /alerts/{id}/unsnooze records its note in the alert's history", async () => {
  await withApiWorld(async ({ call, raise, db }) => {
    const id = await raise();
    await json(await call("manager", `/alerts/${id}/snooze`, { body: { minutes: 30 } }));
    const res = await call("manager", `/alerts/${id}/unsnooze`, {
      body: { note: "supplier came early" },
    });
    const alert = await json(res);
    assert.equal(res.status, 200, JSON.stringify(alert));
    assert.equal(alert.status, "active");
    const history = await json(await call("viewer", `/alerts/${id}`));
    const unsnoozed = (history.history as Array<Record<string, unknown>>)
      .filter((entry) => entry.action === "unsnoozed");
    assert.deepEqual(
      unsnoozed.map((entry) => [entry.actor_id, entry.note]),
      [[USERS.manager, "supplier came early"]],
    );

    // Without a body (or without a note) it still unsnoozes, and records no note.
    await json(await call("manager", `/alerts/${id}/snooze`, { body: { minutes: 30 } }));
    assert.equal((await call("manager", `/alerts/${id}/unsnooze`, { method: "POST" })).status, 200);
    const [last] = await db.sql<{ action: string; note: string | null }[]>`
      select action, note from public.alert_history where alert_id = ${id} order by id desc limit 1`;
    assert.deepEqual(last, { action: "unsnoozed", note: null });
  });
});

Deno.test("lifecycle bodies are validated field by field", async () => {
  await withApiWorld(async ({ call, raise }) => {
    const id = await raise();
    const cases: Array<[string, unknown, string]> = [
      ["snooze", {}, "minutes"],
      ["snooze", { minutes: 5, until: new Date(Date.now() + 60e3).toISOString() }, "until"],
      ["snooze", { minutes: 0 }, "minutes"],
      ["snooze", { minutes: 43201 }, "minutes"],
      ["snooze", { minutes: 1.5 }, "minutes"],
      ["snooze", { until: "tomorrow" }, "until"],
      ["acknowledge", { note: "x".repeat(5001) }, "note"],
      ["acknowledge", { note: 42 }, "note"],
      ["acknowledge", { note: "ok", extra: true }, "extra"],
      ["resolve", ["note"], "body"],
      ["unsnooze", { note: "x".repeat(5001) }, "note"],
      ["unsnooze", { reason: "not a field" }, "reason"],
    ];
    for (const [action, body, field] of cases) {
      const error = await expectError(
        await call("owner", `/alerts/${id}/${action}`, { body }),
        400,
        "invalid_input",
      );
      const paths = (error.details as Array<{ path: string }>).map((d) => d.path);
      assert.ok(
        paths.includes(field),
        `${action} ${JSON.stringify(body)}: ${JSON.stringify(error)}`,
      );
    }
    // Well formed, refused by SQL (SW001): a time in the past is 422, naming the field.
    const past = new Date(Date.now() - 60e3).toISOString();
    const error = await expectError(
      await call("owner", `/alerts/${id}/snooze`, { body: { until: past } }),
      422,
      "unprocessable",
    );
    assert.match(error.message, /until must be in the future/);
  });
});

Deno.test("bodies that are not JSON, malformed or over 1 MiB are refused before any SQL", async () => {
  await withApiWorld(async ({ app, raise, token }) => {
    const id = await raise();
    const authorization = `Bearer ${await token("owner")}`;
    const post = (body: BodyInit, contentType?: string) =>
      app.request(`/alerts/${id}/acknowledge`, {
        method: "POST",
        headers: contentType ? { authorization, "content-type": contentType } : { authorization },
        body,
      });
    await expectError(await post("{", "application/json"), 400, "invalid_input");
    await expectError(await post("note=hi", "text/plain"), 415, "unsupported_media_type");
    const huge = JSON.stringify({ note: "x".repeat(1024 * 1024) });
    await expectError(await post(huge, "application/json"), 413, "payload_too_large");
    const stream = new Blob([huge]).stream();
    await expectError(await post(stream, "application/json"), 413, "payload_too_large");
  });
});

Deno.test("the auth matrix: 401 without a valid token, 403 by role, 404 across tenants, 409 on a bad transition", async () => {
  await withApiWorld(async ({ app, call, raise, db }) => {
    const id = await raise();
    const foreign = await raise({ tenantId: OTHER_TENANT, title: "Grocer secret" });
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      sub: USERS.owner,
      role: "authenticated",
      app_metadata: { tenant_id: TENANT },
    };
    const expired = await userToken(SECRET, {
      tenantId: TENANT,
      userId: USERS.owner,
      expiresInSeconds: -60,
    });
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: "HS256" })
      .setExpirationTime(now + 60).sign(new TextEncoder().encode("forged-".padEnd(48, "q")));
    // Signed with the project's own secret, but never expiring: refused, exp is required.
    const endless = await new SignJWT(claims).setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode(SECRET));
    for (const path of ["/alerts", `/alerts/${id}`, "/alerts/summary", "/alerts/active"]) {
      await expectError(
        await app.request(path, { headers: { authorization: `Bearer ${endless}` } }),
        401,
        "invalid_token",
      );
      await expectError(await app.request(path), 401, "missing_token");
      await expectError(
        await app.request(path, { headers: { authorization: `Bearer ${expired}` } }),
        401,
        "token_expired",
      );
      await expectError(
        await app.request(path, { headers: { authorization: `Bearer ${forged}` } }),
        401,
        "invalid_token",
      );
    }
    await expectError(
      await app.request(`/alerts/${id}/resolve`, { method: "POST" }),
      401,
      "missing_token",
    );

    await expectError(
      await call("viewer", `/alerts/${id}/acknowledge`, { body: {} }),
      403,
      "forbidden",
    );
    await expectError(await call("staff", `/alerts/${id}/resolve`, { body: {} }), 403, "forbidden");
    await expectError(
      await call("staff", `/alerts/${id}/snooze`, { body: { minutes: 5 } }),
      403,
      "forbidden",
    );
    await expectError(
      await call("stranger", `/alerts/${id}/acknowledge`, { body: {} }),
      403,
      "not_a_member",
    );
    const hidden = await call("manager", `/alerts/${foreign}/resolve`, { body: {} });
    const hiddenText = await hidden.text();
    assert.equal(hidden.status, 404, hiddenText);
    assert.ok(!hiddenText.includes("Grocer secret"));
    assert.equal(JSON.parse(hiddenText).error.code, "not_found");
    const [untouched] = await db.sql`select status from public.alerts where id = ${foreign}`;
    assert.equal(untouched.status, "active");
    const strangerList = await json(await call("stranger", "/alerts"));
    assert.deepEqual(strangerList.data, [], "a non-member sees nothing");

    assert.equal((await call("manager", `/alerts/${id}/resolve`, { body: {} })).status, 200);
    await expectError(
      await call("manager", `/alerts/${id}/resolve`, { body: {} }),
      409,
      "invalid_transition",
    );
    await expectError(
      await call("manager", `/alerts/${id}/unsnooze`, { body: {} }),
      409,
      "invalid_transition",
    );
  });
});

Deno.test("POST /alerts/bulk/acknowledge|resolve report per id; one failure undoes nothing else", async () => {
  await withApiWorld(async ({ call, raise, db }) => {
    const [a, b, c] = [await raise(), await raise(), await raise()];
    const missing = crypto.randomUUID();
    const foreign = await raise({ tenantId: OTHER_TENANT });
    const res = await call("manager", "/alerts/bulk/acknowledge", {
      body: { ids: [a, missing, b, foreign], note: "batch" },
    });
    const body = await json(res);
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(body.results.map((r: { id: string; ok: boolean }) => [r.id, r.ok]), [
      [a, true],
      [missing, false],
      [b, true],
      [foreign, false],
    ]);
    assert.equal(body.results[1].error.code, "not_found");
    assert.equal(body.results[3].error.code, "not_found");
    const statuses = await db
      .sql`select id, status from public.alerts where id in (${a}, ${b}, ${c}, ${foreign})`;
    const status = Object.fromEntries(statuses.map((row) => [row.id, row.status]));
    assert.deepEqual([status[a], status[b], status[c], status[foreign]], [
      "acknowledged",
      "acknowledged",
      "active",
      "active",
    ]);

    const resolved = await json(
      await call("manager", "/alerts/bulk/resolve", { body: { ids: [a, a, c] } }),
    );
    assert.deepEqual(
      resolved.results.map((r: { ok: boolean; error?: { code: string } }) => r.error?.code ?? "ok"),
      [
        "ok",
        "invalid_transition",
        "ok",
      ],
    );
    const denied = await json(await call("staff", "/alerts/bulk/resolve", { body: { ids: [b] } }));
    assert.equal(denied.results[0].error.code, "forbidden");

    for (
      const [body, field] of [
        [{}, "ids"],
        [{ ids: [] }, "ids"],
        [{ ids: ["nope"] }, "ids.0"],
        [{ ids: Array.from({ length: 101 }, () => crypto.randomUUID()) }, "ids"],
        [{ ids: [a], extra: 1 }, "extra"],
      ] as const
    ) {
      const error = await expectError(
        await call("manager", "/alerts/bulk/acknowledge", { body }),
        400,
        "invalid_input",
      );
      const paths = (error.details as Array<{ path: string }>).map((d) => d.path);
      assert.ok(paths.includes(field), JSON.stringify(error));
    }
  });
});

Deno.test("GET /alerts/openapi.json is public and documents every route from the same schemas", async () => {
  await withApiWorld(async ({ app }) => {
    const res = await app.request("/alerts/openapi.json");
    assert.equal(res.status, 200);
    const doc = await res.json();
    assert.equal(doc.openapi, "3.1.0");
    // The document is valid OpenAPI 3.1 (checked against the specification's JSON schema).
    const validity = await new Validator().validate(structuredClone(doc));
    assert.deepEqual(validity, { valid: true }, JSON.stringify(validity.errors?.slice(0, 5)));
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`))
      .sort();
    // Every route the app serves (but the document itself) is documented, and nothing else.
    const served = [
      ...new Set(
        app.routes
          .filter((r) => r.method !== "ALL" && r.path !== "/alerts/openapi.json")
          .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
      ),
    ].sort();
    assert.deepEqual(routes, served);
    for (
      const route of [
        "get /alerts",
        "get /alerts/active",
        "get /alerts/summary",
        "get /alerts/{id}",
        "post /alerts/{id}/acknowledge",
        "post /alerts/bulk/resolve",
        "post /alerts/rules",
        "post /alerts/events",
        "get /alerts/metrics",
        "get /alerts/analytics/dashboard",
      ]
    ) assert.ok(routes.includes(route), `${route} is documented`);
    const list = doc.paths["/alerts"].get;
    const params = list.parameters.map((p: { name: string }) => p.name).sort();
    assert.deepEqual(params, [
      "alert_type",
      "category",
      "created_since",
      "cursor",
      "limit",
      "product_id",
      "q",
      "severity",
      "status",
      "store_id",
      "updated_since",
    ]);
    assert.equal(doc.components.schemas.SnoozeBody.properties.minutes.maximum, 43200);
    assert.equal(doc.components.schemas.SnoozeBody.additionalProperties, false);
    assert.ok(doc.components.securitySchemes.bearer);
    assert.ok(!("destination" in doc.components.schemas.AlertDelivery.properties));
  });
});

Deno.test("CORS answers preflights for the configured dashboard origins only", async () => {
  await withApiWorld(async ({ app }) => {
    const preflight = (origin: string) =>
      app.request("/alerts", {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      });
    const allowed = await preflight("https://dash.example.com");
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://dash.example.com");
    assert.match(allowed.headers.get("access-control-allow-headers") ?? "", /authorization/);
    const refused = await preflight("https://evil.example.com");
    assert.equal(refused.headers.get("access-control-allow-origin"), null);
    const unauthorized = await app.request("/alerts", {
      headers: { origin: "https://dash.example.com" },
    });
    assert.equal(unauthorized.status, 401);
    assert.equal(
      unauthorized.headers.get("access-control-allow-origin"),
      "https://dash.example.com",
      "errors carry CORS headers too, so the dashboard can read them",
    );
  }, { corsOrigins: ["https://dash.example.com"] });
});

Deno.test("GET /alerts/members/me and /health keep working", async () => {
  await withApiWorld(async ({ app, call }) => {
    assert.equal((await app.request("/alerts/health")).status, 200);
    assert.deepEqual(await json(await call("viewer", "/alerts/members/me")), {
      user_id: USERS.viewer,
      tenant_id: TENANT,
      database_role: "authenticated",
    });
  });
});
