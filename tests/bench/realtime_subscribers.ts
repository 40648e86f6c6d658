/**
 * @module
 * The subscriber side of the Realtime benchmark, run as its own process so the gateway's process
 * only serves: `count` raw Phoenix sockets (or one supabase-js client) join a private topic and
 * record when each broadcast arrived (`performance.timeOrigin + performance.now()`, comparable
 * across processes); a supabase-js client may key alerts by item instead of title (`byItem`).
 * Speaks line by line on stdio: prints `ready <ms>` once every socket has joined and `done <key>`
 * when every subscriber has a message; `report` on stdin prints the arrival times as JSON and
 * exits.
 *
 *   deno run -A tests/bench/realtime_subscribers.ts '{"url":…,"apikey":…,"token":…,"topic":…,"count":1000,"mode":"raw"}'
 */

import { createClient } from "@supabase/supabase-js";
import type { SubscriberOptions } from "./subscriber_process.ts";

const options: SubscriberOptions = JSON.parse(Deno.args[0]);
const now = () => performance.timeOrigin + performance.now();
const arrivals = new Map<string, number[]>();
const encoder = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(encoder.encode(`${line}\n`));
const titleKey = new RegExp(`"title":"${options.prefix}-(\\d+)"`);

function arrived(key: string, at: number, complete: number): void {
  let list = arrivals.get(key);
  if (!list) arrivals.set(key, list = []);
  list.push(at);
  if (list.length === complete) say(`done ${key}`);
}

async function openRaw(index: number): Promise<WebSocket> {
  const url = new URL("/realtime/v1/websocket", options.url.replace(/^http/, "ws"));
  url.searchParams.set("apikey", options.apikey);
  url.searchParams.set("vsn", "2.0.0");
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`socket ${index} failed to open`));
  });
  const joined = new Promise<void>((resolve, reject) => {
    ws.onmessage = (event) => {
      const at = now();
      const text = event.data as string;
      if (text.includes('"phx_reply"') && text.startsWith('["1","1"')) {
        if (text.includes('"status":"ok"')) resolve();
        else reject(new Error(`join ${index} refused: ${text}`));
        return;
      }
      const match = titleKey.exec(text);
      if (match) arrived(match[1], at, options.count);
    };
  });
  ws.send(JSON.stringify([
    "1",
    "1",
    `realtime:${options.topic}`,
    "phx_join",
    { config: { private: true }, access_token: options.token },
  ]));
  await joined;
  return ws;
}

async function runRaw(): Promise<() => void> {
  const sockets: WebSocket[] = [];
  let next = 0;
  const worker = async () => {
    while (next < options.count) sockets.push(await openRaw(next++));
  };
  await Promise.all(Array.from({ length: 100 }, worker));
  // heartbeats, as supabase-js sends them every 25 s (the gateway closes sockets idle for 60 s)
  let ref = 1000;
  const beat = setInterval(() => {
    for (const ws of sockets) {
      ws.send(JSON.stringify([null, `${ref++}`, "phoenix", "heartbeat", {}]));
    }
  }, 20_000);
  return () => {
    clearInterval(beat);
    for (const ws of sockets) ws.close();
  };
}

async function runSupabase(): Promise<() => void> {
  let received = 0;
  const supabase = createClient(options.url, options.apikey, {
    auth: { persistSession: false },
    accessToken: () => Promise.resolve(options.token),
  });
  // as Supabase's docs advise for private channels: the first join then carries the token
  await supabase.realtime.setAuth();
  const channel = supabase.channel(options.topic, { config: { private: true } })
    .on("broadcast", { event: "INSERT" }, ({ payload }) => {
      const at = now();
      if (options.byItem) {
        const key = `${payload.record?.store_id}/${payload.record?.product_id}`;
        if (arrivals.has(key)) return;
        arrivals.set(key, [at]);
        say(`done ${key}`);
        return;
      }
      const title = String(payload.record?.title ?? "");
      if (!title.startsWith(`${options.prefix}-`)) return;
      arrivals.set(title.slice(options.prefix.length + 1), [at]);
      if (++received === options.expect) say("done all");
    });
  await new Promise<void>((resolve, reject) => {
    channel.subscribe((status, error) => {
      if (status === "SUBSCRIBED") resolve();
      else if (status !== "CLOSED") reject(error ?? new Error(status));
    });
  });
  return () => {
    supabase.removeAllChannels();
    supabase.realtime.disconnect();
  };
}

const started = now();
const stop = options.mode === "raw" ? await runRaw() : await runSupabase();
say(`ready ${(now() - started).toFixed(0)}`);
const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
let buffered = "";
while (!buffered.includes("report")) {
  const { value, done } = await reader.read();
  if (done) break;
  buffered += value;
}
say(JSON.stringify(Object.fromEntries(arrivals)));
stop();
Deno.exit(0);
