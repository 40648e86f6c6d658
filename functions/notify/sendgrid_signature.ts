/**
 * @module
 * SendGrid's Event Webhook signature: ECDSA P-256 / SHA-256 over the timestamp header followed by
 * the raw body, sent base64 (DER) in `X-Twilio-Email-Event-Webhook-Signature` with the time in
 * `X-Twilio-Email-Event-Webhook-Timestamp`; verified with the webhook's public key as SendGrid
 * shows it (base64 DER, or PEM).
 */

import { createPublicKey, type KeyObject, verify } from "node:crypto";

/** Header with the signature. */
export const SENDGRID_SIGNATURE_HEADER = "x-twilio-email-event-webhook-signature";
/** Header with the signing time (epoch seconds). */
export const SENDGRID_TIMESTAMP_HEADER = "x-twilio-email-event-webhook-timestamp";

const keys = new Map<string, KeyObject>();

/**
 * Parses the webhook's public key (cached).
 *
 * @example
 * ```ts
 * sendgridPublicKey("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE...");
 * ```
 */
export function sendgridPublicKey(key: string): KeyObject {
  let parsed = keys.get(key);
  if (!parsed) {
    const trimmed = key.trim();
    parsed = trimmed.startsWith("-----BEGIN")
      ? createPublicKey(trimmed)
      : createPublicKey({ key: Buffer.from(trimmed, "base64"), format: "der", type: "spki" });
    keys.set(key, parsed);
  }
  return parsed;
}

/**
 * Checks an Event Webhook signature (not the timestamp's age; see `checkTimestamp`).
 *
 * @example
 * ```ts
 * verifySendgridSignature({ publicKey, timestamp, body, signature }); // true or false
 * ```
 */
export function verifySendgridSignature(
  { publicKey, timestamp, body, signature }: {
    publicKey: string;
    timestamp: string;
    body: Uint8Array;
    signature: string;
  },
): boolean {
  const data = Buffer.concat([Buffer.from(timestamp, "utf8"), Buffer.from(body)]);
  try {
    return verify("sha256", data, sendgridPublicKey(publicKey), Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}
