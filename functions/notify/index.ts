/**
 * @module
 * Entry point of the `notify` function, for hosted Supabase (`supabase functions deploy`) and
 * `deno serve`: configuration is read here, once, and passed down.
 */

import { loadFunctionConfig } from "../_shared/config.ts";
import { connectDatabase } from "../_shared/db.ts";
import { createNotifyApp } from "./app.ts";
import { loadNotifyConfig } from "./notify_config.ts";

const config = loadFunctionConfig();
const notify = loadNotifyConfig();
const app = createNotifyApp({
  config,
  notify,
  sql: connectDatabase(config, "shelfwatch-notify"),
});

export default { fetch: app.fetch } satisfies Deno.ServeDefaultExport;
