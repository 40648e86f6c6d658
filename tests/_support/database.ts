/**
 * @module
 * Throwaway databases for tests: each a copy of the migrated template, so every test file gets an
 * empty, fully migrated database of its own in milliseconds and files can run in parallel.
 */

import postgres from "postgres";
import { withDatabase } from "../../local/database_url.ts";
import { ensureCluster } from "../../local/postgres_cluster.ts";
import { loadLocalSettings } from "../../local/settings.ts";
import { prepareTemplate } from "./template.ts";

/** A database of one's own, dropped on dispose. */
export interface TestDatabase extends AsyncDisposable {
  name: string;
  url: string;
  /** A superuser pool (bypasses RLS): for arranging data and looking behind the API. */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

let server: Promise<{ adminUrl: string; template: string }> | undefined;

// tests/run.ts prepares the server and template once and hands them down through the
// environment; a test file run on its own (`deno test tests/x_test.ts`) prepares them itself.
function testServer() {
  server ??= (async () => {
    const adminUrl = Deno.env.get("SHELFWATCH_TEST_ADMIN_URL") ?? await defaultAdminUrl();
    const template = Deno.env.get("SHELFWATCH_TEST_TEMPLATE") ?? await prepareTemplate(adminUrl);
    return { adminUrl, template };
  })();
  return server;
}

async function defaultAdminUrl(): Promise<string> {
  const settings = loadLocalSettings();
  if (settings.databaseUrl) return settings.databaseUrl;
  const cluster = await ensureCluster({ ...settings, port: settings.dbPort });
  return cluster.url;
}

/** The admin URL of the test server (for tests that create databases of their own). */
export async function testAdminUrl(): Promise<string> {
  return (await testServer()).adminUrl;
}

/**
 * Creates a fresh migrated database, or with `blank` an empty one (for testing the migration
 * runner itself).
 *
 * @example
 * ```ts
 * await using db = await createTestDatabase();
 * await db.sql`select private.now()`;
 * ```
 */
export async function createTestDatabase({ blank = false } = {}): Promise<TestDatabase> {
  const server = await testServer();
  const adminUrl = server.adminUrl;
  const template = blank ? "template0" : server.template;
  const name = `shelfwatch_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`create database ${admin(name)} template ${admin(template)}`;
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const sql = postgres(url, { max: 5, onnotice: () => {} });
  const drop = async () => {
    await sql.end({ timeout: 1 });
    const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await dropper`drop database if exists ${dropper(name)} with (force)`;
    } finally {
      await dropper.end();
    }
  };
  return { name, url, sql, drop, [Symbol.asyncDispose]: drop };
}
