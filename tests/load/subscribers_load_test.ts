/**
 * @module
 * Load on the Realtime gateway: 1,000 dashboard subscribers at once (raw Phoenix websockets, as
 * supabase-js speaks them), half in each of two tenants, ten members each, all joined to their
 * tenant's private alerts topic. Alerts inserted in both tenants reach every subscriber of their
 * tenant exactly once and no subscriber of the other. Fan-out time is printed, not asserted.
 */

import assert from "node:assert/strict";
import { anonKey } from "../../local/tokens.ts";
import { startTestStack } from "../_support/stack.ts";
import { percentiles, until } from "./_channels.ts";

const SUBSCRIBERS = 1_000;
const ALERTS_PER_TENANT = 10;
const TENANTS = ["a", "b"] as const;

Deno.test("1,000 subscribers across two tenants each receive every alert of their tenant and none of the other's", async () => {
  await using stack = await startTestStack({
    realtimeLimits: { maxEventsPerSecond: 1_000_000, maxJoinsPerSecond: 100_000 },
  });
  const sql = stack.db.sql;
  const tenants: Record<string, { id: string; tokens: string[] }> = {};
  for (const name of TENANTS) {
    const [{ id }] = await sql<{ id: string }[]>`
      insert into public.tenants (name) values (${`Subscribers ${name}`}) returning id`;
    const members = Array.from({ length: 10 }, () => crypto.randomUUID());
    await sql`insert into public.tenant_members ${
      sql(members.map((user_id) => ({ tenant_id: id, user_id, role: "viewer" })))
    }`;
    tenants[name] = {
      id,
      tokens: await Promise.all(members.map((userId) => stack.tokenFor({ tenantId: id, userId }))),
    };
  }
  const apikey = await anonKey(stack.jwtSecret);
  const url = new URL("/realtime/v1/websocket", stack.url.replace(/^http/, "ws"));
  url.searchParams.set("apikey", apikey);
  url.searchParams.set("vsn", "2.0.0");

  interface Subscriber {
    tenant: string;
    ws: WebSocket;
    titles: string[];
  }
  const subscribers: Subscriber[] = [];
  const arrivedAt = new Map<string, number[]>();
  const open = async (index: number): Promise<Subscriber> => {
    const tenant = TENANTS[index % 2];
    const ws = new WebSocket(url);
    const subscriber: Subscriber = { tenant, ws, titles: [] };
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`socket ${index} did not open`));
    });
    const joined = new Promise<void>((resolve, reject) => {
      ws.onmessage = (event) => {
        const text = event.data as string;
        if (text.startsWith('["1","1"') && text.includes('"phx_reply"')) {
          if (text.includes('"status":"ok"')) resolve();
          else reject(new Error(`join ${index} refused: ${text}`));
          return;
        }
        for (const match of text.matchAll(/"title":"(load-[ab]-\d+)"/g)) {
          subscriber.titles.push(match[1]);
          const times = arrivedAt.get(match[1]) ?? [];
          times.push(performance.now());
          arrivedAt.set(match[1], times);
        }
      };
    });
    const { id, tokens } = tenants[tenant];
    ws.send(JSON.stringify([
      "1",
      "1",
      `realtime:tenant:${id}:alerts`,
      "phx_join",
      { config: { private: true }, access_token: tokens[index % tokens.length] },
    ]));
    await joined;
    return subscriber;
  };
  try {
    let next = 0;
    await Promise.all(Array.from({ length: 50 }, async () => {
      while (next < SUBSCRIBERS) subscribers.push(await open(next++));
    }));
    assert.equal(subscribers.length, SUBSCRIBERS);

    const insertedAt = new Map<string, number>();
    for (let i = 0; i < ALERTS_PER_TENANT; i++) {
      for (const name of TENANTS) {
        const title = `load-${name}-${i}`;
        insertedAt.set(title, performance.now());
        await sql`
          insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key)
          values (${tenants[name].id}, 'stockout_risk', 'high', ${title}, ${title})`;
      }
    }
    const expected = SUBSCRIBERS * ALERTS_PER_TENANT;
    await until(
      () => subscribers.reduce((n, s) => n + s.titles.length, 0) >= expected,
      `${expected} alert messages`,
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // room for a stray extra message

    for (const subscriber of subscribers) {
      const want = Array.from(
        { length: ALERTS_PER_TENANT },
        (_, i) => `load-${subscriber.tenant}-${i}`,
      );
      assert.deepEqual(subscriber.titles.toSorted(), want.toSorted(), "its tenant's, once each");
    }
    const fanOut = [...arrivedAt].map(([title, times]) =>
      Math.max(...times) - insertedAt.get(title)!
    );
    console.log(
      `  ${SUBSCRIBERS} subscribers, insert -> last subscriber ms:`,
      JSON.stringify(percentiles(fanOut)),
    );
  } finally {
    for (const { ws } of subscribers) ws.close();
  }
});
