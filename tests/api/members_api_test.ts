import assert from "node:assert/strict";
import {
  expectError,
  json,
  OTHER_TENANT,
  USERS,
  withReportingWorld,
} from "./_reporting_fixture.ts";

const NEWCOMER = "a1000000-0000-4000-8000-0000000000aa";

Deno.test("GET /alerts/members/me/preferences shows the caller's own row", async () => {
  await withReportingWorld(async ({ call }) => {
    const res = await call("staff", "/alerts/members/me/preferences");
    const me = await json(res);
    assert.equal(res.status, 200, JSON.stringify(me));
    assert.equal(me.user_id, USERS.staff);
    assert.equal(me.role, "staff");
    assert.equal(me.display_name, "Sam");
    assert.equal(me.language, "en");
    assert.deepEqual(me.preferences, {});
    assert.equal(me.email_consent, true);
    assert.equal(me.phone_verified, false);
    await expectError(
      await call("stranger", "/alerts/members/me/preferences"),
      403,
      "not_a_member",
    );
    await expectError(await call("service", "/alerts/members/me/preferences"), 403, "not_a_member");
  });
});

Deno.test("PATCH /alerts/members/me/preferences sets columns and merges preferences", async () => {
  await withReportingWorld(async ({ call, db }) => {
    await db.sql`update public.tenant_members set preferences = '{"custom": 1}',
                 phone = '+4915112345678', phone_verified_at = now() where user_id = ${USERS.viewer}`;
    const res = await call("viewer", "/alerts/members/me/preferences", {
      method: "PATCH",
      body: {
        phone: "+4915187654321",
        language: "de",
        timezone: "Europe/Berlin",
        sms_consent: true,
        channels: { critical: ["sms", "push"], low: [] },
        quiet_hours: { start: "22:00", end: "07:00" },
        digest: "daily",
      },
    });
    const me = await json(res);
    assert.equal(res.status, 200, JSON.stringify(me));
    assert.equal(me.phone, "+4915187654321");
    assert.equal(me.phone_verified, false, "a changed number must be verified again");
    assert.equal(me.language, "de");
    assert.equal(me.timezone, "Europe/Berlin");
    assert.equal(me.sms_consent, true);
    assert.deepEqual(me.preferences, {
      custom: 1,
      channels: { critical: ["sms", "push"], low: [] },
      quiet_hours: { start: "22:00", end: "07:00" },
      digest: "daily",
    });

    const cleared = await json(
      await call("viewer", "/alerts/members/me/preferences", {
        method: "PATCH",
        body: { quiet_hours: null, email: null },
      }),
    );
    assert.equal(cleared.preferences.quiet_hours, null, "null = no quiet hours");
    assert.equal(cleared.email, null);
    const [row] = await db.sql`select role, language from public.tenant_members
                               where user_id = ${USERS.viewer}`;
    assert.deepEqual({ ...row }, { role: "viewer", language: "de" });
  });
});

Deno.test("PATCH /alerts/members/me/preferences names each invalid field (zod and SW001)", async () => {
  await withReportingWorld(async ({ call }) => {
    const cases: Array<[unknown, string]> = [
      [{ phone: "0151 1234" }, "phone"],
      [{ email: "nobody" }, "email"],
      [{ language: "German" }, "language"],
      [{ channels: { urgent: ["sms"] } }, "channels.urgent"],
      [{ channels: { high: ["pager"] } }, "channels.high.0"],
      [{ quiet_hours: { start: "25:00", end: "07:00" } }, "quiet_hours.start"],
      [{ digest: "weekly" }, "digest"],
      [{ rate_limits: { sms: { per_hour: 0 } } }, "rate_limits.sms.per_hour"],
      [{ role: "owner" }, "role"],
      [{}, "body"],
    ];
    for (const [body, field] of cases) {
      const error = await expectError(
        await call("staff", "/alerts/members/me/preferences", { method: "PATCH", body }),
        400,
        "invalid_input",
      );
      const paths = (error.details as { path: string }[]).map((d) => d.path);
      assert.ok(paths.includes(field), `${JSON.stringify(body)}: ${JSON.stringify(error)}`);
    }
    // Rules only the database checks: SW001 and check constraints, well formed, so 422.
    const sameTimes = await expectError(
      await call("staff", "/alerts/members/me/preferences", {
        method: "PATCH",
        body: { quiet_hours: { start: "07:00", end: "07:00" } },
      }),
      422,
      "unprocessable",
    );
    assert.match(sameTimes.message, /preferences\.quiet_hours/);
    const zone = await expectError(
      await call("staff", "/alerts/members/me/preferences", {
        method: "PATCH",
        body: { timezone: "Mars/Olympus" },
      }),
      422,
      "unprocessable",
    );
    assert.deepEqual(zone.details, { constraint: "tenant_members_timezone_valid" });
  });
});

