import assert from "node:assert/strict";
import { errorLike } from "../tests/_support/assert.ts";
import { createTestDatabase } from "../tests/_support/database.ts";
import { applyMigrations, applyPlatform, applySeed, readMigrations } from "./migrations.ts";
import { StackError } from "./stack_error.ts";

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "shelfwatch-migrations-" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

Deno.test("applyMigrations() applies in order and records them like the Supabase CLI", async () => {
  await using db = await createTestDatabase({ blank: true });
  const dir = await migrationsDir({
    "20260101000200_second.sql": "alter table public.things add column size int;",
    "20260101000100_first.sql":
      "-- things\ncreate table public.things (name text);\ncomment on table public.things is 'a; b';",
  });
  const report = await applyMigrations(db.sql, dir);
  assert.deepEqual(report, {
    applied: ["20260101000100_first.sql", "20260101000200_second.sql"],
    alreadyApplied: 0,
  });
  const ledger = await db
    .sql`select version, name, statements from supabase_migrations.schema_migrations order by version`;
  assert.deepEqual(ledger.map((row) => ({ ...row })), [
    {
      version: "20260101000100",
      name: "first",
      statements: [
        "-- things\ncreate table public.things (name text)",
        "comment on table public.things is 'a; b'",
      ],
    },
    {
      version: "20260101000200",
      name: "second",
      statements: ["alter table public.things add column size int"],
    },
  ]);
  assert.deepEqual(await applyMigrations(db.sql, dir), { applied: [], alreadyApplied: 2 });
});

Deno.test("applyMigrations() refuses a migration edited after it was applied, changing nothing", async () => {
  await using db = await createTestDatabase({ blank: true });
  const dir = await migrationsDir({
    "20260101000100_first.sql": "create table public.things (name text);",
  });
  await applyMigrations(db.sql, dir);
  await Deno.writeTextFile(
    `${dir}/20260101000100_first.sql`,
    "create table public.things (name text, sneaky int);",
  );
  await Deno.writeTextFile(`${dir}/20260101000200_next.sql`, "create table public.next (id int);");
  await assert.rejects(
    () => applyMigrations(db.sql, dir),
    errorLike(StackError, "Migration 20260101000100_first.sql was changed after it was applied"),
  );
  const [row] = await db.sql`select to_regclass('public.next') is null as untouched`;
  assert.ok(row.untouched, "no later migration may run after the refusal");
});

Deno.test("applyMigrations() rolls back a failing migration whole and names its file and line", async () => {
  await using db = await createTestDatabase({ blank: true });
  const dir = await migrationsDir({
    "20260101000100_good.sql": "create table public.good (id int);",
    "20260101000200_bad.sql":
      "create table public.half (id int);\n\nselect * from public.missing_table;",
  });
  await assert.rejects(
    () => applyMigrations(db.sql, dir),
    errorLike(
      StackError,
      'Migration 20260101000200_bad.sql failed and was rolled back: relation "public.missing_table" does not exist (line 3)',
    ),
  );
  const [row] = await db.sql`
    select to_regclass('public.good') is not null as good, to_regclass('public.half') is null as no_half,
           (select array_agg(version) from supabase_migrations.schema_migrations) as versions`;
  assert.deepEqual({ ...row }, { good: true, no_half: true, versions: ["20260101000100"] });
});

Deno.test("applyMigrations() refuses a database with a migration this checkout does not have", async () => {
  await using db = await createTestDatabase({ blank: true });
  await applyMigrations(db.sql, await migrationsDir({ "20260101000100_a.sql": "select 1;" }));
  await assert.rejects(
    async () => applyMigrations(db.sql, await migrationsDir({})),
    errorLike(StackError, "has migration 20260101000100_a applied, but"),
  );
});

Deno.test("readMigrations() refuses names the Supabase CLI would not take, and duplicate versions", async () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ "2026_first.sql": "" }, 'Migration file name "2026_first.sql" does not match'],
    [{ "20260101000100_First-Thing.sql": "" }, "does not match"],
    [
      { "20260101000100_a.sql": "", "20260101000100_b.sql": "" },
      "Two migrations share version 20260101000100",
    ],
  ];
  for (const [files, message] of cases) {
    const dir = await migrationsDir(files);
    await assert.rejects(() => readMigrations(dir), errorLike(StackError, message));
  }
});

Deno.test("applyPlatform() can run again and again without changing anything", async () => {
  await using db = await createTestDatabase({ blank: true });
  await applyPlatform(db.sql);
  const before = await db
    .sql`select count(*)::int as n from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                              where nspname in ('auth', 'realtime', 'vault', 'net')`;
  await applyPlatform(db.sql);
  const after = await db
    .sql`select count(*)::int as n from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                             where nspname in ('auth', 'realtime', 'vault', 'net')`;
  assert.deepEqual(after[0].n, before[0].n);
  const roles = await db
    .sql`select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role', 'authenticator') order by 1`;
  assert.deepEqual(roles.map((r) => r.rolname), [
    "anon",
    "authenticated",
    "authenticator",
    "service_role",
  ]);
});

Deno.test("applySeed() applies a seed once per content and records it like the Supabase CLI", async () => {
  await using db = await createTestDatabase({ blank: true });
  const dir = await Deno.makeTempDir();
  const seed = `${dir}/seed.sql`;
  await db.sql`create table public.seeded (n int)`;
  await Deno.writeTextFile(seed, "insert into public.seeded values (1);");
  assert.deepEqual(await applySeed(db.sql, seed), true);
  assert.deepEqual(await applySeed(db.sql, seed), false);
  await Deno.writeTextFile(seed, "insert into public.seeded values (2);");
  assert.deepEqual(await applySeed(db.sql, seed), true);
  assert.deepEqual((await db.sql`select array_agg(n order by n) as ns from public.seeded`)[0].ns, [
    1,
    2,
  ]);
  assert.deepEqual(
    (await db.sql`select count(*)::int as n from supabase_migrations.seed_files`)[0].n,
    1,
  );
});
