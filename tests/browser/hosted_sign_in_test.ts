/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import assert from "node:assert/strict";
import { DEMO_TENANT_ID, DEMO_USERS } from "../../local/demo.ts";
import { anonKey } from "../../local/tokens.ts";
import { startDashboardWorld } from "./_browser.ts";

Deno.test("hosted mode signs in with email and password through Supabase Auth (supabase-js)", async () => {
  await using world = await startDashboardWorld();
  const manager = DEMO_USERS.find((user) => user.role === "manager")!;
  const token = await world.stack.tokenFor({
    tenantId: DEMO_TENANT_ID,
    userId: manager.id,
    email: manager.email,
  });
  const anon = await anonKey(world.stack.jwtSecret);
  const context = await world.context();
  // The page is configured as a hosted deployment would be (deno task build:web writes this).
  await context.route("**/config.js", (route) =>
    route.fulfill({
      contentType: "text/javascript",
      body: `globalThis.SHELFWATCH_CONFIG = ${
        JSON.stringify({ supabaseUrl: world.stack.url, anonKey: anon, mode: "hosted" })
      };`,
    }));
  // Supabase Auth (GoTrue) is the third-party service here: answer its password grant.
  const grants: { url: string; body: Record<string, unknown>; apikey: string | null }[] = [];
  await context.route("**/auth/v1/token?grant_type=password", async (route) => {
    const request = route.request();
    grants.push({
      url: request.url(),
      body: request.postDataJSON(),
      apikey: await request.headerValue("apikey"),
    });
    const now = Math.floor(Date.now() / 1000);
    await route.fulfill({
      contentType: "application/json",
      body: JSON.stringify({
        access_token: token,
        token_type: "bearer",
        expires_in: 3600,
        expires_at: now + 3600,
        refresh_token: "refresh-token",
        user: {
          id: manager.id,
          aud: "authenticated",
          role: "authenticated",
          email: manager.email,
          app_metadata: { provider: "email", tenant_id: DEMO_TENANT_ID },
          user_metadata: {},
          created_at: new Date().toISOString(),
        },
      }),
    });
  });
  const page = await context.newPage();
  await page.goto("/");
  await page.waitForSelector("input#email");
  assert.equal(await page.locator("button.demo-user").count(), 0, "no demo users when hosted");
  await page.fill("input#email", manager.email);
  await page.fill("input#password", "correct horse battery staple");
  await page.click("button[type=submit]");
  await page.waitForSelector("header .me-name:has-text('Marco Manager')");
  await page.waitForSelector(".alert-row");
  await page.waitForSelector("#connection[data-status='live']");
  assert.equal(grants.length, 1);
  assert.deepEqual(grants[0].body.email, manager.email);
  assert.equal(grants[0].apikey, anon);

  // The session survives a reload (supabase-js keeps it), and signing out ends it.
  await page.reload();
  await page.waitForSelector("header .me-name:has-text('Marco Manager')");
  await context.route("**/auth/v1/logout**", (route) => route.fulfill({ status: 204 }));
  await page.click("button:has-text('Sign out')");
  await page.waitForSelector("input#email");
});
