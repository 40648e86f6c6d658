/**
 * @module
 * The one helper that proves no secret leaks: given everything a run wrote (log lines, recorded
 * errors, API answers), it fails naming the first secret found in any of it.
 */

import assert from "node:assert/strict";

/**
 * @example
 * ```ts
 * assertNoSecrets({ logs, errors }, { resend: "re_live_key", slack: "/services/T/B/x" });
 * ```
 */
export function assertNoSecrets(
  outputs: Record<string, string[]>,
  secrets: Record<string, string>,
): void {
  for (const [where, texts] of Object.entries(outputs)) {
    for (const text of texts) {
      for (const [name, secret] of Object.entries(secrets)) {
        assert.ok(
          !text.includes(secret),
          `The ${name} secret leaked into ${where}: ${text.slice(0, 300)}`,
        );
      }
    }
  }
}
