/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * The live feed: one private Realtime channel `tenant:<id>:alerts` carrying every alert insert
 * and update as a Broadcast, plus Presence on the same channel (who is looking at which alert).
 * Works the same against hosted Supabase and the local gateway: it is plain supabase-js.
 */

import type { RealtimeChannel, SupabaseClient } from "@supabase/supabase-js";
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

/**
 * Joins the tenant's channel and reports changes, connection state and presence.
 *
 * @example
 * ```ts
 * const feed = connectFeed(supabase, { tenantId, me, onChange, onStatus, onResync, onPresence });
 * feed.viewing(alert.id);
 * ```
 */
export function connectFeed(supabase: SupabaseClient, options: FeedOptions): Feed {
  const { tenantId, me, onChange, onStatus, onResync, onPresence } = options;
  let joinedBefore = false;
  let viewing: string | null = null;
  options.onStatus("connecting");

  const channel: RealtimeChannel = supabase.channel(alertsTopic(tenantId), {
    config: { private: true, presence: { key: `${me.user_id}:${crypto.randomUUID()}` } },
  });
  channel.on("broadcast", { event: "*" }, (message) => {
    const change = message.payload as AlertChange | undefined;
    if (change?.record?.id) onChange(change);
  });
  channel.on("presence", { event: "sync" }, () => {
    const state = channel.presenceState<PresenceMeta>();
    onPresence(
      Object.values(state).flat().map(({ user_id, name, viewing }) => ({
        user_id,
        name,
        viewing,
      })),
    );
  });
  channel.subscribe((status) => {
    if (status === "SUBSCRIBED") {
      onStatus("live");
      void channel.track({ ...me, viewing });
      if (joinedBefore) onResync();
      joinedBefore = true;
    } else if (status === "CLOSED") {
      onStatus("offline");
    } else {
      onStatus("reconnecting");
    }
  });
  const goOffline = () => onStatus("reconnecting");
  addEventListener("offline", goOffline);

  return {
    viewing(alertId) {
      viewing = alertId;
      if (joinedBefore) void channel.track({ ...me, viewing });
    },
    async close() {
      removeEventListener("offline", goOffline);
      await supabase.removeChannel(channel);
    },
  };
}
