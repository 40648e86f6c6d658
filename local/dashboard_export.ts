/**
 * @module
 * `deno task build:web --supabase-url <url> --anon-key <key> [--out <dir>]`: writes the dashboard
 * as static files for any web host (Supabase Storage, Netlify, an S3 bucket, nginx …), with a
 * `config.js` pointing at that Supabase project.
 */

import { parseArgs } from "node:util";
import { exportDashboard } from "./dashboard_build.ts";
import { runCommand, StackError } from "./stack_error.ts";

async function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "supabase-url": { type: "string" },
      "anon-key": { type: "string" },
      out: { type: "string", default: "dist-web" },
    },
  });
  const supabaseUrl = values["supabase-url"];
  const anonKey = values["anon-key"];
  if (!supabaseUrl || !anonKey) {
    throw new StackError(
      "Usage: deno task build:web --supabase-url https://<project>.supabase.co --anon-key <anon key> [--out dist-web]",
    );
  }
  await exportDashboard(values.out, { supabaseUrl, anonKey });
  console.log(`Dashboard written to ${values.out}/ (serve it as static files).`);
}

await runCommand(main);
