/**
 * @module
 * The state one gateway process shares between its sockets: the database pool used for
 * authorization, the token verifier, the topic hub, presence and the tenant's rate counters.
 */

import type postgres from "postgres";
import { createTokenVerifier, type TokenVerifier } from "./access_token.ts";
import { DEFAULT_LIMITS, RateCounter, type RealtimeLimits } from "./limits.ts";
import { PostgresChanges } from "./postgres_changes.ts";
import { PresenceRegistry } from "./presence.ts";
import { TopicHub } from "./topic_hub.ts";

/** Shared state of one gateway. */
export interface RealtimeContext {
  /** A superuser pool: authorization probes and message reads. */
  sql: postgres.Sql;
  verifyToken: TokenVerifier;
  hub: TopicHub;
  presence: PresenceRegistry;
  /** Postgres Changes subscriptions and their WAL stream (started on first use). */
  changes: PostgresChanges;
  limits: RealtimeLimits;
  /** Events sent by or delivered to clients (hosted `tenant_events`). */
  events: RateCounter;
  joins: RateCounter;
  /** Open sockets. */
  connections: { count: number };
  /** Diagnostic log (quiet in tests). */
  log(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Builds the shared state.
 *
 * @example
 * ```ts
 * const context = createRealtimeContext({ sql, databaseUrl, jwtSecret, limits: { maxEventsPerSecond: 10_000 } });
 * ```
 */
export function createRealtimeContext(
  { sql, databaseUrl, jwtSecret, limits = {}, log = () => {} }: {
    sql: postgres.Sql;
    /** For the replication connection of Postgres Changes. */
    databaseUrl: string;
    jwtSecret: string;
    limits?: Partial<RealtimeLimits>;
    log?: RealtimeContext["log"];
  },
): RealtimeContext {
  const merged = { ...DEFAULT_LIMITS, ...limits };
  const events = new RateCounter(merged.maxEventsPerSecond);
  return {
    sql,
    verifyToken: createTokenVerifier(jwtSecret),
    hub: new TopicHub(),
    presence: new PresenceRegistry(),
    changes: new PostgresChanges({ sql, events, log }, databaseUrl),
    limits: merged,
    events,
    joins: new RateCounter(merged.maxJoinsPerSecond),
    connections: { count: 0 },
    log,
  };
}
