/**
 * @module
 * The local stack's keys: a per-install HS256 secret (generated on first start into the
 * git-ignored data folder) and tokens shaped like the ones Supabase issues.
 */

import { SignJWT } from "jose";
import { StackError } from "./stack_error.ts";

/** Member roles, lowest to highest (DESIGN.md). */
export const MEMBER_ROLES = ["viewer", "staff", "manager", "owner"] as const;
/** A member role. */
export type MemberRole = typeof MEMBER_ROLES[number];

const TEN_YEARS = 10 * 365 * 24 * 3600;
const ISSUER = "shelfwatch-local";

/**
 * Reads `<dataDir>/jwt_secret`, creating it (random, owner-only) on first use.
 *
 * @example
 * ```ts
 * const secret = await loadOrCreateJwtSecret(".data");
 * ```
 */
export async function loadOrCreateJwtSecret(dataDir: string): Promise<string> {
  const path = `${dataDir}/jwt_secret`;
  try {
    const secret = (await Deno.readTextFile(path)).trim();
    if (secret.length >= 32) return secret;
    throw new StackError(
      `${path} holds a secret shorter than 32 characters; delete it to generate a new one.`,
    );
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.mkdir(dataDir, { recursive: true });
  const bytes = crypto.getRandomValues(new Uint8Array(48));
  const secret = btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "");
  try {
    await Deno.writeTextFile(path, `${secret}\n`, { mode: 0o600, createNew: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error; // else another process won the race
  }
  return (await Deno.readTextFile(path)).trim();
}

async function sign(secret: string, claims: Record<string, unknown>, expiresInSeconds: number) {
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setIssuedAt(now)
    .setExpirationTime(now + expiresInSeconds)
    .sign(new TextEncoder().encode(secret));
}

/** The anon key, as `supabase start` prints it: a long-lived `role: anon` token. */
export function anonKey(secret: string): Promise<string> {
  return sign(secret, { role: "anon" }, TEN_YEARS);
}

/** The service-role key: a long-lived `role: service_role` token for system callers. */
export function serviceRoleKey(secret: string): Promise<string> {
  return sign(secret, { role: "service_role" }, TEN_YEARS);
}

/** Who a user token is for. */
export interface UserTokenOptions {
  tenantId: string;
  userId: string;
  email?: string;
  expiresInSeconds?: number;
}

/**
 * The claims of a Supabase Auth access token for `userId` in `tenantId`: `sub`,
 * `role: authenticated`, `aud`, and the tenant in `app_metadata` (never `user_metadata`, which
 * users can change themselves). Tests use them directly with `withClaims`.
 *
 * @example
 * ```ts
 * userClaims({ tenantId, userId }).app_metadata.tenant_id === tenantId; // true
 * ```
 */
export function userClaims({ tenantId, userId, email }: UserTokenOptions) {
  return {
    sub: userId,
    role: "authenticated",
    aud: "authenticated",
    email: email ?? "",
    aal: "aal1",
    is_anonymous: false,
    app_metadata: { provider: "email", providers: ["email"], tenant_id: tenantId },
    user_metadata: {},
  };
}

/**
 * A signed token with {@link userClaims}, valid for `expiresInSeconds` (default one hour).
 *
 * @example
 * ```ts
 * const jwt = await userToken(secret, { tenantId, userId });
 * ```
 */
export function userToken(secret: string, options: UserTokenOptions): Promise<string> {
  const claims = { ...userClaims(options), session_id: crypto.randomUUID() };
  return sign(secret, claims, options.expiresInSeconds ?? 3600);
}
