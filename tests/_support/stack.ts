/**
 * @module
 * The whole local stack in-process for end-to-end tests: a fresh database and the gateway on a
 * free port, with its own JWT secret and keys.
 */

import { type RunningStack, type StackOptions, startStack } from "../../local/stack.ts";
import { serviceRoleKey, userToken, type UserTokenOptions } from "../../local/tokens.ts";
import { createLogger } from "../../functions/_shared/logging.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";

/** A running stack with its database and a way to mint tokens it accepts. */
export interface TestStack extends AsyncDisposable {
  url: string;
  db: TestDatabase;
  jwtSecret: string;
  stack: RunningStack;
  tokenFor(options: UserTokenOptions): Promise<string>;
  serviceToken(): Promise<string>;
  /** JSON log lines the functions wrote. */
  logs: string[];
}

/**
 * @example
 * ```ts
 * await using stack = await startTestStack();
 * const res = await fetch(`${stack.url}/functions/v1/alerts/health`);
 * ```
 */
export async function startTestStack(
  options: Pick<StackOptions, "notify" | "dispatchWorker" | "realtimeFeed" | "realtimeLimits"> = {},
): Promise<TestStack> {
  const db = await createTestDatabase();
  const jwtSecret = crypto.randomUUID() + crypto.randomUUID();
  const logs: string[] = [];
  const logger = createLogger("alerts", (line) => logs.push(line));
  const stack = await startStack({ databaseUrl: db.url, jwtSecret, port: 0, logger, ...options });
  const stop = async () => {
    await stack.stop();
    await db.drop();
  };
  return {
    url: stack.url,
    db,
    jwtSecret,
    stack,
    logs,
    tokenFor: (options) => userToken(jwtSecret, options),
    serviceToken: () => serviceRoleKey(jwtSecret),
    [Symbol.asyncDispose]: stop,
  };
}
