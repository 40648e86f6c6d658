/**
 * @module
 * Edge-function configuration, read from the environment in this one place per entry point and
 * passed down. Every variable is listed in the README's environment table and `.env.example`.
 */

import type { JSONWebKeySet } from "jose";
import { z } from "zod";

/** `scheme://host[:port]`, no path: what a browser sends in `Origin`. */
const ORIGIN = /^https?:\/\/[^/\s,]+$/;

const Env = z.object({
  SUPABASE_DB_URL: z.string().min(1, "is required (hosted Supabase sets it for every function)"),
  JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  // A JWKS document as `GET <auth url>/.well-known/jwks.json` answers it: `{ "keys": [...] }`.
  SUPABASE_JWKS: z.string().optional().transform((value, ctx) => {
    if (value === undefined || value.trim() === "") return undefined;
    try {
      const jwks = JSON.parse(value);
      if (Array.isArray(jwks?.keys)) return jwks as JSONWebKeySet;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: "custom", message: 'must be a JWKS JSON document like {"keys":[...]}' });
    return z.NEVER;
  }),
  JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(5),
  DB_PREPARE: z.enum(["true", "false"]).optional(),
  CORS_ORIGINS: z.string().default("*").transform((value, ctx) => {
    const origins = value.split(",").map((origin) => origin.trim()).filter(Boolean);
    for (const origin of origins) {
      if (origin !== "*" && !ORIGIN.test(origin)) {
        ctx.addIssue({
          code: "custom",
          message:
            `must be * or a comma list of origins like https://app.example.com (got "${origin}")`,
        });
      }
    }
    return origins.length === 0 || origins.includes("*") ? ["*"] : origins;
  }),
  // A base64url P-256 public key (65 bytes) as `web-push generate-vapid-keys` prints it.
  VAPID_PUBLIC_KEY: z.string().regex(
    /^[A-Za-z0-9_-]{86,88}$/,
    "must be a base64url VAPID public key",
  )
    .optional(),
});

/** What a function needs to run. */
export interface FunctionConfig {
  /** Postgres URL; on hosted Supabase `SUPABASE_DB_URL`. */
  databaseUrl: string;
  /** HS256 secret that signs the project's JWTs. */
  jwtSecret: string | undefined;
  /** Public keys for RS256/ES256/EdDSA tokens: a JWKS document or the URL to fetch it from. */
  jwks?: JSONWebKeySet | URL;
  /** When set, tokens must carry this `aud`. */
  jwtAudience?: string;
  /** When set, tokens must carry this `iss`. */
  jwtIssuer?: string;
  /** Requests per minute per token subject and function instance; 0 = no limit. Unset = 600. */
  rateLimitPerMinute?: number;
  /** Connections per function instance. */
  poolMax: number;
  /**
   * Whether postgres.js may use prepared statements. The hosted pooler in transaction mode
   * (port 6543) cannot keep them, so the default is off there and on elsewhere.
   */
  prepare: boolean;
  /**
   * Origins the dashboard may call the API from (CORS); `["*"]` allows any. Optional so callers
   * building a config by hand (tests, the local stack) get the local default, `["*"]`.
   */
  corsOrigins?: string[];
  /** The VAPID public key browsers subscribe with; unset = web push is off. */
  vapidPublicKey?: string;
}

/**
 * Reads and validates the configuration, naming the variable that is wrong.
 *
 * @example
 * ```ts
 * const config = loadFunctionConfig(); // throws TypeError: SUPABASE_DB_URL is required ...
 * ```
 */
export function loadFunctionConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): FunctionConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`Cannot load function config: ${issue.path.join(".")} ${issue.message}`);
  }
  const { SUPABASE_DB_URL, JWT_SECRET, DB_POOL_MAX, DB_PREPARE, CORS_ORIGINS, VAPID_PUBLIC_KEY } =
    parsed.data;
  const { SUPABASE_JWKS, JWKS_URL, JWT_AUDIENCE, JWT_ISSUER, RATE_LIMIT_PER_MINUTE } = parsed.data;
  if (SUPABASE_JWKS && JWKS_URL) {
    throw new TypeError(
      "Cannot load function config: set SUPABASE_JWKS or JWKS_URL, not both",
    );
  }
  const viaPooler = /:6543\//.test(SUPABASE_DB_URL);
  return {
    databaseUrl: SUPABASE_DB_URL,
    jwtSecret: JWT_SECRET,
    jwks: SUPABASE_JWKS ?? (JWKS_URL ? new URL(JWKS_URL) : undefined),
    jwtAudience: JWT_AUDIENCE,
    jwtIssuer: JWT_ISSUER,
    rateLimitPerMinute: RATE_LIMIT_PER_MINUTE,
    poolMax: DB_POOL_MAX,
    prepare: DB_PREPARE === undefined ? !viaPooler : DB_PREPARE === "true",
    corsOrigins: CORS_ORIGINS,
    vapidPublicKey: VAPID_PUBLIC_KEY,
  };
}
