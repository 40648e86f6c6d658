/**
 * @module
 * The Phoenix wire format Supabase Realtime speaks, in both serializer versions: `1.0.0` (text
 * frames holding a JSON object) and `2.0.0` (text frames holding a JSON array
 * `[join_ref, ref, topic, event, payload]`, plus binary kind 3 for client broadcasts and kind 4
 * for server broadcasts). realtime-js decodes only binary kind 4, so every other server frame is
 * text.
 */

/** One protocol message, whatever the serializer. */
export interface Message {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

/** Serializer versions realtime-js can send in `?vsn=`. */
export type Vsn = "1.0.0" | "2.0.0";

/** The versions a socket may ask for. */
export const SUPPORTED_VSN: readonly Vsn[] = ["1.0.0", "2.0.0"];

const USER_BROADCAST_PUSH = 3;
const USER_BROADCAST = 4;
const BINARY_ENCODING = 0;
const JSON_ENCODING = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function refOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}

/**
 * Decodes a client frame. A binary kind-3 frame becomes the `broadcast` message realtime-js
 * would have sent as text under 1.0.0, its payload `{type, event, payload, meta?}`; a raw-binary
 * user payload stays an `ArrayBuffer`.
 *
 * @example
 * ```ts
 * decodeFrame('[null,"1","phoenix","heartbeat",{}]', "2.0.0").event; // "heartbeat"
 * ```
 */
export function decodeFrame(data: string | ArrayBuffer, vsn: Vsn): Message {
  if (typeof data !== "string") return decodeUserBroadcastPush(new Uint8Array(data));
  const parsed: unknown = JSON.parse(data);
  if (Array.isArray(parsed)) {
    const [joinRef, ref, topic, event, payload] = parsed;
    return checked({ joinRef: refOrNull(joinRef), ref: refOrNull(ref), topic, event, payload });
  }
  if (vsn === "1.0.0" && parsed !== null && typeof parsed === "object") {
    const object = parsed as Record<string, unknown>;
    return checked({
      joinRef: refOrNull(object.join_ref),
      ref: refOrNull(object.ref),
      topic: object.topic as string,
      event: object.event as string,
      payload: object.payload,
    });
  }
  throw new TypeError(`Cannot decode a ${vsn} frame: ${data.slice(0, 80)}`);
}

function checked(message: Message): Message {
  if (typeof message.topic !== "string" || typeof message.event !== "string") {
    throw new TypeError("Cannot decode a frame without a string topic and event");
  }
  if (message.payload === undefined || message.payload === null) message.payload = {};
  return message;
}

function decodeUserBroadcastPush(bytes: Uint8Array): Message {
  if (bytes.length < 7 || bytes[0] !== USER_BROADCAST_PUSH) {
    throw new TypeError(`Cannot decode a binary frame of kind ${bytes[0]}: only kind 3 is a push`);
  }
  const sizes = bytes.subarray(1, 6);
  const encoding = bytes[6];
  let offset = 7;
  const [joinRef, ref, topic, event, meta] = Array.from(sizes, (size) => {
    const text = decoder.decode(bytes.subarray(offset, offset + size));
    offset += size;
    return text;
  });
  const rest = bytes.slice(offset);
  const userPayload = encoding === JSON_ENCODING ? JSON.parse(decoder.decode(rest)) : rest.buffer;
  const payload: Record<string, unknown> = { type: "broadcast", event, payload: userPayload };
  if (meta) Object.assign(payload, JSON.parse(meta));
  return { joinRef: joinRef || null, ref: ref || null, topic, event: "broadcast", payload };
}

/**
 * Encodes a server message as a text frame in the socket's serializer version.
 *
 * @example
 * ```ts
 * encodeText({ joinRef: null, ref: "1", topic: "phoenix", event: "phx_reply",
 *   payload: { status: "ok", response: {} } }, "2.0.0");
 * // '[null,"1","phoenix","phx_reply",{"status":"ok","response":{}}]'
 * ```
 */
export function encodeText(message: Message, vsn: Vsn): string {
  const { joinRef, ref, topic, event, payload } = message;
  if (vsn === "2.0.0") return JSON.stringify([joinRef, ref, topic, event, payload]);
  return JSON.stringify({ join_ref: joinRef, ref, topic, event, payload });
}

/**
 * Encodes a broadcast as binary kind 4 (`USER_BROADCAST`), which realtime-js 2.0.0 turns into
 * `{type: "broadcast", event, payload, meta?}`. Used for broadcasts that arrived binary (kind 3).
 * Returns `undefined` when the topic or event is longer than a header byte can say.
 *
 * @example
 * ```ts
 * encodeUserBroadcast({ topic: "realtime:room", event: "move", payload: { x: 1 } });
 * ```
 */
export function encodeUserBroadcast(
  { topic, event, payload, meta }: {
    topic: string;
    event: string;
    payload: unknown;
    meta?: Record<string, unknown>;
  },
): Uint8Array | undefined {
  const topicBytes = encoder.encode(topic);
  const eventBytes = encoder.encode(event);
  const metaBytes = encoder.encode(meta ? JSON.stringify(meta) : "");
  if (topicBytes.length > 255 || eventBytes.length > 255 || metaBytes.length > 255) {
    return undefined;
  }
  const binary = payload instanceof ArrayBuffer;
  const body = binary ? new Uint8Array(payload) : encoder.encode(JSON.stringify(payload));
  const frame = new Uint8Array(
    5 + topicBytes.length + eventBytes.length + metaBytes.length + body.length,
  );
  frame.set([
    USER_BROADCAST,
    topicBytes.length,
    eventBytes.length,
    metaBytes.length,
    binary ? BINARY_ENCODING : JSON_ENCODING,
  ]);
  let offset = 5;
  for (const part of [topicBytes, eventBytes, metaBytes, body]) {
    frame.set(part, offset);
    offset += part.length;
  }
  return frame;
}
