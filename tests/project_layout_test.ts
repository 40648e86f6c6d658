/**
 * The project is laid out as the Supabase CLI expects: config.toml parses, every function is
 * declared and has its entry point, migrations are named as the CLI requires, and the links
 * that let `supabase db push` / `supabase test db` find sql/ are in place. Part of `deno task check`.
 */
import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { PROJECT_ROOT } from "../local/settings.ts";
import { MIGRATION_NAME, readMigrations } from "../local/migrations.ts";
import { SCHEMA_VERSION } from "../functions/_shared/schema_version.ts";

const root = PROJECT_ROOT;

interface SupabaseConfig {
  api: { port: number };
  db: { port: number; major_version: number };
  functions: Record<string, { verify_jwt?: boolean; import_map?: string; entrypoint?: string }>;
}

function readConfig(): SupabaseConfig {
  return parse(Deno.readTextFileSync(`${root}/supabase/config.toml`)) as unknown as SupabaseConfig;
}

Deno.test("supabase/config.toml parses and uses Postgres 15 on the CLI's ports", () => {
  const config = readConfig();
  assert.equal(config.db.major_version, 15);
  assert.equal(config.db.port, 54322);
  assert.equal(config.api.port, 54321);
});

Deno.test("every function folder is declared with verify_jwt = false and has its entry point", () => {
  const config = readConfig();
  const folders = [...Deno.readDirSync(`${root}/functions`)]
    .filter((entry) => entry.isDirectory && !entry.name.startsWith("_"))
    .map((entry) => entry.name)
    .sort();
  assert.deepEqual(Object.keys(config.functions).sort(), folders);
  for (const slug of folders) {
    assert.match(slug, /^[A-Za-z][A-Za-z0-9_-]*$/, "the CLI's slug rule");
    assert.equal(config.functions[slug].verify_jwt, false, slug);
    assert.ok(
      Deno.statSync(`${root}/supabase/${config.functions[slug].import_map}`).isFile,
      `${slug} import map`,
    );
    const wrapper = Deno.readTextFileSync(`${root}/supabase/functions/${slug}/index.ts`);
    assert.match(wrapper, new RegExp(`from "\\.\\./\\.\\./\\.\\./functions/${slug}/index\\.ts"`));
    const entry = Deno.readTextFileSync(`${root}/functions/${slug}/index.ts`);
    assert.match(
      entry,
      /export default \{ fetch: app\.fetch \}/,
      `${slug} entry works under deno serve and Supabase`,
    );
  }
});

Deno.test("every migration is named <timestamp>_<name>.sql and SCHEMA_VERSION is the newest", async () => {
  const names = [...Deno.readDirSync(`${root}/sql/migrations`)].map((entry) => entry.name);
  assert.ok(names.length > 0);
  for (const name of names) assert.match(name, MIGRATION_NAME);
  const files = await readMigrations();
  assert.equal(SCHEMA_VERSION, files.at(-1)!.version, "update functions/_shared/schema_version.ts");
});

Deno.test("supabase/migrations and supabase/tests lead to sql/", () => {
  assert.equal(
    Deno.realPathSync(`${root}/supabase/migrations`),
    Deno.realPathSync(`${root}/sql/migrations`),
  );
  assert.equal(Deno.realPathSync(`${root}/supabase/tests`), Deno.realPathSync(`${root}/sql/tests`));
  for (const entry of Deno.readDirSync(`${root}/sql/tests`)) {
    assert.match(entry.name, /^\d{3}_[a-z0-9_]+\.test\.sql$/, "pgTAP files are numbered by topic");
  }
});

Deno.test("every environment variable the code reads is documented in .env.example and the README", () => {
  const documented = Deno.readTextFileSync(`${root}/.env.example`);
  const readme = Deno.readTextFileSync(`${root}/README.md`);
  const internal = new Set([
    "SHELFWATCH_TEST_ADMIN_URL",
    "SHELFWATCH_TEST_TEMPLATE",
    "DENO_JOBS",
    "NO_COLOR",
  ]);
  const used = new Set<string>();
  for (const dir of ["local", "functions", "tests"]) {
    for (const file of walkTs(`${root}/${dir}`)) {
      const text = Deno.readTextFileSync(file);
      for (const match of text.matchAll(/env\.get\("([A-Z0-9_]+)"\)/g)) used.add(match[1]);
      for (const match of text.matchAll(/^\s+([A-Z][A-Z0-9_]+): z\./gm)) used.add(match[1]);
    }
  }
  assert.ok(used.size > 5);
  for (const name of used) {
    if (internal.has(name)) continue;
    assert.match(documented, new RegExp(`^#? ?${name}=`, "m"), `${name} missing from .env.example`);
    assert.match(
      readme,
      new RegExp(`\\| \`${name}\` +\\|`),
      `${name} missing from the README's table`,
    );
  }
});

function* walkTs(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walkTs(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

Deno.test("every pg_cron job a migration schedules is in private.schedule_shelfwatch_jobs()", async () => {
  const files = await readMigrations();
  const scheduled = new Set<string>();
  let newestList = "";
  for (const file of files) {
    const text = file.text;
    if (text.includes("function private.schedule_shelfwatch_jobs()")) newestList = text;
    for (const match of text.matchAll(/(?:schedule_job|cron\.schedule)\('(shelfwatch_[a-z_]+)'/g)) {
      scheduled.add(match[1]);
    }
  }
  assert.ok(scheduled.size > 5, "migrations schedule jobs");
  for (const job of scheduled) {
    assert.match(
      newestList,
      new RegExp(`\\['${job}'`),
      `${job} missing from schedule_shelfwatch_jobs()`,
    );
  }
});
