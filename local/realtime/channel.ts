/**
 * @module
 * A joined channel: `phx_join` parsing (config echoed as hosted does), the join checks in hosted
 * order (limits, token, private-topic authorization), the policy cache per join, token refresh
 * (`access_token`) and token expiry.
 */

import { RealtimeTokenError, type TokenClaims } from "./access_token.ts";
import type { Vsn } from "./codec.ts";
import { LIMIT_REASONS } from "./limits.ts";
import type { RealtimeContext } from "./realtime_context.ts";
import {
  type Extension,
  readAccess,
  type TopicReadAccess,
  writeAccess,
} from "./topic_authorization.ts";
import { hubKey, type OutgoingBroadcast, type Subscriber } from "./topic_hub.ts";
import { parseReplay, readReplay, REPLAY_REASONS } from "./broadcast_replay.ts";
import { messageBroadcast, type MessageRow } from "./message_delivery.ts";

/** What a channel needs from its socket. */
export interface ChannelHost {
  readonly vsn: Vsn;
  /** The socket's token (the `apikey` it connected with). */
  readonly socketToken: string;
  readonly channelCount: number;
  send(frame: string | Uint8Array): void;
  /** Sends the `system` error, then `phx_close`, and forgets the channel. */
  shutdown(channel: Channel, message: string): void;
}

/** A `postgres_changes` binding as the client sent it, with the id the reply adds. */
export type PostgresChangesBinding = Record<string, unknown> & { id?: number };

/** The join config hosted Realtime reads (unknown keys ignored, bad values defaulted). */
export interface JoinConfig {
  self: boolean;
  ack: boolean;
  presenceEnabled: boolean;
  presenceKey: string;
  isPrivate: boolean;
  postgresChanges: PostgresChangesBinding[];
  /** `broadcast.replay` as sent (checked at join, see broadcast_replay.ts). */
  replay: unknown;
}

function object(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};
}

/**
 * Reads a `phx_join` payload's `config`.
 *
 * @example
 * ```ts
 * parseJoinConfig({ config: { private: true, broadcast: { self: true } } }).self; // true
 * ```
 */
export function parseJoinConfig(payload: unknown): JoinConfig {
  const config = object(object(payload).config);
  const broadcast = object(config.broadcast);
  const presence = object(config.presence);
  const key = typeof presence.key === "string" && presence.key !== ""
    ? presence.key
    : crypto.randomUUID();
  return {
    self: broadcast.self === true,
    ack: broadcast.ack === true,
    presenceEnabled: presence.enabled === true,
    presenceKey: key,
    isPrivate: config.private === true,
    postgresChanges: Array.isArray(config.postgres_changes)
      ? config.postgres_changes.map((binding) => ({ ...object(binding) }))
      : [],
    replay: broadcast.replay,
  };
}

// A stable integer per binding, as hosted's :erlang.phash2(params): equal bindings, equal ids.
function bindingId(binding: Record<string, unknown>): number {
  const text = JSON.stringify(
    Object.keys(binding).sort().map((key) => [key, binding[key]]),
  );
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % 134217728;
}

function tokenFromPayload(payload: unknown, socketToken: string): string {
  const { access_token: accessToken, user_token: userToken } = object(payload);
  for (const candidate of [accessToken, userToken]) {
    if (typeof candidate === "string" && candidate !== "" && !candidate.startsWith("sb_")) {
      return candidate;
    }
  }
  return socketToken;
}

/** A channel one socket has joined. */
export class Channel implements Subscriber {
  readonly hubKey: string;
  #writes = new Map<Extension, Promise<boolean>>();
  #expiry: ReturnType<typeof setTimeout> | undefined;
  /** Presence calls in the current window (hosted: per client). */
  presenceCalls: number[] = [];
  /** Ids of the messages the join replayed, until the feed brings them (then skipped). */
  replayedIds = new Set<string>();

  constructor(
    readonly context: RealtimeContext,
    readonly host: ChannelHost,
    readonly topic: string,
    readonly joinRef: string,
    readonly config: JoinConfig,
    public token: string,
    public claims: TokenClaims,
    public read: TopicReadAccess,
    /** The join's `postgres_changes` bindings with the ids the reply gave them. */
    readonly postgresChanges: (PostgresChangesBinding & { id: number })[] = [],
  ) {
    this.hubKey = hubKey(this.subtopic, config.isPrivate);
  }

  /** The topic without `realtime:`, as RLS policies and REST see it. */
  get subtopic(): string {
    return this.topic.replace(/^realtime:/, "");
  }

  get canReadBroadcast(): boolean {
    return !this.config.isPrivate || this.read.broadcast;
  }

  get canReadPresence(): boolean {
    return !this.config.isPrivate || this.read.presence;
  }

  deliver(message: OutgoingBroadcast): void {
    if (this.replayedIds.size > 0) {
      // what the join replayed and the feed then delivers live goes out once, as on hosted
      const id = (message.payload.meta as { id?: string } | undefined)?.id;
      if (id !== undefined && this.replayedIds.delete(id)) return;
    }
    this.host.send(message.frame(this.host.vsn));
  }

