/**
 * @module
 * The one error the local stack's commands show to a person as it is: one sentence saying what
 * is wrong and what to do, never a stack trace.
 */

/**
 * A problem the user can fix (a port taken, a package missing, a migration edited).
 *
 * @example
 * ```ts
 * throw new StackError("Port 54322 is already in use by another program: stop it, or set DATABASE_URL.");
 * ```
 */
export class StackError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StackError";
  }
}

/**
 * Runs a command-line entry point: a {@link StackError} prints its sentence and exits 1; anything
 * else prints in full (it is a bug) and exits 1.
 */
export async function runCommand(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof StackError) {
      console.error(`shelfwatch: ${error.message}`);
    } else {
      console.error("shelfwatch: unexpected error (please report it):", error);
    }
    Deno.exit(1);
  }
}
