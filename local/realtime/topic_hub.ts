/**
 * @module
 * Who is subscribed to which topic in this gateway process, and fan-out. Public and private
 * channels of the same name are distinct (as on hosted): the hub key carries the privacy. A
 * broadcast is encoded once per serializer version, not once per subscriber.
 */

import { encodeText, encodeUserBroadcast, type Vsn } from "./codec.ts";

/** A broadcast about to be fanned out, encoded lazily and once per form. */
export class OutgoingBroadcast {
  #text = new Map<Vsn, string>();
  #binary: Uint8Array | undefined | null = null;

  /**
   * @param topic the full topic, `realtime:<name>`
   * @param payload `{type: "broadcast", event, payload, meta?}`
   * @param binaryOrigin whether it arrived as a binary frame (then 2.0.0 sockets get kind 4)
   */
  constructor(
    readonly topic: string,
    readonly payload: { type: "broadcast"; event: string; payload: unknown; meta?: object },
    readonly binaryOrigin = false,
  ) {}

  /** The frame for a socket speaking `vsn`. */
  frame(vsn: Vsn): string | Uint8Array {
    if (vsn === "2.0.0" && (this.binaryOrigin || this.payload.payload instanceof ArrayBuffer)) {
      if (this.#binary === null) {
        this.#binary = encodeUserBroadcast({
          topic: this.topic,
          event: this.payload.event,
          payload: this.payload.payload,
          meta: this.payload.meta as Record<string, unknown> | undefined,
        });
      }
      if (this.#binary) return this.#binary;
    }
    let text = this.#text.get(vsn);
    if (text === undefined) {
      text = encodeText(
        { joinRef: null, ref: null, topic: this.topic, event: "broadcast", payload: this.payload },
        vsn,
      );
      this.#text.set(vsn, text);
    }
    return text;
  }
}

/** A joined channel as the hub sees it. */
export interface Subscriber {
  /** Whether this subscriber may receive broadcasts (private: RLS read access). */
  readonly canReadBroadcast: boolean;
  deliver(message: OutgoingBroadcast): void;
}

/**
 * The hub key of a channel: `private:<name>` or `public:<name>`.
 *
 * @example
 * ```ts
 * hubKey("tenant:1:alerts", true); // "private:tenant:1:alerts"
 * ```
 */
export function hubKey(subtopic: string, isPrivate: boolean): string {
  return `${isPrivate ? "private" : "public"}:${subtopic}`;
}

/**
 * Topic subscriptions of one gateway.
 *
 * @example
 * ```ts
 * const hub = new TopicHub();
 * hub.subscribe(hubKey("room", false), channel);
 * hub.publish(hubKey("room", false), new OutgoingBroadcast("realtime:room", body));
 * ```
 */
export class TopicHub {
  #topics = new Map<string, Set<Subscriber>>();

  subscribe(key: string, subscriber: Subscriber): void {
    let set = this.#topics.get(key);
    if (!set) this.#topics.set(key, set = new Set());
    set.add(subscriber);
  }

  unsubscribe(key: string, subscriber: Subscriber): void {
    const set = this.#topics.get(key);
    if (!set) return;
    set.delete(subscriber);
    if (set.size === 0) this.#topics.delete(key);
  }

  /** Subscribers of `key` (for presence diffs). */
  subscribers(key: string): Iterable<Subscriber> {
    return this.#topics.get(key) ?? [];
  }

  /** Delivers to every authorised subscriber except `except`; returns how many got it. */
  publish(key: string, message: OutgoingBroadcast, except?: Subscriber): number {
    const set = this.#topics.get(key);
    if (!set) return 0;
    let delivered = 0;
    for (const subscriber of set) {
      if (subscriber === except || !subscriber.canReadBroadcast) continue;
      subscriber.deliver(message);
      delivered++;
    }
    return delivered;
  }
}
