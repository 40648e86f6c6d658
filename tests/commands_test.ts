/**
 * The README's commands as a person runs them: `deno task start`, `deno task token` and the
 * bootstrap, spawned as real processes, including the ways they must refuse bad input.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { PROJECT_ROOT } from "../local/settings.ts";
import { DEMO_USERS } from "../local/demo.ts";
import { startStack } from "../local/stack.ts";
import { loadOrCreateJwtSecret } from "../local/tokens.ts";
import { createTestDatabase } from "./_support/database.ts";

const deno = Deno.execPath();

interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

async function runTask(args: string[], env: Record<string, string>): Promise<Finished> {
  const out = await new Deno.Command(deno, {
    args,
    env: { NO_COLOR: "1", ...env },
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** A temp folder the `postgres` OS user can reach (our cluster runs as that user under root). */
async function tempDataDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "shelfwatch-data-" });
  await Deno.chmod(dir, 0o755);
  return dir;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function assertOneClearSentence(result: Finished, expected: string) {
  assert.equal(result.code, 1, `expected exit 1, got ${result.code}: ${result.stderr}`);
  const lines = result.stderr.split("\n").filter((line) => line.startsWith("shelfwatch:"));
  assert.equal(lines.length, 1, result.stderr);
  assert.ok(lines[0].includes(expected), `"${lines[0]}" should contain "${expected}"`);
  assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace");
}

