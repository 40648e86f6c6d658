/**
 * @module
 * What a route module of the alerts app needs from the app that mounts it: a way to run SQL as
 * the caller. Route modules export `register…Routes(app, deps)` so `app.ts` wires each group with
 * one line.
 */

import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AuthEnv } from "../_shared/auth.ts";
import { type Sql, type Tx, withClaims } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";

/** The alerts app (or any OpenAPIHono app with the bearer middleware) a module registers on. */
// deno-lint-ignore no-explicit-any
export type AlertsRouter = OpenAPIHono<AuthEnv, any, any>;

/** What route modules are given. */
export interface RouteDeps {
  /** Runs `work` in one transaction as the caller (role and JWT claims), so RLS decides. */
  asCaller<T>(c: Context<AuthEnv>, work: (tx: Tx) => Promise<T>): Promise<T>;
}

/**
 * The {@link RouteDeps} of a pool: SQL runs under the request's verified claims.
 *
 * @example
 * ```ts
 * registerRuleRoutes(app, callerDeps(sql));
 * ```
 */
export function callerDeps(sql: Sql): RouteDeps {
  return {
    asCaller: (c, work) => withClaims(sql, c.get("claims"), work),
  };
}

/**
 * The `tenant_id` a request may name: only a service-role caller names (and must name) one; a
 * member's tenant always comes from their token (`private.jwt_tenant_id()` in SQL), so for them
 * this answers `null` and SQL falls back to the token.
 *
 * @example
 * ```ts
 * const tenant = namedTenant(c, body.tenant_id); // then `coalesce(${tenant}::uuid, private.jwt_tenant_id())`
 * ```
 */
export function namedTenant(c: Context<AuthEnv>, tenantId: string | undefined): string | null {
  const isService = c.get("claims").role === "service_role";
  if (isService && tenantId === undefined) {
    throw new ApiError(
      400,
      "invalid_input",
      "Invalid tenant_id: a service caller must name the tenant",
      {
        details: [{ path: "tenant_id", message: "is required for service callers" }],
      },
    );
  }
  if (!isService && tenantId !== undefined) {
    throw new ApiError(
      400,
      "invalid_input",
      "Invalid tenant_id: a member's tenant comes from their token; only service callers name one",
      { details: [{ path: "tenant_id", message: "is only for service callers" }] },
    );
  }
  return tenantId ?? null;
}
