/**
 * @module
 * Presence bookkeeping without sockets: diffs for track, re-track and untrack, and the state a
 * late joiner is sent.
 */

import assert from "node:assert/strict";
import { PresenceRegistry } from "../../local/realtime/presence.ts";

Deno.test("track, re-track and untrack produce Phoenix diffs and state", () => {
  const presence = new PresenceRegistry();
  const anna = {};
  const ben = {};
  const first = presence.track("private:t", anna, "anna", { alert: "a1" });
  assert.deepEqual(first.leaves, {});
  const annaRef = first.joins.anna.metas[0].phx_ref;
  assert.equal(typeof annaRef, "string");
  presence.track("private:t", ben, "ben", { alert: "a2" });

  const moved = presence.track("private:t", anna, "anna", { alert: "a3" });
  assert.equal(moved.joins.anna.metas[0].phx_ref_prev, annaRef);
  assert.equal(moved.joins.anna.metas[0].alert, "a3");
  assert.equal(moved.leaves.anna.metas[0].phx_ref, annaRef);

  assert.deepEqual(
    Object.fromEntries(
      Object.entries(presence.state("private:t")).map(([key, { metas }]) => [key, metas.length]),
    ),
    { anna: 1, ben: 1 },
  );
  assert.deepEqual(presence.state("public:t"), {});
  assert.equal(presence.untrack("private:t", ben)?.leaves.ben.metas[0].alert, "a2");
  assert.equal(presence.untrack("private:t", ben), undefined);
  assert.deepEqual(Object.keys(presence.state("private:t")), ["anna"]);
});
