/**
 * @module
 * Applies the database the way the Supabase CLI would: the platform shim (local only, every
 * start), then `sql/migrations/<timestamp>_<name>.sql` in order, each in one transaction and
 * recorded in `supabase_migrations.schema_migrations`, then `supabase/seed.sql` once per content.
 * So `supabase db push --db-url ...` later sees the same migrations as already applied.
 */

import type postgres from "postgres";
import { createHash } from "node:crypto";
import { PROJECT_ROOT } from "./settings.ts";
import { StackError } from "./stack_error.ts";
import { splitStatements } from "./sql_statements.ts";

/** The Supabase CLI's file-name rule (pkg/migration/file.go), narrowed to its timestamp layout. */
export const MIGRATION_NAME = /^(\d{14})_([a-z0-9_]+)\.sql$/;

/** Where each part of the database lives in the checkout. */
export const SQL_PATHS = {
  platform: `${PROJECT_ROOT}/sql/platform`,
  migrations: `${PROJECT_ROOT}/sql/migrations`,
  seed: `${PROJECT_ROOT}/supabase/seed.sql`,
};

/** One migration file. */
export interface MigrationFile {
  version: string;
  name: string;
  fileName: string;
  text: string;
  statements: string[];
}

/** What a run did. */
export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

// The same ledger the Supabase CLI creates (pkg/migration/history.go).
const LEDGER_DDL = `
  create schema if not exists supabase_migrations;
  create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
  alter table supabase_migrations.schema_migrations add column if not exists statements text[];
  alter table supabase_migrations.schema_migrations add column if not exists name text;
  create table if not exists supabase_migrations.seed_files (path text not null primary key, hash text not null);
`;

// Serialises concurrent runners (two test processes building a template, or start + migrate).
const RUNNER_LOCK = 7_431_001;

async function sqlFilesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".sql")) names.push(entry.name);
  }
  return names.sort();
}

/**
 * Reads and checks every migration file in `dir`.
 *
 * @example
 * ```ts
 * const files = await readMigrations("sql/migrations");
 * files[0].version; // "20261122000100"
 * ```
 */
export async function readMigrations(dir = SQL_PATHS.migrations): Promise<MigrationFile[]> {
  const files: MigrationFile[] = [];
  for (const fileName of await sqlFilesIn(dir)) {
    const match = fileName.match(MIGRATION_NAME);
    if (!match) {
      throw new StackError(
        `Migration file name "${fileName}" does not match <YYYYMMDDHHMMSS>_<lowercase_name>.sql; rename it (the Supabase CLI would skip it).`,
      );
    }
    const text = await Deno.readTextFile(`${dir}/${fileName}`);
    files.push({
      version: match[1],
      name: match[2],
      fileName,
      text,
      statements: splitStatements(text),
    });
  }
  const versions = new Set<string>();
  for (const file of files) {
    if (versions.has(file.version)) {
      throw new StackError(
        `Two migrations share version ${file.version}; give one a new timestamp.`,
      );
    }
    versions.add(file.version);
  }
  return files;
}

function lineOf(text: string, position: unknown): string {
  const offset = Number(position);
  if (!Number.isFinite(offset) || offset <= 0) return "";
  return ` (line ${text.slice(0, offset).split("\n").length})`;
}

async function runFile(
  sql: postgres.ReservedSql,
  label: string,
  text: string,
  afterwards?: (tx: postgres.ReservedSql) => Promise<unknown>,
): Promise<void> {
  await sql.unsafe("begin");
  try {
    await sql.unsafe(text);
    if (afterwards) await afterwards(sql);
    await sql.unsafe("commit");
  } catch (error) {
    await sql.unsafe("rollback").catch(() => {});
    const pg = error as { message?: string; position?: unknown; code?: string };
    throw new StackError(
      `${label} failed and was rolled back: ${pg.message ?? error}${lineOf(text, pg.position)}.`,
      { cause: error },
    );
  }
}

