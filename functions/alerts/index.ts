/**
 * @module
 * Entry point of the `alerts` function, for hosted Supabase (`supabase functions deploy`) and
 * `deno serve`: configuration is read here, once, and passed down.
 */

import { loadFunctionConfig } from "../_shared/config.ts";
import { connectDatabase } from "../_shared/db.ts";
import { createAlertsApp } from "./app.ts";

const config = loadFunctionConfig();
const app = createAlertsApp({ config, sql: connectDatabase(config, "shelfwatch-alerts") });

export default { fetch: app.fetch } satisfies Deno.ServeDefaultExport;
