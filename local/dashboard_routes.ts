/**
 * @module
 * Local-only routes the dashboard uses on the one-machine stack (never part of a hosted function):
 * `/config.js` pointing the dashboard at this stack, and `/local/v1/demo-users` handing out the
 * demo users' tokens, which stand in for Supabase Auth's sign-in here.
 */

import { Hono } from "hono";
import { configScript } from "./dashboard_build.ts";
import { DEMO_TENANT_ID, DEMO_USERS } from "./demo.ts";
import { anonKey, userToken } from "./tokens.ts";

/** How long a demo sign-in lasts. */
const DEMO_TOKEN_SECONDS = 12 * 3600;

const DISPLAY_NAMES: Record<string, string> = {
  owner: "Olivia Owner",
  manager: "Marco Manager",
  staff: "Sam Staff",
  viewer: "Vera Viewer",
};

/**
 * The routes, for the gateway to mount.
 *
 * @example
 * ```ts
 * const local = createDashboardRoutes({ jwtSecret });
 * await local.request("/local/v1/demo-users");
 * ```
 */
export function createDashboardRoutes({ jwtSecret }: { jwtSecret: string }) {
  const app = new Hono();
  const anon = anonKey(jwtSecret);

  app.get("/config.js", async (c) => {
    const origin = new URL(c.req.url).origin;
    c.header("content-type", "text/javascript; charset=utf-8");
    c.header("cache-control", "no-store");
    return c.body(configScript({ supabaseUrl: origin, anonKey: await anon }, "local"));
  });

  app.get("/local/v1/demo-users", async (c) => {
    const users = await Promise.all(DEMO_USERS.map(async (user) => ({
      id: user.id,
      role: user.role,
      email: user.email,
      display_name: DISPLAY_NAMES[user.role],
      token: await userToken(jwtSecret, {
        tenantId: DEMO_TENANT_ID,
        userId: user.id,
        email: user.email,
        expiresInSeconds: DEMO_TOKEN_SECONDS,
      }),
    })));
    c.header("cache-control", "no-store");
    return c.json({ tenant_id: DEMO_TENANT_ID, users });
  });

  return app;
}
