import assert from "node:assert/strict";
import { Hono } from "hono";
import type { AuthEnv } from "./auth.ts";
import { errorHandler } from "./errors.ts";
import { createLogger } from "./logging.ts";
import { rateLimit } from "./rate_limit.ts";

function limitedApp(limit: number, clock: { now: number }) {
  const app = new Hono<AuthEnv>();
  app.onError(errorHandler(createLogger("test", () => {})));
  app.use((c, next) => {
    const sub = c.req.header("x-sub");
    if (sub) c.set("claims", { role: "authenticated", sub });
    return next();
  });
  app.use(rateLimit({ limit, windowMs: 60_000, now: () => clock.now }));
  app.get("/", (c) => c.text("ok"));
  return app;
}

Deno.test("rateLimit() answers 429 with Retry-After after `limit` requests and resets after the window", async () => {
  const clock = { now: 1_000_000 };
  const app = limitedApp(3, clock);
  const get = (sub: string) => app.request("/", { headers: { "x-sub": sub } });
  for (let i = 0; i < 3; i++) {
    const res = await get("a");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("ratelimit-remaining"), String(2 - i));
    assert.equal(res.headers.get("ratelimit-limit"), "3");
  }
  clock.now += 20_000;
  const limited = await get("a");
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "40");
  assert.equal(limited.headers.get("ratelimit-remaining"), "0");
  assert.equal((await limited.json()).error.code, "rate_limited");
  assert.equal((await get("b")).status, 200, "another caller has a window of their own");
  clock.now += 40_000;
  assert.equal((await get("a")).status, 200, "a new window starts");
});

Deno.test("rateLimit() with limit 0 or without a caller does not limit", async () => {
  const clock = { now: 0 };
  const off = limitedApp(0, clock);
  for (let i = 0; i < 5; i++) {
    assert.equal((await off.request("/", { headers: { "x-sub": "a" } })).status, 200);
  }
  const anonymous = limitedApp(1, clock);
  for (let i = 0; i < 3; i++) assert.equal((await anonymous.request("/")).status, 200);
});
