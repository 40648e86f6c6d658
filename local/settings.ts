/**
 * @module
 * The local stack's settings, read from the environment in this one place.
 */

import { fileURLToPath } from "node:url";
import { StackError } from "./stack_error.ts";

/** Where the checkout lives (the folder holding deno.json). */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");

/** What the local stack needs to know, with Supabase CLI's ports as defaults. */
export interface LocalSettings {
  /** Port of the API gateway (`supabase start` uses 54321). */
  apiPort: number;
  /** Port of our private Postgres cluster (`supabase start` uses 54322). */
  dbPort: number;
  /** Git-ignored folder for the cluster and the per-install secrets. */
  dataDir: string;
  /** Folder holding PostgreSQL 15's server binaries. */
  pgBinDir: string;
  /** A database the user brings; when set we start no cluster of our own. */
  databaseUrl: string | undefined;
  /** Whether `start` loads demo data (supabase/seed.sql). */
  seedDemoData: boolean;
  /** Whether the demo tenant keeps selling (and restocking) while `start` runs. */
  demoActivity: boolean;
  /** How the Realtime gateway reads realtime.messages: LISTEN/NOTIFY or logical replication. */
  realtimeFeed: "notify" | "replication";
}

function port(env: Deno.Env, name: string, fallback: number): number {
  const raw = env.get(name);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new StackError(`${name}="${raw}" is not a port number (1-65535).`);
  }
  return value;
}

/**
 * Reads the settings from the environment.
 *
 * @example
 * ```ts
 * const { apiPort } = loadLocalSettings(); // 54321 unless SHELFWATCH_API_PORT says otherwise
 * ```
 */
export function loadLocalSettings(env: Deno.Env = Deno.env): LocalSettings {
  const databaseUrl = env.get("DATABASE_URL") || undefined;
  const realtimeFeed = env.get("SHELFWATCH_REALTIME_FEED") || "notify";
  if (realtimeFeed !== "notify" && realtimeFeed !== "replication") {
    throw new StackError(
      `SHELFWATCH_REALTIME_FEED="${realtimeFeed}" is not a Realtime feed: expected notify or replication.`,
    );
  }
  return {
    apiPort: port(env, "SHELFWATCH_API_PORT", 54321),
    dbPort: port(env, "SHELFWATCH_DB_PORT", 54322),
    dataDir: env.get("SHELFWATCH_DATA_DIR") || `${PROJECT_ROOT}/.data`,
    pgBinDir: env.get("SHELFWATCH_PG_BINDIR") || "/usr/lib/postgresql/15/bin",
    databaseUrl,
    seedDemoData: env.get("SHELFWATCH_SEED") !== "0",
    demoActivity: env.get("SHELFWATCH_DEMO_ACTIVITY") !== "0",
    realtimeFeed,
  };
}