Deno.test("deno task token prints only a token, which the stack's alerts function accepts", async () => {
  const dataDir = await tempDataDir();
  await using db = await createTestDatabase();
  const stack = await startStack({
    databaseUrl: db.url,
    jwtSecret: await loadOrCreateJwtSecret(dataDir),
    port: 0,
    logger: { info() {}, error() {} },
  });
  try {
    const tenant = "33333333-3333-4333-8333-333333333333";
    const user = "44444444-4444-4444-8444-444444444444";
    await db.sql`insert into public.tenants (id, name) values (${tenant}, 'Token test')`;
    const env = { SHELFWATCH_DATA_DIR: dataDir, DATABASE_URL: db.url };
    const member = await runTask([
      "task",
      "--quiet",
      "token",
      "--tenant",
      tenant,
      "--user",
      user,
      "--role",
      "manager",
    ], env);
    assert.equal(member.code, 0, member.stderr);
    assert.match(
      member.stdout,
      /^[\w-]+\.[\w-]+\.[\w-]+\n$/,
      "stdout is the token and nothing else",
    );
    const me = await fetch(`${stack.url}/functions/v1/alerts/members/me`, {
      headers: { authorization: `Bearer ${member.stdout.trim()}` },
    });
    assert.equal(me.status, 200);
    assert.deepEqual(await me.json(), {
      user_id: user,
      tenant_id: tenant,
      database_role: "authenticated",
    });
    const [membership] = await db
      .sql`select role from public.tenant_members where user_id = ${user}`;
    assert.equal(
      membership?.role,
      "manager",
      "the token's user is a manager of the tenant in the local database",
    );

    const service = await runTask(["task", "--quiet", "token", "--service"], env);
    const asService = await fetch(`${stack.url}/functions/v1/alerts/members/me`, {
      headers: { authorization: `Bearer ${service.stdout.trim()}` },
    });
    assert.equal((await asService.json()).database_role, "service_role");

    const bad = await runTask(
      ["run", "-A", "local/token.ts", "--tenant", "nope", "--user", user],
      env,
    );
    assertOneClearSentence(bad, "--tenant must be a UUID");
    const badRole = await runTask([
      "run",
      "-A",
      "local/token.ts",
      "--tenant",
      tenant,
      "--user",
      user,
      "--role",
      "king",
    ], env);
    assertOneClearSentence(badRole, "--role must be one of viewer, staff, manager, owner");
  } finally {
    await stack.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("start refuses a broken DATABASE_URL in one sentence, without leaking its password", async () => {
  const dataDir = await tempDataDir();
  try {
    const env = { SHELFWATCH_DATA_DIR: dataDir, SHELFWATCH_API_PORT: String(freePort()) };
    const refused = await runTask(["run", "-A", "local/start.ts"], {
      ...env,
      DATABASE_URL: "postgresql://postgres:hunter2@127.0.0.1:1/nothing",
    });
    assertOneClearSentence(
      refused,
      "Cannot connect to DATABASE_URL (postgresql://postgres:***@127.0.0.1:1/nothing)",
    );
    assert.ok(!refused.stderr.includes("hunter2"));
    const garbled = await runTask(["run", "-A", "local/start.ts"], {
      ...env,
      DATABASE_URL: "not a url",
    });
    assertOneClearSentence(garbled, "DATABASE_URL is not a valid URL");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("start refuses a taken API port in one sentence and leaves nothing running", async () => {
  await using db = await createTestDatabase();
  const dataDir = await tempDataDir();
  const squatter = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (squatter.addr as Deno.NetAddr).port;
    const result = await runTask(["run", "-A", "local/start.ts"], {
      SHELFWATCH_DATA_DIR: dataDir,
      SHELFWATCH_API_PORT: String(port),
      DATABASE_URL: db.url,
    });
    assertOneClearSentence(result, `Port ${port} is already in use by another program`);
  } finally {
    squatter.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("start refuses a taken database port before creating any cluster", async () => {
  const dataDir = await tempDataDir();
  const squatter = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (squatter.addr as Deno.NetAddr).port;
    const result = await runTask(["run", "-A", "local/start.ts"], {
      SHELFWATCH_DATA_DIR: dataDir,
      SHELFWATCH_DB_PORT: String(port),
      SHELFWATCH_API_PORT: String(freePort()),
    });
    assertOneClearSentence(
      result,
      `Port ${port} is already in use by another program (not Shelfwatch's Postgres)`,
    );
    const left = [...Deno.readDirSync(dataDir)].map((entry) => entry.name).filter((name) =>
      name.startsWith("postgres")
    );
    assert.deepEqual(left, [], "no half-initialised cluster may be left behind");
  } finally {
    squatter.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("start explains what to install when PostgreSQL 15 is missing", async () => {
  const dataDir = await tempDataDir();
  try {
    const result = await runTask(["run", "-A", "local/start.ts"], {
      SHELFWATCH_DATA_DIR: dataDir,
      SHELFWATCH_PG_BINDIR: `${dataDir}/no-postgres-here/bin`,
    });
    assertOneClearSentence(result, "PostgreSQL 15 is not installed");
    assert.match(
      result.stderr,
      /apt-get install -y postgresql-15 postgresql-15-cron postgresql-15-pgtap/,
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("bootstrap tells a non-root user which apt packages to install", {
  ignore: Deno.uid() !== 0, // needs root to run the script as another user
}, async () => {
  const dir = await tempDataDir();
  try {
    await Deno.mkdir(`${dir}/bin`);
    await Deno.writeTextFile(`${dir}/bin/deno`, "#!/bin/sh\necho 'deno 2.9.6 (stand-in)'\n", {
      mode: 0o755,
    });
    await Deno.copyFile(`${PROJECT_ROOT}/local/bootstrap.sh`, `${dir}/bootstrap.sh`);
    await Deno.chmod(`${dir}/bootstrap.sh`, 0o644);
    const out = await new Deno.Command("/usr/sbin/runuser", {
      args: ["-u", "nobody", "--", "bash", "-c", `source ${dir}/bootstrap.sh`],
      env: {
        PATH: `${dir}/bin:/usr/bin:/bin`,
        SHELFWATCH_ROOT: dir,
        SHELFWATCH_PG_BINDIR: `${dir}/none/bin`,
      },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, stderr);
    assert.match(
      stderr,
      /^shelfwatch: PostgreSQL 15 with pg_cron and pgTAP is missing and installing it needs root: run 'sudo apt-get update && sudo apt-get install -y postgresql-15 postgresql-15-cron/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("start creates its own cluster with pg_cron, serves the API, stops on Ctrl-C and reuses the cluster", async () => {
  const dataDir = await tempDataDir();
  const dbPort = freePort();
  const env = {
    SHELFWATCH_DATA_DIR: dataDir,
    SHELFWATCH_DB_PORT: String(dbPort),
    SHELFWATCH_DEMO_ACTIVITY: "0", // keeps the demo alert count still while we look at it
    NO_COLOR: "1",
  };
  try {
    for (const round of ["first", "second"]) {
      const apiPort = freePort();
      const child = new Deno.Command(deno, {
        args: ["run", "-A", "local/start.ts"],
        env: { ...env, SHELFWATCH_API_PORT: String(apiPort) },
        cwd: PROJECT_ROOT,
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const stderrText = new Response(child.stderr).text();
      let banner = "";
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      while (!banner.includes("Press Ctrl-C to stop.")) {
        const { value, done } = await reader.read();
        if (done) break;
        banner += value;
      }
      if (!banner.includes("Press Ctrl-C to stop.")) {
        assert.fail(`start exited early: ${await stderrText}`);
      }
      assert.match(banner, new RegExp(`API URL: http://127.0.0.1:${apiPort}`), round);
      assert.match(
        banner,
        new RegExp(`DB URL: postgresql://postgres:postgres@127.0.0.1:${dbPort}/postgres`),
      );
      assert.match(banner, /anon key: eyJ/);

      const health = await fetch(`http://127.0.0.1:${apiPort}/functions/v1/alerts/health`);
      assert.equal(health.status, 200, round);
      assert.equal((await health.json()).status, "ok");
      const ownerToken = banner.split(
        "\n",
      )[banner.split("\n").findIndex((l) => l.includes(DEMO_USERS[0].email)) + 1].trim();
      const me = await fetch(`http://127.0.0.1:${apiPort}/functions/v1/alerts/members/me`, {
        headers: { authorization: `Bearer ${ownerToken}` },
      });
      assert.equal((await me.json()).user_id, DEMO_USERS[0].id, "the printed demo tokens work");

      const sql = postgres(`postgresql://postgres:postgres@127.0.0.1:${dbPort}/postgres`, {
        max: 1,
        onnotice: () => {},
      });
      const [settings] = await sql`
        select current_setting('shared_preload_libraries') as preload, current_setting('wal_level') as wal,
               (select extversion from pg_extension where extname = 'pg_cron') as cron,
               (select schedule from cron.job where jobname = 'shelfwatch_score_stockouts') as scoring,
               (select count(*)::int from public.alerts) as demo_alerts`;
      await sql.end();
      assert.deepEqual({ ...settings }, {
        preload: "pg_cron",
        wal: "logical",
        cron: "1.4-1",
        scoring: "* * * * *", // pg_cron 1.4 has no seconds schedules
        demo_alerts: 7, // the demo data is scored the moment it lands
      });

      child.kill("SIGINT");
      const status = await child.status;
      reader.releaseLock();
      const stderr = await stderrText;
      assert.equal(status.code, 0, stderr);
      assert.match(stderr, /stopped \(Postgres too/);
      assert.equal(
        stderr.includes("creating the local Postgres cluster"),
        round === "first",
        "the second start reuses the cluster",
      );
      await assert.rejects(
        () => Deno.connect({ hostname: "127.0.0.1", port: dbPort }),
        "Postgres is stopped",
      );
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
