/**
 * @module
 * The migrated template every test database is copied from: platform shim + migrations + pgTAP,
 * built once per content (its name carries a hash of the SQL) and reused until the SQL changes.
 */

import { createHash } from "node:crypto";
import postgres from "postgres";
import { withDatabase } from "../../local/database_url.ts";
import { applyMigrations, applyPlatform, SQL_PATHS } from "../../local/migrations.ts";

async function sqlDigest(): Promise<string> {
  const hash = createHash("sha256");
  for (const dir of [SQL_PATHS.platform, SQL_PATHS.migrations]) {
    const names = [];
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.endsWith(".sql")) names.push(entry.name);
    }
    for (const name of names.sort()) {
      hash.update(name).update(await Deno.readFile(`${dir}/${name}`));
    }
  }
  return hash.digest("hex").slice(0, 12);
}

/**
 * Makes sure the template for the current SQL exists on the server at `adminUrl` and returns its
 * name. Safe to call from several processes at once.
 *
 * @example
 * ```ts
 * const template = await prepareTemplate("postgresql://postgres:postgres@127.0.0.1:54322/postgres");
 * ```
 */
export async function prepareTemplate(adminUrl: string): Promise<string> {
  const name = `shelfwatch_template_${await sqlDigest()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(7431002)`;
    const [found] = await admin`select 1 from pg_database where datname = ${name}`;
    if (found) return name;
    const building = `${name}_building`;
    await admin`drop database if exists ${admin(building)} with (force)`;
    await admin`create database ${admin(building)}`;
    const sql = postgres(withDatabase(adminUrl, building), { max: 2, onnotice: () => {} });
    try {
      await applyPlatform(sql);
      await applyMigrations(sql);
      await sql`create extension if not exists pgtap with schema extensions`;
    } finally {
      await sql.end();
    }
    await admin`alter database ${admin(building)} rename to ${admin(name)}`;
    await admin`alter database ${admin(name)} is_template true`;
    // Older templates belong to SQL that has since changed.
    const stale = await admin<{ datname: string }[]>`
      select datname from pg_database
      where datname like 'shelfwatch\_template\_%' and datname <> ${name} and datname not like '%\_building'`;
    for (const { datname } of stale) {
      await admin`alter database ${admin(datname)} is_template false`;
      await admin`drop database if exists ${admin(datname)} with (force)`;
    }
    return name;
  } finally {
    await admin`select pg_advisory_unlock(7431002)`.catch(() => {});
    await admin.end();
  }
}
