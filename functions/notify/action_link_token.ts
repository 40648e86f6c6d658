/**
 * @module
 * Signed one-click action links: short-lived HS256 JWTs that name one member, one alert of their
 * tenant and one action (acknowledge, resolve or snooze), plus a `jti` so each link acts once.
 * Email and SMS renderers put {@link buildActionLinkUrl} into messages; the action-link routes
 * verify the token with {@link verifyActionLinkToken}.
 *
 * The signing key is derived from `ACTION_LINK_SECRET` (or, when unset, `JWT_SECRET`) with
 * HMAC-SHA256 and a fixed label, so a link token is never a valid API bearer token and an API
 * token is never a valid link, even when both come from the same secret.
 */

import { errors as joseErrors, jwtVerify, SignJWT } from "jose";

/** What a link may do. */
export const ACTION_LINK_ACTIONS = ["acknowledge", "resolve", "snooze"] as const;
/** One of {@link ACTION_LINK_ACTIONS}. */
export type ActionLinkAction = typeof ACTION_LINK_ACTIONS[number];

/** Links live 72 hours unless `ACTION_LINK_TTL` says otherwise. */
export const DEFAULT_ACTION_LINK_TTL_SECONDS = 72 * 3600;
/** A snooze link snoozes this long unless it names another duration. */
export const DEFAULT_SNOOZE_MINUTES = 60;

const ISSUER = "shelfwatch";
const AUDIENCE = "shelfwatch:action-link";
const TOKEN_TYPE = "shelfwatch-action+jwt";
const KEY_LABEL = "shelfwatch action links v1";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a link names. */
export interface ActionLink {
  tenantId: string;
  alertId: string;
  action: ActionLinkAction;
  /** The member the link acts as: their user id (JWT `sub`). */
  memberId: string;
  /** For `snooze`: how long, in minutes (1..10080). Default {@link DEFAULT_SNOOZE_MINUTES}. */
  snoozeMinutes?: number;
}

/** A verified link: what it names, its id and when it expires. */
export interface VerifiedActionLink extends ActionLink {
  /** Unique id of this link; used once. */
  jti: string;
  /** Expiry, epoch seconds. */
  expiresAt: number;
}

/** How links are signed and checked. */
export interface ActionLinkKeyOptions {
  /** `ACTION_LINK_SECRET`, or `JWT_SECRET` when that is unset; at least 32 characters. */
  secret: string;
  /** The clock (epoch ms); tests pass a fake one. */
  now?: () => number;
}

/** Options for {@link signActionLinkToken}. */
export interface SignActionLinkOptions extends ActionLinkKeyOptions {
  /** Lifetime in seconds (`ACTION_LINK_TTL`); default {@link DEFAULT_ACTION_LINK_TTL_SECONDS}. */
  ttlSeconds?: number;
  /** Link id; default a random UUID. */
  jti?: string;
}

/** Options for {@link buildActionLinkUrl}. */
export interface ActionLinkUrlOptions extends SignActionLinkOptions {
  /** Public base URL of the project (`PUBLIC_URL`), e.g. `https://abc.supabase.co`. */
  publicUrl: string;
}

/**
 * Why a link token was refused: `expired` (a real link, too old) or `invalid` (forged, altered,
 * malformed or not an action link). Caught by the action-link routes.
 */
export class ActionLinkError extends Error {
  readonly reason: "expired" | "invalid";
  constructor(reason: "expired" | "invalid", message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ActionLinkError";
    this.reason = reason;
  }
}

const keyCache = new Map<string, Promise<Uint8Array>>();

