/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * The live feed: one private Realtime channel `tenant:<id>:alerts` carrying every alert insert
 * and update as a Broadcast, plus Presence on the same channel (who is looking at which alert).
 * Works the same against hosted Supabase and the local gateway: it is plain supabase-js.
 */

import type { RealtimeChannel, SupabaseClient } from "@supabase/supabase-js";
import { createPresencePacer } from "./presence_pacer.ts";
import type { AlertChange } from "./types.ts";

/** The connection indicator's states. */
export type FeedStatus = "connecting" | "live" | "reconnecting" | "offline";

/** What one person announces on the channel. */
export interface PresenceMeta {
  user_id: string;
  name: string;
  /** The alert they have open, if any. */
  viewing: string | null;
}

/** Callbacks of {@link connectFeed}. */
export interface FeedOptions {
  tenantId: string;
  me: Omit<PresenceMeta, "viewing">;
  /** The member's current access token, set on Realtime before every join. */
  accessToken(): string;
  onChange(change: AlertChange): void;
  onStatus(status: FeedStatus): void;
  /** After the channel is joined again following a drop: refetch what may have been missed. */
  onResync(): void;
  onPresence(people: PresenceMeta[]): void;
}

/** A connected feed. */
export interface Feed {
  /** Announces which alert this tab has open (null: none). */
  viewing(alertId: string | null): void;
  close(): Promise<void>;
}

/**
 * The topic of a tenant's alert changes (as `private.alerts_topic()` makes it in SQL).
 *
 * @example
 * ```ts
 * alertsTopic("00000000-0000-4000-8000-00000000d3e0"); // "tenant:0000…d3e0:alerts"
 * ```
 */
export function alertsTopic(tenantId: string): string {
  return `tenant:${tenantId}:alerts`;
}

/** Waits before joining a failed channel afresh, by attempt (the last one repeats). */
const REJOIN_BACKOFF_MS = [1000, 2000, 5000, 10_000, 30_000];

/**
 * Joins the tenant's channel and reports changes, connection state and presence. Presence tracks
 * are paced under Realtime's limit ({@link createPresencePacer}); a channel that ends up closed,
 * refused or timed out (the server closes it on a limit, a token expiry, a permission change) is
 * joined again with backoff, and what was missed is refetched.
 *
 * @example
 * ```ts
 * const feed = connectFeed(supabase, {
 *   tenantId, me, accessToken, onChange, onStatus, onResync, onPresence,
 * });
 * feed.viewing(alert.id);
 * ```
 */
export function connectFeed(supabase: SupabaseClient, options: FeedOptions): Feed {
  const { tenantId, me, accessToken, onChange, onStatus, onResync, onPresence } = options;
  const presenceKey = `${me.user_id}:${crypto.randomUUID()}`;
  let channel: RealtimeChannel | undefined;
  let joinedBefore = false;
  let closed = false;
  let attempt = 0;
  let rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  const pacer = createPresencePacer<PresenceMeta>({
    send: (state) => void channel?.track(state).catch(() => {/* the next join tracks again */}),
  });
  pacer.set({ ...me, viewing: null });
  onStatus("connecting");

  async function join() {
    // The join must carry the member's token: without it Realtime sees only the anon key and
    // refuses the private channel.
    await supabase.realtime.setAuth(accessToken()).catch(() => {/* the join reports it */});
    if (closed) return;
    const current = supabase.channel(alertsTopic(tenantId), {
      config: { private: true, presence: { key: presenceKey } },
    });
    channel = current;
    current.on("broadcast", { event: "*" }, (message) => {
      const change = message.payload as AlertChange | undefined;
      if (change?.record?.id) onChange(change);
    });
    current.on("presence", { event: "sync" }, () => {
      const state = current.presenceState<PresenceMeta>();
      onPresence(
        Object.values(state).flat().map(({ user_id, name, viewing }) => ({
          user_id,
          name,
          viewing,
        })),
      );
    });
    current.subscribe((status) => {
      if (closed || channel !== current) return;
      if (status === "SUBSCRIBED") {
        attempt = 0;
        clearTimeout(rejoinTimer);
        rejoinTimer = undefined;
        onStatus("live");
        pacer.joined();
        if (joinedBefore) onResync();
        joinedBefore = true;
      } else {
        pacer.left();
        onStatus("reconnecting");
        rejoinLater(current);
      }
    });
  }

  // realtime-js rejoins an errored channel by itself while the socket is up, and every channel
  // when the socket comes back; a channel the server closed stays closed. So after the backoff:
  // leave a channel that is joined or joining alone, wait for the socket, else start afresh.
  function rejoinLater(failed: RealtimeChannel) {
    if (rejoinTimer !== undefined) return;
    const delay = REJOIN_BACKOFF_MS[Math.min(attempt++, REJOIN_BACKOFF_MS.length - 1)];
    rejoinTimer = setTimeout(async () => {
      rejoinTimer = undefined;
      if (closed || channel !== failed || failed.state === "joined") return;
      const socketDown = failed.state !== "closed" && !supabase.realtime.isConnected();
      if (failed.state === "joining" || socketDown) return rejoinLater(failed);
      channel = undefined;
      // Removed before the new one exists: realtime-js drops channels from its list by topic.
      await supabase.removeChannel(failed).catch(() => {});
      if (!closed) await join();
    }, delay);
  }

  void join();
  const goOffline = () => onStatus("reconnecting");
  addEventListener("offline", goOffline);

  return {
    viewing(alertId) {
      pacer.set({ ...me, viewing: alertId });
    },
    async close() {
      closed = true;
      clearTimeout(rejoinTimer);
      pacer.stop();
      removeEventListener("offline", goOffline);
      if (channel) await supabase.removeChannel(channel);
    },
  };
}
