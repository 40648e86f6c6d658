/**
 * @module
 * Twilio's request signature (`X-Twilio-Signature`): Base64(HMAC-SHA1(auth token, the full public
 * URL + every POST parameter's name and value, sorted by name)). Twilio signs the URL it called,
 * so the caller passes the configured public URL, never the one the request arrived at behind a
 * gateway.
 */

import { createHmac, timingSafeEqual } from "node:crypto";
import { ApiError } from "../_shared/errors.ts";

/**
 * Computes the signature Twilio sends for a form-encoded POST.
 *
 * @example
 * ```ts
 * twilioSignature("https://x.example.com/functions/v1/notify/callbacks/twilio", params, authToken);
 * ```
 */
export function twilioSignature(url: string, params: URLSearchParams, authToken: string): string {
  const keys = [...new Set(params.keys())].sort();
  let data = url;
  for (const key of keys) {
    for (const value of params.getAll(key).sort()) data += key + value;
  }
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

/**
 * Checks a signature in constant time.
 *
 * @example
 * ```ts
 * if (!verifyTwilioSignature({ url, params, signature, authToken })) throw new ApiError(401, ...);
 * ```
 */
export function verifyTwilioSignature(
  { url, params, signature, authToken }: {
    url: string;
    params: URLSearchParams;
    signature: string;
    authToken: string;
  },
): boolean {
  const expected = Buffer.from(twilioSignature(url, params, authToken));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What {@link readSignedTwilioForm} needs. */
export interface TwilioRequestOptions {
  /** `TWILIO_AUTH_TOKEN`; unset = Twilio requests cannot be checked and are refused (503). */
  authToken: string | undefined;
  /** `PUBLIC_URL`: the origin Twilio was told to call. */
  publicUrl: string;
}

/**
 * Reads a form-encoded Twilio request and checks its `X-Twilio-Signature` against the public URL
 * it was sent to (`<publicUrl>/functions/v1<path>?<query>`); throws a 401 {@link ApiError}
 * (`missing_signature` / `invalid_signature`) when it does not match, before anything is done.
 *
 * @example
 * ```ts
 * const params = await readSignedTwilioForm(c.req.raw, { authToken, publicUrl });
 * params.get("MessageStatus"); // "delivered"
 * ```
 */
export async function readSignedTwilioForm(
  request: Request,
  { authToken, publicUrl }: TwilioRequestOptions,
): Promise<URLSearchParams> {
  if (!authToken) {
    throw new ApiError(
      503,
      "callback_not_configured",
      "Twilio requests cannot be verified: TWILIO_AUTH_TOKEN is not set",
    );
  }
  const signature = request.headers.get("x-twilio-signature");
  if (!signature) {
    throw new ApiError(401, "missing_signature", "The X-Twilio-Signature header is required");
  }
  const params = new URLSearchParams(await request.text());
  const { pathname, search } = new URL(request.url);
  const url = `${publicUrl.replace(/\/+$/, "")}/functions/v1${pathname}${search}`;
  if (!verifyTwilioSignature({ url, params, signature, authToken })) {
    throw new ApiError(
      401,
      "invalid_signature",
      "The X-Twilio-Signature header does not match the request",
    );
  }
  return params;
}
