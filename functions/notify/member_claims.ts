/**
 * @module
 * JWT claims of a member, for acting on their behalf when they prove who they are by other means
 * than a bearer token: a signed action link, or an SMS from their verified number. SQL then judges
 * them exactly as it judges their API calls (tenant from `app_metadata`, role from membership).
 */

import type { Claims, Tx } from "../_shared/db.ts";

/**
 * Claims shaped like a Supabase user token for `userId` in `tenantId`.
 *
 * @example
 * ```ts
 * await withClaims(sql, memberClaims({ tenantId, userId }), (tx) => tx`select auth.uid()`);
 * ```
 */
export function memberClaims({ tenantId, userId }: { tenantId: string; userId: string }): Claims {
  return {
    role: "authenticated",
    aud: "authenticated",
    sub: userId,
    app_metadata: { tenant_id: tenantId },
  };
}

/**
 * Switches an open transaction from the system to the member for the rest of it (what
 * `withClaims` does at the start of its transaction), so work done as the system first (e.g.
 * marking a link used) and the member's action commit or roll back together.
 *
 * @example
 * ```ts
 * await sql.begin(async (tx) => {
 *   await tx`insert into public.action_link_uses ...`;
 *   await actAsMember(tx, memberClaims({ tenantId, userId }));
 *   await tx`select public.acknowledge_alert(${alertId})`;
 * });
 * ```
 */
export async function actAsMember(tx: Tx, claims: Claims): Promise<void> {
  await tx`select set_config('role', 'authenticated', true),
                  set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
}
