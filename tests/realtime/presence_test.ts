/**
 * @module
 * Presence on the private alerts topic through supabase-js (who is looking at which alert):
 * track, the state a late joiner gets, untrack and leaving, in both serializer versions.
 */

import assert from "node:assert/strict";
import type { RealtimeChannel } from "@supabase/supabase-js";
import {
  alertsTopic,
  eventually,
  MEMBER,
  startRealtimeWorld,
  subscribed,
  TENANT,
  VERSIONS,
} from "./_realtime_fixture.ts";

function viewers(channel: RealtimeChannel): string[] {
  return Object.entries(channel.presenceState())
    .flatMap(([key, metas]) => metas.map((meta) => `${key}@${(meta as { alert?: string }).alert}`))
    .sort();
}

for (const vsn of VERSIONS) {
  Deno.test(`vsn ${vsn}: members see who is looking at which alert, and who left`, async () => {
    await using world = await startRealtimeWorld();
    const anna = await world.client({ vsn, tenantId: TENANT, userId: MEMBER });
    const ben = await world.client({ vsn, tenantId: TENANT, userId: MEMBER });
    const joins: string[] = [];
    const leaves: string[] = [];
    const annaChannel = anna.channel(alertsTopic(TENANT), {
      config: { private: true, presence: { key: "anna" } },
    }).on("presence", { event: "sync" }, () => {})
      .on("presence", { event: "join" }, ({ key }) => joins.push(key))
      .on("presence", { event: "leave" }, ({ key }) => leaves.push(key));
    assert.equal((await subscribed(annaChannel)).status, "SUBSCRIBED");
    assert.equal(await annaChannel.track({ alert: "a1" }), "ok");

    const benChannel = ben.channel(alertsTopic(TENANT), {
      config: { private: true, presence: { key: "ben" } },
    }).on("presence", { event: "sync" }, () => {});
    assert.equal((await subscribed(benChannel)).status, "SUBSCRIBED");
    // the late joiner gets the state, with Anna in it
    await eventually(() => viewers(benChannel).includes("anna@a1"), "Ben sees Anna");
    assert.equal(await benChannel.track({ alert: "a2" }), "ok");
    await eventually(() => joins.includes("ben"), "Anna sees Ben join");
    assert.deepEqual(viewers(annaChannel), ["anna@a1", "ben@a2"]);

    // moving to another alert replaces the meta instead of adding one
    assert.equal(await benChannel.track({ alert: "a3" }), "ok");
    await eventually(() => viewers(annaChannel).includes("ben@a3"), "Anna sees Ben move");
    assert.deepEqual(viewers(annaChannel), ["anna@a1", "ben@a3"]);

    assert.equal(await benChannel.untrack(), "ok");
    await eventually(() => leaves.includes("ben"), "Anna sees Ben leave");
    assert.deepEqual(viewers(annaChannel), ["anna@a1"]);

    await benChannel.track({ alert: "a4" });
    await eventually(() => viewers(annaChannel).includes("ben@a4"), "Ben is back");
    await ben.removeChannel(benChannel);
    await eventually(() => viewers(annaChannel).length === 1, "leaving the channel untracks");
  });
}
