/**
 * @module
 * Phone verification for members (authenticated with their own JWT), so SMS and WhatsApp alerts
 * only go to numbers their owner proved:
 *
 * - `POST /notify/verify/request` `{ "channel": "sms" | "whatsapp" }` makes a 6-digit code, stores
 *   its hash with `public.create_phone_verification()` (as the system) and texts it to the
 *   member's number directly (not through the outbox: a code is not an alert and must arrive now);
 * - `POST /notify/verify/confirm` `{ "channel", "code" }` checks it with
 *   `public.confirm_phone_verification()` under the member's own claims: right → the number is
 *   verified; wrong → 400 with the tries left; expired → 410; too many tries → 429.
 */

import type { Hono } from "hono";
import { z } from "zod";
import { auth, type AuthEnv, type AuthOptions } from "../_shared/auth.ts";
import { type Sql, withClaims } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import type { Logger } from "../_shared/logging.ts";
import type { ChannelSet } from "./channel_set.ts";
import type { SendResult } from "./http_outcome.ts";
import type { OutboundMessage } from "./message.ts";

/** A verification text to send now. */
export interface VerificationText {
  channel: "sms" | "whatsapp";
  /** E.164 number. */
  to: string;
  text: string;
  tenantId: string;
  userId: string;
  verificationId: string;
}

/** Sends a verification text (the configured SMS/WhatsApp channel, or the local inbox). */
export type SendVerificationText = (message: VerificationText) => Promise<SendResult>;

/** What the verification routes need. */
export interface PhoneVerificationOptions {
  sql: Sql;
  /** How member tokens are checked (as in the alerts API). */
  auth: AuthOptions;
  send: SendVerificationText;
  /** Seconds a code stays valid; default 600. */
  ttlSeconds?: number;
  logger?: Logger;
}

const Channel = z.enum(["sms", "whatsapp"]);
const RequestBody = z.strictObject({ channel: Channel });
const ConfirmBody = z.strictObject({
  channel: Channel,
  code: z.string().regex(/^[0-9]{6}$/, "must be the 6 digits of the code"),
});

/**
 * A uniformly random 6-digit code.
 *
 * @example
 * ```ts
 * verificationCode(); // "042917"
 * ```
 */
export function verificationCode(): string {
  const limit = 4_294_000_000; // a multiple of 1,000,000 below 2^32: no modulo bias
  const word = new Uint32Array(1);
  do crypto.getRandomValues(word); while (word[0] >= limit);
  return String(word[0] % 1_000_000).padStart(6, "0");
}

/**
 * Shows a number's last 4 digits only.
 *
 * @example
 * ```ts
 * maskNumber("+15551234567"); // "+•••••••4567"
 * ```
 */
export function maskNumber(number: string): string {
  return `+${"•".repeat(Math.max(number.length - 5, 0))}${number.slice(-4)}`;
}

async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new ApiError(400, "invalid_input", "Invalid body: expected a JSON object");
  }
}

function tenantOf(claims: Record<string, unknown>): { tenantId: string; userId: string } {
  const tenantId = (claims.app_metadata as { tenant_id?: unknown } | undefined)?.tenant_id;
  if (typeof tenantId !== "string" || typeof claims.sub !== "string") {
    throw new ApiError(403, "not_a_member", "The token names no tenant (app_metadata.tenant_id)");
  }
  return { tenantId, userId: claims.sub };
}

/**
 * Registers `POST /verify/request` and `POST /verify/confirm` behind member authentication.
 *
 * @example
 * ```ts
 * registerPhoneVerification(app, { sql, auth: { secret }, send: (m) => channel.send(...) });
 * ```
 */
export function registerPhoneVerification(
  app: Hono,
  { sql, auth: authOptions, send, ttlSeconds = 600, logger }: PhoneVerificationOptions,
): void {
  const verifyApp = app as unknown as Hono<AuthEnv>;
  verifyApp.use("/verify/*", auth(authOptions));

  verifyApp.post("/verify/request", async (c) => {
    const { channel } = RequestBody.parse(await jsonBody(c.req.raw));
    const claims = c.get("claims");
    const { tenantId, userId } = tenantOf(claims);
    const code = verificationCode();
    const [created] = await withClaims(
      sql,
      { role: "service_role" },
      (tx) =>
        tx<{ verification_id: string; number: string; expires_at: Date }[]>`
          select * from public.create_phone_verification(
            ${tenantId}::uuid, ${userId}::uuid, ${channel}, ${code}, ${ttlSeconds})`,
    );
    const minutes = Math.round(ttlSeconds / 60);
    const result = await send({
      channel,
      to: created.number,
      text:
        `Your Shelfwatch verification code is ${code}. It expires in ${minutes} minutes. If you did not ask for it, ignore this message.`,
      tenantId,
      userId,
      verificationId: created.verification_id,
    });
    if (!result.ok) {
      logger?.error("verification_send_failed", { channel, reason: result.reason });
      throw new ApiError(
        502,
        "verification_send_failed",
        `The code could not be sent by ${channel} (${result.reason}); try again later`,
      );
    }
    return c.json({
      channel,
      number: maskNumber(created.number),
      expires_at: created.expires_at.toISOString(),
    }, 202);
  });

  verifyApp.post("/verify/confirm", async (c) => {
    const { channel, code } = ConfirmBody.parse(await jsonBody(c.req.raw));
    const claims = c.get("claims");
    tenantOf(claims);
    const [{ outcome, attempts_left }] = await withClaims(
      sql,
      claims,
      (tx) =>
        tx<{ outcome: string; attempts_left: number }[]>`
          select * from public.confirm_phone_verification(${channel}, ${code})`,
    );
    switch (outcome) {
      case "verified":
        return c.json({ channel, verified: true });
      case "wrong_code":
        throw new ApiError(
          400,
          "verification_code_wrong",
          `Invalid code: it does not match the code sent by ${channel} (${attempts_left} tries left)`,
          { details: { attempts_left } },
        );
      case "expired":
        throw new ApiError(
          410,
          "verification_code_expired",
          "The code has expired; request a new one",
        );
      case "too_many_attempts":
        throw new ApiError(
          429,
          "verification_attempts_exceeded",
          "Too many wrong codes; request a new one",
        );
      case "number_changed":
        throw new ApiError(
          409,
          "verification_number_changed",
          `The ${channel} number changed after the code was sent; request a new code`,
        );
      default:
        throw new ApiError(
          404,
          "verification_not_requested",
          `No ${channel} code is pending; request one first`,
        );
    }
  });
}

/**
 * Sends verification texts through the dispatcher's channels (Twilio when configured, else the
 * local inbox). The message belongs to no delivery row.
 *
 * @example
 * ```ts
 * registerPhoneVerification(app, { sql, auth, send: verificationSender(createChannelSet({ config, sql })) });
 * ```
 */
export function verificationSender(channels: ChannelSet): SendVerificationText {
  return (message) => {
    const outbound: OutboundMessage = {
      channel: message.channel,
      to: message.to,
      text: message.text,
      tenantId: message.tenantId,
      userId: message.userId,
      // A code is not an alert: there is no delivery row (the inbox stores a null delivery_id).
      deliveryId: null as unknown as string,
      idempotencyKey: `verification/${message.verificationId}`,
    };
    return channels.channelFor(outbound).send(outbound, { signal: AbortSignal.timeout(10_000) });
  };
}
