/**
 * @module
 * Entry point of the `notify` function, for hosted Supabase (`supabase functions deploy`) and
 * `deno serve`: configuration is read here, once, and passed down.
 */

import { loadFunctionConfig } from "../_shared/config.ts";
import { connectDatabase } from "../_shared/db.ts";
import { createNotifyApp } from "./app.ts";

const config = loadFunctionConfig();
const app = createNotifyApp({ config, sql: connectDatabase(config, "shelfwatch-notify") });

export default { fetch: app.fetch } satisfies Deno.ServeDefaultExport;
