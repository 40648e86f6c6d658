/**
 * @module
 * Verifies the caller's Supabase-shaped JWT (`Authorization: Bearer <jwt>`) and puts its claims on
 * the request context. Authorization itself is left to Postgres (RLS and the API functions).
 */

import type { Context, Next } from "hono";
import { errors as joseErrors, jwtVerify } from "jose";
import { ApiError } from "./errors.ts";
import { type Claims, JWT_ROLES } from "./db.ts";

/** Hono environment of apps using {@link auth}. */
export interface AuthEnv {
  Variables: { claims: Claims };
}

/** How tokens are checked. */
export interface AuthOptions {
  /** The project's HS256 JWT secret. */
  secret: string | undefined;
  /** When set, the `aud` claim must match. */
  audience?: string;
  /** When set, the `iss` claim must match. */
  issuer?: string;
}

/**
 * Middleware that requires a valid token with `exp` and `role`.
 *
 * @example
 * ```ts
 * app.use("/members/*", auth({ secret: config.jwtSecret }));
 * ```
 */
export function auth({ secret, audience, issuer }: AuthOptions) {
  const key = secret ? new TextEncoder().encode(secret) : undefined;
  return async function verifyBearer(c: Context<AuthEnv>, next: Next) {
    const header = c.req.header("authorization") ?? "";
    const match = header.match(/^Bearer\s+(\S+)$/i);
    if (!match) {
      throw new ApiError(
        401,
        "missing_token",
        "Authorization header with a Bearer token is required",
      );
    }
    if (!key) {
      throw new ApiError(
        500,
        "auth_not_configured",
        "JWT_SECRET is not configured for this function",
      );
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(match[1], key, {
        algorithms: ["HS256"],
        requiredClaims: ["exp", "role"],
        audience,
        issuer,
      }));
    } catch (error) {
      const expired = error instanceof joseErrors.JWTExpired;
      throw new ApiError(
        401,
        expired ? "token_expired" : "invalid_token",
        expired ? "The token has expired" : "The token is not valid for this project",
        { cause: error },
      );
    }
    if (!(JWT_ROLES as readonly unknown[]).includes(payload.role)) {
      throw new ApiError(
        401,
        "invalid_token",
        `The token's role must be one of ${JWT_ROLES.join(", ")}`,
      );
    }
    c.set("claims", payload as Claims);
    await next();
  };
}
