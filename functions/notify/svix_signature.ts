/**
 * @module
 * Svix webhook signatures, which Resend uses: `svix-signature` holds one or more space-separated
 * `v1,<base64>` entries, each Base64(HMAC-SHA256(secret, "<svix-id>.<svix-timestamp>.<body>"));
 * the secret is the base64 after `whsec_`.
 */

import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The `v1,...` signature for a message (what Svix sends; tests sign with it).
 *
 * @example
 * ```ts
 * svixSignature({ secret: "whsec_...", id: "msg_1", timestamp: "1700000000", body: "{}" });
 * ```
 */
export function svixSignature(
  { secret, id, timestamp, body }: { secret: string; id: string; timestamp: string; body: string },
): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const mac = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`, "utf8");
  return `v1,${mac.digest("base64")}`;
}

/**
 * Checks a `svix-signature` header (any of its `v1` entries may match), in constant time.
 *
 * @example
 * ```ts
 * verifySvixSignature({ secret, id, timestamp, body, signature: req.headers.get("svix-signature")! });
 * ```
 */
export function verifySvixSignature(
  { secret, id, timestamp, body, signature }: {
    secret: string;
    id: string;
    timestamp: string;
    body: string;
    signature: string;
  },
): boolean {
  const expected = Buffer.from(svixSignature({ secret, id, timestamp, body }).slice(3));
  return signature.split(" ").some((entry) => {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) return false;
    const given = Buffer.from(value);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
