/**
 * @module
 * The alerts API world of `_fixture.ts` for the rules, suppressions, events and config routes,
 * with a service-role caller and extra headers (Idempotency-Key) on each request.
 */

import { serviceRoleKey } from "../../local/tokens.ts";
import { type ApiWorld, SECRET, type Who, withApiWorld } from "./_fixture.ts";

export { OTHER_TENANT, SECRET, TENANT, USERS, type Who } from "./_fixture.ts";

/** Who calls: a member of {@link Who}, the service role, or nobody. */
export type Caller = Who | "service" | null;

/** What a routes test gets. */
export interface RoutesWorld extends Omit<ApiWorld, "call"> {
  /** Requests the app as `who`, JSON body and extra headers optional. */
  call(
    who: Caller,
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  /** `call`, then the parsed JSON body with the status. */
  json(
    who: Caller,
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> },
    // deno-lint-ignore no-explicit-any -- tests read whatever JSON the route answered
  ): Promise<{ status: number; body: any }>;
}

/**
 * Runs `work` against a fresh world whose app serves the new routes.
 *
 * @example
 * ```ts
 * Deno.test("…", () => withRoutesWorld(async ({ json }) => { ... }));
 * ```
 */
export function withRoutesWorld(work: (world: RoutesWorld) => Promise<void>): Promise<void> {
  return withApiWorld(async (world) => {
    const call: RoutesWorld["call"] = async (who, path, init = {}) => {
      const headers: Record<string, string> = { ...init.headers };
      if (who === "service") headers.authorization = `Bearer ${await serviceRoleKey(SECRET)}`;
      else if (who) headers.authorization = `Bearer ${await world.token(who)}`;
      if (init.body !== undefined) headers["content-type"] = "application/json";
      return world.app.request(path, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    };
    const json: RoutesWorld["json"] = async (who, path, init) => {
      const res = await call(who, path, init);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
    await work({ ...world, call, json });
  });
}
