/**
 * @module
 * Checks a Realtime access token the way hosted Realtime does: an HS256 JWT signed with the
 * project's secret, with `role` and `exp` required; failures carry hosted's join-error reasons
 * (`Code: message`) so clients see the same texts locally.
 */

import { errors as joseErrors, jwtVerify } from "jose";

/** Claims of a verified token. */
export interface TokenClaims {
  role: string;
  exp: number;
  sub?: string;
  [claim: string]: unknown;
}

/** A token hosted Realtime would refuse; `reason` is the join-error text (`Code: message`). */
export class RealtimeTokenError extends Error {
  /** The hosted reason, e.g. `InvalidJWTExpiration: Token has expired 3 seconds ago`. */
  readonly reason: string;
  /** The message without its code, as `system` messages carry it. */
  readonly detail: string;
  constructor(code: string, detail: string, options?: ErrorOptions) {
    super(`${code}: ${detail}`, options);
    this.name = "RealtimeTokenError";
    this.reason = `${code}: ${detail}`;
    this.detail = detail;
  }
}

/** Verifies tokens against one HS256 secret. */
export type TokenVerifier = (token: string) => Promise<TokenClaims>;

/**
 * Builds a verifier for the project's JWT secret. Like hosted, whitespace in the token is
 * ignored.
 *
 * @example
 * ```ts
 * const verify = createTokenVerifier(jwtSecret);
 * const claims = await verify(anonKey); // throws RealtimeTokenError when refused
 * ```
 */
export function createTokenVerifier(secret: string): TokenVerifier {
  const key = new TextEncoder().encode(secret);
  return async function verifyToken(raw: string): Promise<TokenClaims> {
    const token = raw.replace(/\s+/g, "");
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, { algorithms: ["HS256"] }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        const exp = Number(error.payload.exp);
        const ago = Math.max(0, Math.round(Date.now() / 1000 - exp));
        throw new RealtimeTokenError(
          "InvalidJWTExpiration",
          `Token has expired ${ago} seconds ago`,
          { cause: error },
        );
      }
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
        throw new RealtimeTokenError("JwtSignatureError", "Failed to validate JWT signature", {
          cause: error,
        });
      }
      throw new RealtimeTokenError("MalformedJWT", "The token provided is not a valid JWT", {
        cause: error,
      });
    }
    if (typeof payload.role !== "string" || typeof payload.exp !== "number") {
      throw new RealtimeTokenError(
        "InvalidJWTToken",
        "Fields `role` and `exp` are required in JWT",
      );
    }
    return payload as TokenClaims;
  };
}
