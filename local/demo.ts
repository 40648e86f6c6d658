/**
 * @module
 * The demo tenant and its users, as `supabase/seed.sql` creates them; `start` prints a token for
 * each so a newcomer can try every role at once.
 */

import type { MemberRole } from "./tokens.ts";

/** The demo tenant (a small bakery chain). */
export const DEMO_TENANT_ID = "00000000-0000-4000-8000-00000000d3e0";

/** One demo user per member role. */
export const DEMO_USERS: ReadonlyArray<{ id: string; role: MemberRole; email: string }> = [
  {
    id: "00000000-0000-4000-8000-0000000000a1",
    role: "owner",
    email: "olivia.owner@demo.shelfwatch.dev",
  },
  {
    id: "00000000-0000-4000-8000-0000000000a2",
    role: "manager",
    email: "marco.manager@demo.shelfwatch.dev",
  },
  {
    id: "00000000-0000-4000-8000-0000000000a3",
    role: "staff",
    email: "sam.staff@demo.shelfwatch.dev",
  },
  {
    id: "00000000-0000-4000-8000-0000000000a4",
    role: "viewer",
    email: "vera.viewer@demo.shelfwatch.dev",
  },
];
