/**
 * @module
 * A world for the Realtime gateway tests: the stack in-process on a fresh database, two tenants
 * with one member each, real supabase-js clients speaking either serializer version, and small
 * waiting helpers bounded in time (they fail a test instead of hanging it).
 */

import { createClient, type RealtimeChannel, type SupabaseClient } from "@supabase/supabase-js";
import { startTestStack, type TestStack } from "../_support/stack.ts";
import { anonKey } from "../../local/tokens.ts";

/** The tenant the tests act in, and another whose topic must stay closed. */
export const TENANT = "e0000000-0000-4000-8000-000000000001";
export const OTHER_TENANT = "f0000000-0000-4000-8000-000000000002";
export const MEMBER = "e1000000-0000-4000-8000-000000000001";
export const OTHER_MEMBER = "f1000000-0000-4000-8000-000000000001";

/** The private alerts topic of a tenant, as the migrations name it. */
export function alertsTopic(tenantId: string): string {
  return `tenant:${tenantId}:alerts`;
}

/** Serializer versions the tests run in. */
export const VERSIONS = ["1.0.0", "2.0.0"] as const;

/** A stack with tenants and a client factory. */
export interface RealtimeWorld extends AsyncDisposable {
  stack: TestStack;
  anon: string;
  /**
   * A supabase-js client for the stack (anon key), with the access token of `userId` in
   * `tenantId` if given; {@link RealtimeWorld.useToken} changes what its `accessToken` returns.
   */
  client(
    options: { vsn: string; tenantId?: string; userId?: string; expiresInSeconds?: number },
  ): Promise<SupabaseClient>;
  /** Makes `supabase`'s accessToken callback return `token` and pushes it (`setAuth()`). */
  useToken(supabase: SupabaseClient, token: string): Promise<void>;
  /** A raw Phoenix socket (no supabase-js) for looking at frames. */
  raw(options: { vsn?: string; apikey?: string }): Promise<RawSocket>;
  /** Inserts an alert as the system (the triggers broadcast it); returns its id. */
  raise(tenantId: string, title: string): Promise<string>;
}

/**
 * @example
 * ```ts
 * await using world = await startRealtimeWorld();
 * const supabase = await world.client({ vsn: "2.0.0", tenantId: TENANT, userId: MEMBER });
 * ```
 */
export async function startRealtimeWorld(
  options: Parameters<typeof startTestStack>[0] = {},
): Promise<RealtimeWorld> {
  const stack = await startTestStack(options);
  const sql = stack.db.sql;
  await sql`insert into public.tenants (id, name) values (${TENANT}, 'Realtime A'), (${OTHER_TENANT}, 'Realtime B')`;
  await sql`insert into public.tenant_members (tenant_id, user_id, role)
            values (${TENANT}, ${MEMBER}, 'viewer'), (${OTHER_TENANT}, ${OTHER_MEMBER}, 'viewer')`;
  const anon = await anonKey(stack.jwtSecret);
  const clients: SupabaseClient[] = [];
  const tokens = new Map<SupabaseClient, { token: string | undefined }>();
  const raws: RawSocket[] = [];
  return {
    stack,
    anon,
    async client({ vsn, tenantId, userId, expiresInSeconds }) {
      const token = tenantId && userId
        ? await stack.tokenFor({ tenantId, userId, expiresInSeconds })
        : undefined;
      const holder = { token };
      const supabase = createClient(stack.url, anon, {
        auth: { persistSession: false, autoRefreshToken: false },
        realtime: { vsn } as Record<string, unknown>,
        accessToken: () => Promise.resolve(holder.token ?? anon),
      });
      clients.push(supabase);
      tokens.set(supabase, holder);
      return supabase;
    },
    async useToken(supabase, token) {
      tokens.get(supabase)!.token = token;
      await supabase.realtime.setAuth();
    },
    async raw({ vsn, apikey = anon }) {
      const socket = await openRawSocket(stack.url, { vsn, apikey });
      raws.push(socket);
      return socket;
    },
    async raise(tenantId, title) {
      const [{ id }] = await sql<{ id: string }[]>`
        insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key)
        values (${tenantId}, 'stockout_risk', 'high', ${title}, ${crypto.randomUUID()})
        returning id`;
      return id;
    },
    async [Symbol.asyncDispose]() {
      for (const supabase of clients) await supabase.removeAllChannels();
      for (const supabase of clients) supabase.realtime.disconnect();
      for (const socket of raws) socket.close();
      await stack[Symbol.asyncDispose]();
    },
  };
}

/**
 * Resolves with what `check` returns once it is truthy; rejects after `ms`.
 *
 * @example
 * ```ts
 * await eventually(() => received.length === 1, "the alert arrives");
 * ```
 */
export async function eventually<T>(check: () => T, what: string, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`Timed out waiting until ${what}`);
}

/**
 * Subscribes and resolves with the first status other than pending (`SUBSCRIBED`,
 * `CHANNEL_ERROR`, `TIMED_OUT`, `CLOSED`) and the error, if any.
 *
 * @example
 * ```ts
 * const { status } = await subscribed(channel);
 * ```
 */
export function subscribed(
  channel: RealtimeChannel,
): Promise<{ status: string; error?: Error }> {
  return new Promise((resolve) => {
    channel.subscribe((status, error) => resolve({ status, error }));
  });
}

/** A Phoenix socket driven by hand, recording every frame it receives (decoded). */
export interface RawSocket {
  /** Frames received so far: text frames parsed (array or object), binary as Uint8Array. */
  frames: unknown[];
  send(frame: unknown): void;
  /** Waits for a received frame matching `match` (any frame received so far counts). */
  next(match: (frame: unknown) => boolean, what: string): Promise<unknown>;
  close(): void;
}

/**
 * Opens a raw socket to the gateway.
 *
 * @example
 * ```ts
 * const socket = await openRawSocket(stack.url, { vsn: "2.0.0", apikey: anon });
 * socket.send([null, "1", "phoenix", "heartbeat", {}]);
 * ```
 */
export async function openRawSocket(
  baseUrl: string,
  { vsn, apikey }: { vsn?: string; apikey: string },
): Promise<RawSocket> {
  const url = new URL("/realtime/v1/websocket", baseUrl.replace(/^http/, "ws"));
  url.searchParams.set("apikey", apikey);
  if (vsn) url.searchParams.set("vsn", vsn);
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const frames: unknown[] = [];
  ws.onmessage = (event) => {
    frames.push(
      typeof event.data === "string" ? JSON.parse(event.data) : new Uint8Array(event.data),
    );
  };
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`Cannot open ${url.pathname}`));
  });
  return {
    frames,
    send(frame) {
      ws.send(frame instanceof Uint8Array ? frame : JSON.stringify(frame));
    },
    next(match, what) {
      return eventually(() => frames.find(match), what);
    },
    close() {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
    },
  };
}

/** A message as supabase-js hands it to a callback (loosely typed: tests look inside). */
// deno-lint-ignore no-explicit-any
export type Received = Record<string, any>;
