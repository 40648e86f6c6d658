/**
 * @module
 * Verifies the caller's Supabase-shaped JWT (`Authorization: Bearer <jwt>`) and puts its claims on
 * the request context. Authorization itself is left to Postgres (RLS and the API functions).
 *
 * Two kinds of keys, never mixed: HS256 tokens are checked only against the project's shared
 * secret, and RS256/ES256/EdDSA tokens only against the public keys of a JWKS (Supabase's
 * asymmetric signing keys). So a token that claims HS256 but was signed with a public key as the
 * "secret" (algorithm confusion) fails, as does `alg: none`.
 */

import type { Context, Next } from "hono";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWTHeaderParameters,
  jwtVerify,
} from "jose";
import { ApiError } from "./errors.ts";
import { type Claims, JWT_ROLES } from "./db.ts";

/** Hono environment of apps using {@link auth}. */
export interface AuthEnv {
  Variables: {
    claims: Claims;
    /** Set instead of a user when the request authenticated with a tenant's ingest key. */
    ingestTenant?: string;
  };
}

/** Algorithms accepted from the JWKS; HS256 is accepted only with the shared secret. */
export const ASYMMETRIC_ALGORITHMS = ["RS256", "ES256", "EdDSA"] as const;

/** How tokens are checked. */
export interface AuthOptions {
  /** The project's HS256 JWT secret. */
  secret: string | undefined;
  /**
   * Public keys for RS256/ES256/EdDSA tokens: a JWKS document (`SUPABASE_JWKS`) or its URL
   * (`JWKS_URL`, fetched by jose, which caches the keys and rate-limits refetches).
   */
  jwks?: JSONWebKeySet | URL;
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
 * app.use("/members/*", auth({ secret: config.jwtSecret, jwks: config.jwks }));
 * ```
 */
export function auth({ secret, jwks, audience, issuer }: AuthOptions) {
  const secretKey = secret ? new TextEncoder().encode(secret) : undefined;
  const publicKeys = jwks === undefined
    ? undefined
    : jwks instanceof URL
    ? createRemoteJWKSet(jwks)
    : createLocalJWKSet(jwks);
  const algorithms = [
    ...(secretKey ? ["HS256"] : []),
    ...(publicKeys ? ASYMMETRIC_ALGORITHMS : []),
  ];
  // Picks the key by the token's algorithm: the secret for HS256 only, the JWKS for the rest.
  function keyFor(header: JWTHeaderParameters, token: FlattenedJWSInput) {
    if (header.alg === "HS256" && secretKey) return secretKey;
    if (publicKeys && (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(header.alg)) {
      return publicKeys(header, token);
    }
    throw new joseErrors.JOSEAlgNotAllowed(`Cannot verify a token signed with "${header.alg}"`);
  }
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
    if (algorithms.length === 0) {
      throw new ApiError(
        500,
        "auth_not_configured",
        "Neither JWT_SECRET nor a JWKS (SUPABASE_JWKS, JWKS_URL) is configured for this function",
      );
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(match[1], keyFor, {
        algorithms,
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
