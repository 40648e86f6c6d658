/**
 * @module
 * `deno task start`: Postgres (ours on 54322, or DATABASE_URL), migrations and demo data, then the
 * gateway on 54321; prints the URLs and keys like `supabase start` and runs until Ctrl-C.
 */

import { buildDashboard } from "./dashboard_build.ts";
import { openDatabase } from "./database.ts";
import { redactUrl } from "./database_url.ts";
import { DEMO_TENANT_ID, DEMO_USERS } from "./demo.ts";
import { startDemoActivity } from "./demo_activity.ts";
import { applySeed } from "./migrations.ts";
import { loadLocalSettings } from "./settings.ts";
import { runCommand } from "./stack_error.ts";
import { startStack } from "./stack.ts";
import { loadNotifyConfig } from "../functions/notify/notify_config.ts";
import { anonKey, loadOrCreateJwtSecret, serviceRoleKey, userToken } from "./tokens.ts";

const DEMO_TOKEN_LIFETIME = 24 * 3600;

async function main() {
  const settings = loadLocalSettings();
  const jwtSecret = await loadOrCreateJwtSecret(settings.dataDir);
  const database = await openDatabase(settings);
  let seeded = false;
  try {
    if (settings.seedDemoData) seeded = await applySeed(database.sql);
  } catch (error) {
    await database.close();
    throw error;
  }
  // The dashboard's bundle (web/dist/app.js); the API works without it, so a failure only warns.
  await buildDashboard().catch((error) => console.error(`shelfwatch: ${error.message}`));
  const stack = await startStack({
    databaseUrl: database.url,
    jwtSecret,
    port: settings.apiPort,
    notify: loadNotifyConfig(),
    dispatchWorker: true,
    realtimeFeed: settings.realtimeFeed,
  })
    .catch(async (error) => {
      await database.close();
      throw error;
    });

  const stopDemo = settings.seedDemoData && settings.demoActivity
    ? startDemoActivity(database.sql)
    : () => {};

  const lines = [
    "",
    "Shelfwatch is running.",
    "",
    `          API URL: ${stack.url}`,
    `        Dashboard: ${stack.url}/`,
    `    Functions URL: ${stack.url}/functions/v1`,
    `           Health: ${stack.url}/functions/v1/alerts/health`,
    `            Inbox: ${stack.url}/inbox (what would have been sent without provider keys)`,
    `           DB URL: ${
      redactUrl(database.url).replace(":***@", database.cluster ? ":postgres@" : ":***@")
    }`,
    `       JWT secret: ${jwtSecret}`,
    `         anon key: ${await anonKey(jwtSecret)}`,
    ` service_role key: ${await serviceRoleKey(jwtSecret)}`,
    "",
    `Migrations: ${database.report.applied.length} applied now, ${database.report.alreadyApplied} already applied.` +
    (seeded ? " Demo data loaded." : "") +
    (settings.seedDemoData && settings.demoActivity
      ? " The demo bakery keeps selling: watch the alerts move."
      : ""),
    `Demo tenant ${DEMO_TENANT_ID}; tokens valid 24 h (make more with 'deno task token'):`,
  ];
  for (const user of DEMO_USERS) {
    const token = await userToken(jwtSecret, {
      tenantId: DEMO_TENANT_ID,
      userId: user.id,
      email: user.email,
      expiresInSeconds: DEMO_TOKEN_LIFETIME,
    });
    lines.push(`  ${user.role.padEnd(8)} ${user.email}`, `           ${token}`);
  }
  lines.push("", "Press Ctrl-C to stop.");
  console.log(lines.join("\n"));

  const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
  Deno.addSignalListener("SIGINT", () => stop());
  Deno.addSignalListener("SIGTERM", () => stop());
  await stopped;
  console.error("\nshelfwatch: stopping ...");
  stopDemo();
  await stack.stop();
  await database.close();
  console.error(
    database.cluster?.startedByUs
      ? "shelfwatch: stopped (Postgres too; its data stays in place for the next start)."
      : "shelfwatch: stopped.",
  );
  Deno.exit(0);
}

await runCommand(main);
