/**
 * @module
 * One WebSocket as Phoenix serves it: heartbeats, one channel per topic, `phx_join` /
 * `phx_leave` / `phx_close` with the right refs, `access_token`, broadcast (text or binary kind
 * 3, with `self` and `ack`) and presence. Messages of one socket are handled in order.
 */

import { decodeFrame, encodeText, type Message, type Vsn } from "./codec.ts";
import { Channel, type ChannelHost, joinChannel, JoinRefused } from "./channel.ts";
import { LIMIT_REASONS, payloadTooLarge } from "./limits.ts";
import type { PresenceDiff } from "./presence.ts";
import type { RealtimeContext } from "./realtime_context.ts";
import { OutgoingBroadcast } from "./topic_hub.ts";
import { currentTurn } from "./event_loop_turn.ts";

/**
 * Bytes still buffered from earlier turns of the event loop after which a socket that does not
 * read is dropped. What was queued in the current turn is not counted: a burst (one feed batch of
 * 20,000 messages) is queued for every subscriber before any of it can be written, and must not
 * close the sockets that read.
 */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/**
 * Frames sent between two looks at `bufferedAmount`. Reading it is a call into the runtime, about
 * a quarter of what sending a frame costs; a fan-out to 10,000 sockets paid it 10,000 times. Looking
 * every 16th frame lets a socket that stopped reading overshoot the limit by 15 frames at most.
 */
const FRAMES_PER_BUFFER_CHECK = 16;

/**
 * Serves one upgraded WebSocket.
 *
 * @example
 * ```ts
 * const { socket, response } = Deno.upgradeWebSocket(request);
 * new SocketSession(context, socket, { vsn: "2.0.0", token: apikey });
 * return response;
 * ```
 */
export class SocketSession implements ChannelHost {
  readonly vsn: Vsn;
  readonly socketToken: string;
  #channels = new Map<string, Channel>();
  #framesSinceBufferCheck = 0;
  #turn = -1;
  #queuedThisTurn = 0;
  #queue: Promise<void> = Promise.resolve();
  /** When the client last sent anything (Phoenix closes idle sockets). */
  lastSeen = Date.now();