Deno.test("GET /alerts/members lists the caller's tenant only, to any member", async () => {
  await withReportingWorld(async ({ call }) => {
    const res = await call("viewer", "/alerts/members");
    const { data } = await json(res);
    assert.equal(res.status, 200);
    assert.deepEqual(
      data.map((m: { display_name: string; role: string }) => [m.role, m.display_name]),
      [["owner", "Olga"], ["manager", "Mia"], ["staff", "Sam"], ["viewer", "Vic"]],
    );
    assert.ok(!("phone" in data[0]), "phone numbers are not listed");
    const other = await json(await call("otherManager", "/alerts/members"));
    assert.deepEqual(other.data.map((m: { user_id: string }) => m.user_id), [USERS.otherManager]);
    assert.deepEqual((await json(await call("stranger", "/alerts/members"))).data, []);
    await expectError(await call(null, "/alerts/members"), 401, "missing_token");
    // The existing route still answers.
    const me = await json(await call("viewer", "/alerts/members/me"));
    assert.equal(me.user_id, USERS.viewer);
  });
});

Deno.test("owners add, change and remove members; other roles are refused", async () => {
  await withReportingWorld(async ({ call, db }) => {
    const added = await call("owner", "/alerts/members", {
      body: { user_id: NEWCOMER, role: "staff", display_name: "Nia", email: "nia@example.com" },
    });
    const member = await json(added);
    assert.equal(added.status, 201, JSON.stringify(member));
    assert.deepEqual(
      [member.user_id, member.role, member.display_name, member.active],
      [NEWCOMER, "staff", "Nia", true],
    );
    await expectError(
      await call("owner", "/alerts/members", { body: { user_id: NEWCOMER, role: "viewer" } }),
      409,
      "conflict",
    );
    for (const who of ["manager", "staff", "viewer", "otherManager"] as const) {
      await expectError(
        await call(who, "/alerts/members", {
          body: { user_id: crypto.randomUUID(), role: "viewer" },
        }),
        403,
        "forbidden",
      );
    }
    await expectError(
      await call("owner", "/alerts/members", { body: { user_id: "nope", role: "boss" } }),
      400,
      "invalid_input",
    );

    const changed = await json(
      await call("owner", `/alerts/members/${NEWCOMER}`, {
        method: "PATCH",
        body: { role: "manager", store_ids: ["s1", "s2"] },
      }),
    );
    assert.deepEqual([changed.role, changed.store_ids], ["manager", ["s1", "s2"]]);
    await expectError(
      await call("manager", `/alerts/members/${USERS.staff}`, {
        method: "PATCH",
        body: { role: "owner" },
      }),
      403,
      "forbidden",
    );
    await expectError(
      await call("staff", `/alerts/members/${USERS.staff}`, {
        method: "PATCH",
        body: { role: "owner" },
      }),
      403,
      "forbidden",
      // the guard trigger (SW003): members cannot change their own role
    );
    await expectError(
      await call("owner", `/alerts/members/${USERS.otherManager}`, {
        method: "PATCH",
        body: { display_name: "x" },
      }),
      404,
      "not_found",
    );
    await expectError(
      await call("owner", `/alerts/members/${NEWCOMER}`, { method: "PATCH", body: {} }),
      400,
      "invalid_input",
    );

    await expectError(
      await call("manager", `/alerts/members/${NEWCOMER}`, { method: "DELETE" }),
      403,
      "forbidden",
    );
    const removed = await call("owner", `/alerts/members/${NEWCOMER}`, { method: "DELETE" });
    assert.equal(removed.status, 204);
    await expectError(
      await call("owner", `/alerts/members/${NEWCOMER}`, { method: "DELETE" }),
      404,
      "not_found",
    );
    await expectError(
      await call("owner", `/alerts/members/${USERS.otherManager}`, { method: "DELETE" }),
      404,
      "not_found",
    );
    const [{ n }] = await db.sql`select count(*)::int as n from public.tenant_members
                                 where tenant_id = ${OTHER_TENANT}`;
    assert.equal(n, 1, "the other tenant's member is untouched");
  });
});

Deno.test("the last owner can be neither removed nor demoted (409)", async () => {
  await withReportingWorld(async ({ call }) => {
    const path = `/alerts/members/${USERS.owner}`;
    const error = await expectError(
      await call("owner", path, { method: "DELETE" }),
      409,
      "invalid_transition",
    );
    assert.match(error.message, /last owner/);
    await expectError(
      await call("owner", path, { method: "PATCH", body: { role: "manager" } }),
      409,
      "invalid_transition",
    );
    // With a second owner, the first may step down.
    await call("owner", `/alerts/members/${USERS.manager}`, {
      method: "PATCH",
      body: { role: "owner" },
    });
    const res = await call("owner", path, { method: "PATCH", body: { role: "manager" } });
    assert.equal(res.status, 200, await res.text());
  });
});
