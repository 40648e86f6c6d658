/**
 * @module
 * Presence as Phoenix.Presence keeps it for one gateway process: per topic, per key, one meta per
 * tracking channel, each with a `phx_ref`. Track, update and untrack return the
 * `presence_diff` payload (`{joins, leaves}`) to send to the topic's subscribers.
 */

/** A presence meta as clients see it. */
export type PresenceMeta = Record<string, unknown> & { phx_ref: string; phx_ref_prev?: string };

/** `{key: {metas: [...]}}`, the shape of `presence_state` and of each side of a diff. */
export type PresenceMap = Record<string, { metas: PresenceMeta[] }>;

/** A `presence_diff` payload. */
export interface PresenceDiff {
  joins: PresenceMap;
  leaves: PresenceMap;
}

interface Entry {
  key: string;
  meta: PresenceMeta;
}

function newRef(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "").slice(0, 16);
}

function single(key: string, meta: PresenceMeta): PresenceMap {
  return { [key]: { metas: [meta] } };
}

/**
 * Presence of every topic of one gateway, keyed by the tracking owner (a joined channel).
 *
 * @example
 * ```ts
 * const presence = new PresenceRegistry();
 * const diff = presence.track("private:tenant:1:alerts", channel, "user-1", { alert_id: "a1" });
 * ```
 */
export class PresenceRegistry {
  #topics = new Map<string, Map<object, Entry>>();

  /** Starts or updates `owner`'s presence under `key`; returns the diff to broadcast. */
  track(topic: string, owner: object, key: string, fields: Record<string, unknown>): PresenceDiff {
    let entries = this.#topics.get(topic);
    if (!entries) this.#topics.set(topic, entries = new Map());
    const previous = entries.get(owner);
    const meta: PresenceMeta = { ...fields, phx_ref: newRef() };
    if (previous && previous.key === key) meta.phx_ref_prev = previous.meta.phx_ref;
    entries.set(owner, { key, meta });
    return {
      joins: single(key, meta),
      leaves: previous ? single(previous.key, previous.meta) : {},
    };
  }

  /** Ends `owner`'s presence on `topic`; `undefined` when it tracked nothing there. */
  untrack(topic: string, owner: object): PresenceDiff | undefined {
    const entries = this.#topics.get(topic);
    const previous = entries?.get(owner);
    if (!entries || !previous) return undefined;
    entries.delete(owner);
    if (entries.size === 0) this.#topics.delete(topic);
    return { joins: {}, leaves: single(previous.key, previous.meta) };
  }

  /** Everyone present on `topic`, for `presence_state`. */
  state(topic: string): PresenceMap {
    const state: PresenceMap = {};
    for (const { key, meta } of this.#topics.get(topic)?.values() ?? []) {
      (state[key] ??= { metas: [] }).metas.push(meta);
    }
    return state;
  }
}