  /** Whether RLS lets this caller send `extension` messages; evaluated once per join/token. */
  mayWrite(extension: Extension): Promise<boolean> {
    if (!this.config.isPrivate) return Promise.resolve(true);
    let decision = this.#writes.get(extension);
    if (!decision) {
      decision = writeAccess(this.context.sql, {
        topic: this.subtopic,
        claims: this.claims,
        extension,
      }).catch((error) => {
        this.context.log("realtime write check failed", {
          topic: this.subtopic,
          error: String(error),
        });
        this.#writes.delete(extension);
        return false;
      });
      this.#writes.set(extension, decision);
    }
    return decision;
  }

  /** Closes the channel when the token expires (re-armed by {@link refreshToken}). */
  scheduleExpiry(): void {
    clearTimeout(this.#expiry);
    const ms = Math.min(this.claims.exp * 1000 - Date.now(), 2 ** 31 - 1);
    this.#expiry = setTimeout(() => {
      const ago = Math.max(0, Math.round(Date.now() / 1000 - this.claims.exp));
      this.host.shutdown(this, `Token has expired ${ago} seconds ago`);
    }, Math.max(0, ms));
  }

  /** Stops timers; called when the channel is left or closed. */
  dispose(): void {
    clearTimeout(this.#expiry);
  }

  /**
   * Handles an `access_token` message: `sb_` keys, an unchanged token or none are ignored;
   * otherwise the token is verified and RLS re-evaluated. No reply on success; a refused token
   * or lost read permission closes the channel with a `system` error.
   */
  async refreshToken(payload: unknown): Promise<void> {
    const token = object(payload).access_token;
    if (typeof token !== "string" || token === "" || token.startsWith("sb_")) return;
    if (token === this.token) return;
    let claims: TokenClaims;
    try {
      claims = await this.context.verifyToken(token);
    } catch (error) {
      if (!(error instanceof RealtimeTokenError)) throw error;
      this.host.shutdown(this, error.detail);
      return;
    }
    this.token = token;
    this.claims = claims;
    this.#writes.clear();
    if (this.config.isPrivate) {
      const read = await readAccess(this.context.sql, { topic: this.subtopic, claims });
      if (!read.broadcast && !read.presence) {
        this.host.shutdown(
          this,
          `You no longer have permission to read from this Channel topic: ${this.subtopic}`,
        );
        return;
      }
      this.read = read;
    }
    this.scheduleExpiry();
  }
}

/** A join that was refused, with hosted's reason. */
export class JoinRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "JoinRefused";
  }
}

/**
 * Runs hosted's join checks and returns the joined channel, the `ok` reply's response and the
 * broadcasts to replay (`config.broadcast.replay`).
 * Throws {@link JoinRefused} with the reason to put in the error reply.
 *
 * @example
 * ```ts
 * const { channel, response } = await joinChannel(context, session, { topic, joinRef, payload });
 * ```
 */
export async function joinChannel(
  context: RealtimeContext,
  host: ChannelHost,
  { topic, joinRef, payload }: { topic: string; joinRef: string; payload: unknown },
): Promise<{ channel: Channel; response: Record<string, unknown>; replayed: OutgoingBroadcast[] }> {
  const subtopic = topic.replace(/^realtime:/, "");
  if (subtopic === "") throw new JoinRefused("TopicNameRequired: You must provide a topic name");
  if (context.joins.add(1)) throw new JoinRefused(LIMIT_REASONS.tooManyJoins);
  if (host.channelCount >= context.limits.maxChannelsPerClient) {
    throw new JoinRefused(LIMIT_REASONS.tooManyChannels);
  }
  const config = parseJoinConfig(payload);
  const replay = parseReplay(config.replay, config.isPrivate);
  if (replay && "refused" in replay) throw new JoinRefused(replay.refused);
  const token = tokenFromPayload(payload, host.socketToken);
  let claims: TokenClaims;
  try {
    claims = await context.verifyToken(token);
  } catch (error) {
    if (error instanceof RealtimeTokenError) throw new JoinRefused(error.reason);
    throw error;
  }
  let read: TopicReadAccess = { broadcast: true, presence: true };
  if (config.isPrivate) {
    try {
      read = await readAccess(context.sql, { topic: subtopic, claims });
    } catch (error) {
      context.log("realtime read check failed", { topic: subtopic, error: String(error) });
      throw new JoinRefused(
        "UnableToSetPolicies: Failed to set policies for topic",
      );
    }
    if (!read.broadcast && !read.presence) {
      throw new JoinRefused(
        `Unauthorized: You do not have permissions to read from this Channel topic: ${subtopic}`,
      );
    }
  }
  let replayed: MessageRow[] = [];
  if (replay && read.broadcast) {
    try {
      replayed = await readReplay(context.sql, subtopic, replay);
    } catch (error) {
      context.log("realtime replay failed", { topic: subtopic, error: String(error) });
      throw new JoinRefused(REPLAY_REASONS.failed);
    }
  }
  const postgresChanges = config.postgresChanges.map((binding) => ({
    ...binding,
    id: bindingId(binding),
  }));
  const channel = new Channel(
    context,
    host,
    topic,
    joinRef,
    config,
    token,
    claims,
    read,
    postgresChanges,
  );
  for (const row of replayed) channel.replayedIds.add(row.id);
  return {
    channel,
    response: postgresChanges.length ? { postgres_changes: postgresChanges } : {},
    replayed: replayed.map((row) => messageBroadcast(row, true)),
  };
}
