/**
 * @module
 * The network between the gateway and its dashboard clients breaks: the gateway server is stopped
 * (every websocket closed under the clients) while alerts keep being written, then started again
 * on the same port. Ten dashboard feeds — the dashboard's own `connectFeed` and `createApi` over
 * supabase-js, in two tenants — reconnect by themselves, refetch on resync as the dashboard does,
 * and end up knowing every alert of their tenant (live or refetched), none of the other tenant's,
 * with no live insert delivered twice; alerts written after the reconnect arrive live again.
 */

import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { createLogger } from "../../functions/_shared/logging.ts";
import { startStack } from "../../local/stack.ts";
import { anonKey, userToken } from "../../local/tokens.ts";
import { createApi } from "../../web/src/api.ts";
import { connectFeed, type Feed } from "../../web/src/realtime.ts";
import { createTestDatabase } from "../_support/database.ts";
import { until } from "../load/_channels.ts";

const PER_ROUND = 4;

Deno.test("after the gateway goes away and comes back, every feed reconnects and knows every alert of its tenant", async () => {
  await using db = await createTestDatabase();
  const sql = db.sql;
  const jwtSecret = crypto.randomUUID() + crypto.randomUUID();
  const quiet = createLogger("faults", () => {});
  const limits = { presenceMaxCalls: 1_000 };
  let stack = await startStack({
    databaseUrl: db.url,
    jwtSecret,
    port: 0,
    logger: quiet,
    realtimeLimits: limits,
  });
  const port = stack.port;
  const anon = await anonKey(jwtSecret);

  const tenants: string[] = [];
  for (const name of ["Gateway A", "Gateway B"]) {
    const [{ id }] = await sql<{ id: string }[]>`
      insert into public.tenants (name) values (${name}) returning id`;
    tenants.push(id);
  }
  interface Watcher {
    tenantId: string;
    feed: Feed;
    live: string[];
    known: Set<string>;
    resyncs: number;
    status: string;
    close(): Promise<void>;
  }
  const watchers: Watcher[] = [];
  const refetchErrors: string[] = [];
  try {
    for (let i = 0; i < 10; i++) {
      const tenantId = tenants[i % 2];
      const userId = crypto.randomUUID();
      await sql`insert into public.tenant_members (tenant_id, user_id, role, display_name)
                values (${tenantId}, ${userId}, 'viewer', ${`Watcher ${i}`})`;
      const token = await userToken(jwtSecret, { tenantId, userId });
      const supabase = createClient(stack.url, anon, {
        auth: { persistSession: false, autoRefreshToken: false },
        accessToken: () => Promise.resolve(token),
      });
      const api = createApi({ supabaseUrl: stack.url, anonKey: anon, token: () => token });
      const watcher = { tenantId, live: [], known: new Set(), resyncs: 0, status: "" } as
        & Omit<Watcher, "feed" | "close">
        & Partial<Watcher>;
      const refetch = async () => {
        const page = await api.get<{ data: { id: string }[] }>("", { limit: "100" });
        for (const alert of page.data) watcher.known!.add(alert.id);
      };
      watcher.feed = connectFeed(supabase, {
        tenantId,
        me: { user_id: userId, name: `Watcher ${i}` },
        accessToken: () => token,
        onChange(change) {
          if (change.operation !== "INSERT") return;
          watcher.live.push(change.record.id);
          watcher.known.add(change.record.id);
        },
        onStatus(status) {
          watcher.status = status;
        },
        onResync() {
          watcher.resyncs++;
          refetch().catch((error) => refetchErrors.push(String(error)));
        },
        onPresence() {},
      });
      watcher.close = async () => {
        await watcher.feed!.close();
        supabase.realtime.disconnect();
      };
      watchers.push(watcher as Watcher);
    }
    await until(() => watchers.every((w) => w.status === "live"), "every feed is live");

    const raise = async (round: string) => {
      for (let n = 0; n < PER_ROUND; n++) {
        for (const tenantId of tenants) {
          await sql`insert into public.alerts (tenant_id, alert_type, severity, title, dedup_key)
                    values (${tenantId}, 'stockout_risk', 'high', ${`${round} ${n}`},
                            ${`${round}-${n}`})`;
        }
      }
    };
    const alertsOf = async (tenantId: string) =>
      new Set(
        (await sql<{ id: string }[]>`select id from public.alerts where tenant_id = ${tenantId}`)
          .map((r) => r.id),
      );

    await raise("before");
    await until(() => watchers.every((w) => w.live.length === PER_ROUND), "live before the drop");

    // The gateway goes away; writes go on while the clients are cut off.
    await stack.stop();
    await until(() => watchers.every((w) => w.status !== "live"), "every feed noticed");
    await raise("during");
    stack = await startStack({
      databaseUrl: db.url,
      jwtSecret,
      port,
      logger: quiet,
      realtimeLimits: limits,
    });
    await until(
      () => watchers.every((w) => w.status === "live" && w.resyncs === 1),
      "every feed rejoined and resynced",
      30_000,
    );
    await until(
      () => watchers.every((w) => w.known.size === 2 * PER_ROUND),
      "the refetch found what was written during the drop",
    );
    await raise("after");
    await until(
      () => watchers.every((w) => w.known.size === 3 * PER_ROUND),
      "live again after the reconnect",
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for a stray duplicate

    assert.deepEqual(refetchErrors, []);
    for (const watcher of watchers) {
      const own = await alertsOf(watcher.tenantId);
      assert.deepEqual([...watcher.known].sort(), [...own].sort(), "every alert of its tenant");
      assert.equal(new Set(watcher.live).size, watcher.live.length, "no live insert twice");
    }
  } finally {
    for (const watcher of watchers) await watcher.close();
    await stack.stop();
  }
});
