/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import assert from "node:assert/strict";
import { DEMO_TENANT_ID, DEMO_USERS } from "../../local/demo.ts";
import { exportDashboard } from "../../local/dashboard_build.ts";
import { anonKey } from "../../local/tokens.ts";
import { startDashboardWorld } from "./_browser.ts";

/** A static file server for `dir` under `prefix`, on a free port; dispose stops it and removes dir. */
function serveStatic(dir: string, prefix: string) {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (!path.startsWith(prefix) || path.includes("..")) {
      return new Response("not found", { status: 404 });
    }
    const file = path.slice(prefix.length) || "index.html";
    const types: Record<string, string> = {
      js: "text/javascript",
      css: "text/css",
      html: "text/html",
      svg: "image/svg+xml",
    };
    try {
      const body = await Deno.readFile(`${dir}/${file}`);
      return new Response(body, {
        headers: { "content-type": types[file.split(".").pop()!] ?? "application/octet-stream" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("the hosted build, served from another origin, signs in through Supabase Auth (supabase-js)", async () => {
  await using world = await startDashboardWorld();
  const manager = DEMO_USERS.find((user) => user.role === "manager")!;
  const token = await world.stack.tokenFor({
    tenantId: DEMO_TENANT_ID,
    userId: manager.id,
    email: manager.email,
  });
  const anon = await anonKey(world.stack.jwtSecret);
  // The static files `deno task build:web` writes, served from another origin under a sub-path.
  const dir = await Deno.makeTempDir();
  await exportDashboard(dir, { supabaseUrl: world.stack.url, anonKey: anon });
  await using site = serveStatic(dir, "/shelfwatch/");
  const context = await world.context();
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
  await page.goto(`${site.url}/shelfwatch/`);
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