/** HMAC-SHA256(secret, label): the link signing key, kept apart from the API's JWT key. */
function signingKey(secret: string): Promise<Uint8Array> {
  if (secret.length < 32) {
    throw new RangeError("Cannot sign action links: the secret must be at least 32 characters");
  }
  let key = keyCache.get(secret);
  if (!key) {
    key = (async () => {
      const hmac = await crypto.subtle.importKey(
        "raw",
        new TextEncoder().encode(secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      return new Uint8Array(
        await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(KEY_LABEL)),
      );
    })();
    keyCache.set(secret, key);
  }
  return key;
}

function checkLink(link: ActionLink): void {
  for (const field of ["tenantId", "alertId", "memberId"] as const) {
    if (!UUID.test(String(link[field]))) {
      throw new TypeError(
        `Cannot sign an action link: ${field} must be a UUID (got "${link[field]}")`,
      );
    }
  }
  if (!(ACTION_LINK_ACTIONS as readonly string[]).includes(link.action)) {
    throw new TypeError(
      `Cannot sign an action link: action must be ${
        ACTION_LINK_ACTIONS.join(", ")
      } (got "${link.action}")`,
    );
  }
  const minutes = link.snoozeMinutes;
  if (minutes !== undefined && !(Number.isInteger(minutes) && minutes >= 1 && minutes <= 10080)) {
    throw new RangeError(
      `Cannot sign an action link: snoozeMinutes must be an integer 1..10080 (got ${minutes})`,
    );
  }
}

/**
 * Signs a link token.
 *
 * @example
 * ```ts
 * const token = await signActionLinkToken(
 *   { tenantId, alertId, action: "acknowledge", memberId },
 *   { secret: config.actionLinkSecret, ttlSeconds: 3600 },
 * );
 * ```
 */
export async function signActionLinkToken(
  link: ActionLink,
  { secret, now = Date.now, ttlSeconds = DEFAULT_ACTION_LINK_TTL_SECONDS, jti }:
    SignActionLinkOptions,
): Promise<string> {
  checkLink(link);
  if (!(Number.isInteger(ttlSeconds) && ttlSeconds > 0)) {
    throw new RangeError(
      `Cannot sign an action link: ttlSeconds must be a positive integer (got ${ttlSeconds})`,
    );
  }
  const issuedAt = Math.floor(now() / 1000);
  const claims: Record<string, unknown> = {
    tenant_id: link.tenantId,
    alert_id: link.alertId,
    action: link.action,
  };
  if (link.action === "snooze") {
    claims.snooze_minutes = link.snoozeMinutes ?? DEFAULT_SNOOZE_MINUTES;
  }
  return await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: TOKEN_TYPE })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(link.memberId)
    .setJti(jti ?? crypto.randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(await signingKey(secret));
}

/**
 * Checks a link token's signature, type, audience and expiry and returns what it names; throws
 * {@link ActionLinkError} (`expired` or `invalid`) otherwise.
 *
 * @example
 * ```ts
 * const link = await verifyActionLinkToken(token, { secret });
 * link.action; // "acknowledge"
 * ```
 */
export async function verifyActionLinkToken(
  token: string,
  { secret, now = Date.now }: ActionLinkKeyOptions,
): Promise<VerifiedActionLink> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, await signingKey(secret), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: TOKEN_TYPE,
      requiredClaims: ["exp", "jti", "sub"],
      currentDate: new Date(now()),
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) {
      throw new ActionLinkError("expired", "This action link has expired", { cause: error });
    }
    throw new ActionLinkError("invalid", "This action link is not valid", { cause: error });
  }
  const link = {
    tenantId: payload.tenant_id,
    alertId: payload.alert_id,
    action: payload.action,
    memberId: payload.sub,
    snoozeMinutes: payload.snooze_minutes,
  } as ActionLink;
  try {
    checkLink(link);
  } catch (error) {
    throw new ActionLinkError("invalid", "This action link is not valid", { cause: error });
  }
  if (link.snoozeMinutes === undefined) delete link.snoozeMinutes;
  return { ...link, jti: payload.jti!, expiresAt: payload.exp! };
}

/**
 * The path under the function's base where a link token is served (`/notify/actions/<token>`).
 *
 * @example
 * ```ts
 * actionLinkPath("eyJ..."); // "/functions/v1/notify/actions/eyJ..."
 * ```
 */
export function actionLinkPath(token: string): string {
  return `/functions/v1/notify/actions/${encodeURIComponent(token)}`;
}

/**
 * Signs a link and returns its full URL, `<publicUrl>/functions/v1/notify/actions/<token>`.
 *
 * @example
 * ```ts
 * const url = await buildActionLinkUrl(
 *   { tenantId, alertId, action: "resolve", memberId },
 *   { publicUrl: "https://abc.supabase.co", secret },
 * );
 * ```
 */
export async function buildActionLinkUrl(
  link: ActionLink,
  { publicUrl, ...signing }: ActionLinkUrlOptions,
): Promise<string> {
  const token = await signActionLinkToken(link, signing);
  return `${publicUrl.replace(/\/+$/, "")}${actionLinkPath(token)}`;
}