  constructor(
    readonly context: RealtimeContext,
    readonly socket: WebSocket,
    { vsn, token }: { vsn: Vsn; token: string },
  ) {
    this.vsn = vsn;
    this.socketToken = token;
    socket.binaryType = "arraybuffer";
    socket.onmessage = (event) => {
      this.lastSeen = Date.now();
      const data = event.data as string | ArrayBuffer;
      this.#queue = this.#queue.then(() => this.#receive(data)).catch((error) => {
        context.log("realtime message failed", { error: String(error) });
      });
    };
    socket.onclose = () => this.#closed();
    socket.onerror = () => {};
  }

  get channelCount(): number {
    return this.#channels.size;
  }

  send(frame: string | Uint8Array): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const turn = currentTurn();
    if (turn !== this.#turn) {
      this.#turn = turn;
      this.#queuedThisTurn = 0;
    }
    if (++this.#framesSinceBufferCheck >= FRAMES_PER_BUFFER_CHECK) {
      this.#framesSinceBufferCheck = 0;
      if (this.socket.bufferedAmount - this.#queuedThisTurn > MAX_BUFFERED_BYTES) {
        this.context.log("realtime socket too slow, closing");
        this.socket.close(1011, "slow consumer");
        return;
      }
    }
    this.socket.send(frame);
    // (a string's length undercounts its UTF-8 bytes only for non-ASCII text: a stricter check)
    this.#queuedThisTurn += typeof frame === "string" ? frame.length : frame.byteLength;
  }

  #push(message: Message): void {
    this.send(encodeText(message, this.vsn));
  }

  #reply(message: Message, status: "ok" | "error", response: Record<string, unknown> = {}) {
    this.#push({
      joinRef: message.joinRef,
      ref: message.ref,
      topic: message.topic,
      event: "phx_reply",
      payload: { status, response },
    });
  }

  #sendClose(channel: Channel): void {
    this.#push({
      joinRef: channel.joinRef,
      ref: channel.joinRef,
      topic: channel.topic,
      event: "phx_close",
      payload: {},
    });
  }

  shutdown(channel: Channel, message: string): void {
    if (this.#channels.get(channel.topic) !== channel) return;
    this.#push({
      joinRef: channel.joinRef,
      ref: null,
      topic: channel.topic,
      event: "system",
      payload: { extension: "system", status: "error", message, channel: channel.subtopic },
    });
    this.#sendClose(channel);
    this.#forget(channel);
  }

  /** Closes the socket (gateway shutdown or idle timeout). */
  close(code = 1000, reason = ""): void {
    try {
      this.socket.close(code, reason);
    } catch {
      // already closing
    }
    this.#closed();
  }

  #closed(): void {
    for (const channel of [...this.#channels.values()]) this.#forget(channel);
  }

  #forget(channel: Channel): void {
    if (this.#channels.get(channel.topic) !== channel) return;
    this.#channels.delete(channel.topic);
    channel.dispose();
    this.context.hub.unsubscribe(channel.hubKey, channel);
    this.context.changes.unsubscribe(channel);
    const diff = this.context.presence.untrack(channel.hubKey, channel);
    if (diff) this.#publishPresenceDiff(channel, diff);
  }

  async #receive(data: string | ArrayBuffer): Promise<void> {
    let message: Message;
    try {
      message = decodeFrame(data, this.vsn);
    } catch (error) {
      this.context.log("realtime frame refused", { error: String(error) });
      return;
    }
    if (message.topic === "phoenix" && message.event === "heartbeat") {
      this.#reply(message, "ok");
      return;
    }
    if (message.event === "phx_join") {
      await this.#join(message);
      return;
    }
    const channel = this.#channels.get(message.topic);
    if (!channel) {
      this.#reply(message, "error", { reason: "unmatched topic" });
      return;
    }
    switch (message.event) {
      case "phx_leave":
        this.#reply(message, "ok");
        this.#sendClose(channel);
        this.#forget(channel);
        return;
      case "access_token":
        await channel.refreshToken(message.payload);
        return;
      case "broadcast":
        await this.#broadcast(channel, message, data instanceof ArrayBuffer);
        return;
      case "presence":
        await this.#presence(channel, message);
        return;
      default:
        // hosted ignores events it does not know
        return;
    }
  }

  async #join(message: Message): Promise<void> {
    const joinRef = message.joinRef ?? message.ref ?? "";
    const previous = this.#channels.get(message.topic);
    if (previous) {
      // Phoenix: a duplicate join closes the old channel first
      this.#sendClose(previous);
      this.#forget(previous);
    }
    let joined;
    try {
      joined = await joinChannel(this.context, this, {
        topic: message.topic,
        joinRef,
        payload: message.payload,
      });
    } catch (error) {
      if (!(error instanceof JoinRefused)) throw error;
      this.#reply(message, "error", { reason: error.reason });
      return;
    }
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const { channel, response, replayed } = joined;
    this.#channels.set(channel.topic, channel);
    this.context.hub.subscribe(channel.hubKey, channel);
    channel.scheduleExpiry();
    this.#reply(message, "ok", response);
    for (const broadcast of replayed) this.send(broadcast.frame(this.vsn));
    this.context.events.add(replayed.length);
    if (channel.postgresChanges.length > 0) {
      const outcome = await this.context.changes.subscribe(channel, channel.postgresChanges);
      if (this.#channels.get(channel.topic) !== channel) {
        this.context.changes.unsubscribe(channel); // left or closed while subscribing
        return;
      }
      this.#push({
        joinRef,
        ref: null,
        topic: channel.topic,
        event: "system",
        payload: {
          extension: "postgres_changes",
          status: outcome.status,
          message: outcome.message,
          channel: channel.subtopic,
        },
      });
    }
    if (channel.config.presenceEnabled && channel.canReadPresence) {
      this.#push({
        joinRef,
        ref: null,
        topic: channel.topic,
        event: "presence_state",
        payload: this.context.presence.state(channel.hubKey),
      });
    }
  }

  #overEventLimit(channel: Channel): boolean {
    if (!this.context.events.add(1)) return false;
    this.shutdown(channel, LIMIT_REASONS.tooManyMessages);
    return true;
  }

  async #broadcast(channel: Channel, message: Message, binary: boolean): Promise<void> {
    if (this.#overEventLimit(channel)) return;
    const payload = message.payload as Record<string, unknown>;
    if (typeof payload?.event !== "string") return;
    if (payloadTooLarge(payload.payload, this.context.limits)) {
      this.#reply(message, "error", { error: LIMIT_REASONS.payloadTooLarge });
      return;
    }
    // A private broadcast RLS refuses is dropped without a reply, as hosted does.
    if (!(await channel.mayWrite("broadcast"))) return;
    const outgoing = new OutgoingBroadcast(
      channel.topic,
      { type: "broadcast", event: payload.event, payload: payload.payload ?? {} },
      binary,
    );
    const delivered = this.context.hub.publish(
      channel.hubKey,
      outgoing,
      channel.config.self ? undefined : channel,
    );
    this.context.events.add(delivered);
    if (channel.config.ack) this.#reply(message, "ok");
  }

  async #presence(channel: Channel, message: Message): Promise<void> {
    if (this.#overEventLimit(channel)) return;
    const { limits } = this.context;
    const now = Date.now();
    channel.presenceCalls = channel.presenceCalls.filter((at) =>
      now - at < limits.presenceWindowMs
    );
    if (channel.presenceCalls.length >= limits.presenceMaxCalls) {
      this.shutdown(channel, LIMIT_REASONS.presenceRate);
      return;
    }
    channel.presenceCalls.push(now);
    const payload = message.payload as Record<string, unknown>;
    if (!(await channel.mayWrite("presence"))) {
      this.#reply(message, "error");
      return;
    }
    let diff: PresenceDiff | undefined;
    if (payload?.event === "track") {
      const fields = payload.payload;
      if (fields === null || typeof fields !== "object" || Array.isArray(fields)) {
        this.#reply(message, "error", { reason: "Presence track payload must be a map" });
        return;
      }
      if (payloadTooLarge(fields, limits)) {
        this.shutdown(channel, "Track message size exceeded");
        return;
      }
      diff = this.context.presence.track(
        channel.hubKey,
        channel,
        channel.config.presenceKey,
        fields as Record<string, unknown>,
      );
    } else if (payload?.event === "untrack") {
      diff = this.context.presence.untrack(channel.hubKey, channel);
    } else {
      this.#reply(message, "error", { reason: "Unknown presence event" });
      return;
    }
    this.#reply(message, "ok");
    if (diff) this.#publishPresenceDiff(channel, diff);
  }

  #publishPresenceDiff(channel: Channel, diff: PresenceDiff): void {
    const frames = new Map<Vsn, string>();
    let delivered = 0;
    for (const subscriber of this.context.hub.subscribers(channel.hubKey)) {
      const other = subscriber as Channel;
      if (!other.canReadPresence) continue;
      let frame = frames.get(other.host.vsn);
      if (!frame) {
        // presence_diff goes out without refs, to every subscriber of the topic
        frame = encodeText(
          { joinRef: null, ref: null, topic: channel.topic, event: "presence_diff", payload: diff },
          other.host.vsn,
        );
        frames.set(other.host.vsn, frame);
      }
      other.host.send(frame);
      delivered++;
    }
    this.context.events.add(delivered);
  }
}
