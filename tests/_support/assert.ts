/**
 * @module
 * One addition to `node:assert`: a validator for `assert.throws` / `assert.rejects` that checks the
 * error's class and that its message contains a piece of text (node's own object form would need a
 * hand-escaped RegExp for every message with punctuation).
 */

/**
 * @example
 * ```ts
 * await assert.rejects(() => applyMigrations(sql, dir), errorLike(StackError, "was changed"));
 * ```
 */
// deno-lint-ignore no-explicit-any
export function errorLike(type: abstract new (...args: any[]) => Error, text = "") {
  return (error: unknown): true => {
    if (!(error instanceof type)) {
      throw new TypeError(`Expected a ${type.name}, got ${String(error)}`, { cause: error });
    }
    if (!error.message.includes(text)) {
      throw new TypeError(
        `Expected the ${type.name} message to contain "${text}", got "${error.message}"`,
        {
          cause: error,
        },
      );
    }
    return true;
  };
}