/** Applies every platform-shim file; each is idempotent, so this runs on every start. */
export async function applyPlatform(sql: postgres.Sql, dir = SQL_PATHS.platform): Promise<void> {
  await withRunnerLock(sql, async (conn) => {
    for (const fileName of await sqlFilesIn(dir)) {
      const text = await Deno.readTextFile(`${dir}/${fileName}`);
      await runFile(conn, `Platform shim ${fileName}`, text);
    }
  });
}

/**
 * Applies pending migrations in order, refusing when an applied one has been edited since or
 * has gone missing.
 */
export async function applyMigrations(
  sql: postgres.Sql,
  dir = SQL_PATHS.migrations,
): Promise<MigrationReport> {
  const files = await readMigrations(dir);
  return await withRunnerLock(sql, async (conn) => {
    await conn.unsafe(LEDGER_DDL);
    const rows = await conn<
      { version: string; statements: string[] | null; name: string | null }[]
    >`
      select version, statements, name from supabase_migrations.schema_migrations order by version`;
    const applied = new Map(rows.map((row) => [row.version, row]));
    const known = new Set(files.map((file) => file.version));
    for (const row of rows) {
      if (!known.has(row.version)) {
        throw new StackError(
          `The database has migration ${row.version}_${
            row.name ?? "?"
          } applied, but ${dir} has no such file: restore the file, or point at a fresh database.`,
        );
      }
    }
    const report: MigrationReport = { applied: [], alreadyApplied: 0 };
    for (const file of files) {
      const done = applied.get(file.version);
      if (done) {
        if (JSON.stringify(done.statements ?? []) !== JSON.stringify(file.statements)) {
          throw new StackError(
            `Migration ${file.fileName} was changed after it was applied; migrations are append-only: undo the edit and put the change in a new migration.`,
          );
        }
        report.alreadyApplied++;
        continue;
      }
      await runFile(
        conn,
        `Migration ${file.fileName}`,
        file.text,
        (tx) =>
          tx`insert into supabase_migrations.schema_migrations (version, statements, name)
           values (${file.version}, ${file.statements}, ${file.name})`,
      );
      report.applied.push(file.fileName);
    }
    return report;
  });
}

/** Applies the seed file when its content has not been applied yet (it must be idempotent). */
export async function applySeed(sql: postgres.Sql, path = SQL_PATHS.seed): Promise<boolean> {
  const text = await Deno.readTextFile(path);
  const hash = createHash("sha256").update(text).digest("hex");
  const relative = path.startsWith(PROJECT_ROOT) ? path.slice(PROJECT_ROOT.length + 1) : path;
  return await withRunnerLock(sql, async (conn) => {
    await conn.unsafe(LEDGER_DDL);
    const [seen] =
      await conn`select hash from supabase_migrations.seed_files where path = ${relative}`;
    if (seen?.hash === hash) return false;
    await runFile(
      conn,
      `Seed ${relative}`,
      text,
      (tx) =>
        tx`insert into supabase_migrations.seed_files (path, hash) values (${relative}, ${hash})
         on conflict (path) do update set hash = excluded.hash`,
    );
    return true;
  });
}

/** Latest migration version in the checkout, the one `/health` expects the database to have. */
export async function latestMigrationVersion(dir = SQL_PATHS.migrations): Promise<string | null> {
  const files = await readMigrations(dir);
  return files.at(-1)?.version ?? null;
}

async function withRunnerLock<T>(
  sql: postgres.Sql,
  work: (conn: postgres.ReservedSql) => Promise<T>,
): Promise<T> {
  const conn = await sql.reserve();
  try {
    await conn`select pg_advisory_lock(${RUNNER_LOCK})`;
    try {
      return await work(conn);
    } finally {
      await conn`select pg_advisory_unlock(${RUNNER_LOCK})`;
    }
  } finally {
    conn.release();
  }
}
