/**
 * @module
 * The fan-out benchmark's reference: a bare `Deno.serve` WebSocket server that answers every
 * `phx_join` with ok and sends one prepared text frame to every joined socket in a loop, with
 * no Postgres, no auth and no hub. Driven with the same subscriber processes and the same frame
 * size as the gateway, it is what this machine can do for the same number of sockets; the gateway's
 * fan-out is read beside it.
 */

import { encodeText } from "../../local/realtime/codec.ts";

/** A running bare server. */
export interface BareFanOutServer extends AsyncDisposable {
  /** Its http URL (any path upgrades). */
  url: string;
  /** Sends `frame` to every joined socket; returns how many. */
  broadcast(frame: string | Uint8Array): number;
}

/**
 * Starts the bare server on a free port of 127.0.0.1.
 *
 * @example
 * ```ts
 * await using bare = startBareFanOutServer();
 * bare.broadcast(frame);
 * ```
 */
export function startBareFanOutServer(): BareFanOutServer {
  const sockets = new Set<WebSocket>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = (event) => {
      const [joinRef, ref, topic, name] = JSON.parse(event.data as string);
      if (name !== "phx_join" && name !== "heartbeat") return;
      if (name === "phx_join") sockets.add(socket);
      socket.send(encodeText({
        joinRef,
        ref,
        topic,
        event: "phx_reply",
        payload: { status: "ok", response: {} },
      }, "2.0.0"));
    };
    socket.onclose = () => sockets.delete(socket);
    return response;
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    broadcast(frame) {
      for (const socket of sockets) socket.send(frame);
      return sockets.size;
    },
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.close();
      await server.shutdown();
    },
  };
}
