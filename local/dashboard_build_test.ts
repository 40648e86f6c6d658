import assert from "node:assert/strict";
import { buildDashboard, configScript, exportDashboard } from "./dashboard_build.ts";

Deno.test("exportDashboard() writes static files with a hosted config.js and the bundle", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await exportDashboard(dir, { supabaseUrl: "https://abc.supabase.co", anonKey: "anon-key" });
    for (const file of ["index.html", "styles.css", "sw.js", "icon.svg", "dist/app.js"]) {
      assert.ok((await Deno.stat(`${dir}/${file}`)).size > 0, file);
    }
    const config = await Deno.readTextFile(`${dir}/config.js`);
    assert.equal(
      config,
      configScript({ supabaseUrl: "https://abc.supabase.co", anonKey: "anon-key" }, "hosted"),
    );
    const html = await Deno.readTextFile(`${dir}/index.html`);
    assert.match(html, /src="config\.js"/);
    assert.match(html, /src="dist\/app\.js"/);
    const bundle = await Deno.readTextFile(`${dir}/dist/app.js`);
    assert.doesNotMatch(bundle, /https:\/\/(cdn|unpkg|esm\.sh)/, "nothing loads from a CDN");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exportDashboard() refuses a missing URL or anon key by name", async () => {
  await assert.rejects(
    exportDashboard("/nonexistent", { supabaseUrl: "abc", anonKey: "k" }),
    /"abc" is not a URL/,
  );
  await assert.rejects(
    exportDashboard("/nonexistent", { supabaseUrl: "https://abc.supabase.co", anonKey: " " }),
    /anon key is empty/,
  );
});

Deno.test("buildDashboard() skips the bundle when it is newer than every source", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const outFile = `${dir}/app.js`;
    assert.equal(await buildDashboard({ outFile }), true);
    assert.equal(await buildDashboard({ outFile }), false);
    assert.equal(await buildDashboard({ outFile, force: true }), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
