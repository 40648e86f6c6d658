/**
 * @module
 * `deno task migrate`: applies the platform shim and pending migrations to the local cluster
 * (started for the purpose, and stopped again) or to DATABASE_URL, and says what it did.
 */

import { openDatabase } from "./database.ts";
import { loadLocalSettings } from "./settings.ts";
import { runCommand } from "./stack_error.ts";

await runCommand(async () => {
  const database = await openDatabase(loadLocalSettings());
  const { applied, alreadyApplied } = database.report;
  for (const name of applied) console.log(`applied ${name}`);
  console.log(`${applied.length} applied, ${alreadyApplied} already applied.`);
  await database.close();
});
