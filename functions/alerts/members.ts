/**
 * @module
 * `/alerts/members*`: a member's own contact points and notification preferences
 * (`GET`/`PATCH /members/me/preferences`), the tenant's member list (any member), and adding,
 * changing and removing members (owners). RLS, the column grants and the guard triggers on
 * `tenant_members` decide who may do what; this file only shapes requests and answers.
 * (`GET /members/me` lives in members_me.ts.)
 */

import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AuthEnv } from "../_shared/auth.ts";
import type { Tx } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { errorResponses, jsonResponse } from "./alert_schemas.ts";
import {
  Member,
  MemberIdParams,
  MemberList,
  MemberPatch,
  MyPreferences,
  NewMember,
  PREFERENCE_KEYS,
  PreferencesPatch,
} from "./members_schemas.ts";
import type { ReportingDeps } from "./reporting_deps.ts";

const security = [{ bearer: [] }];
const tags = ["members"];

/** The routes, for `app.openapi`. */
export const memberRoutes = {
  myPreferences: createRoute({
    method: "get",
    path: "/members/me/preferences",
    tags,
    summary: "The caller's contact points, consents and notification preferences",
    security,
    responses: {
      200: jsonResponse(MyPreferences, "The caller's settings"),
      ...errorResponses(401, 403),
    },
  }),
  updateMyPreferences: createRoute({
    method: "patch",
    path: "/members/me/preferences",
    tags,
    summary: "Change the caller's contact points, consents or notification preferences",
    security,
    request: {
      body: { content: { "application/json": { schema: PreferencesPatch } }, required: true },
    },
    responses: {
      200: jsonResponse(MyPreferences, "The caller's settings after the change"),
      ...errorResponses(400, 401, 403, 422),
    },
  }),
  list: createRoute({
    method: "get",
    path: "/members",
    tags,
    summary: "The tenant's members",
    security,
    responses: {
      200: jsonResponse(MemberList, "Members, owners first"),
      ...errorResponses(401, 403),
    },
  }),
  add: createRoute({
    method: "post",
    path: "/members",
    tags,
    summary: "Add a member (owners)",
    security,
    request: { body: { content: { "application/json": { schema: NewMember } }, required: true } },
    responses: {
      201: jsonResponse(Member, "The new member"),
      ...errorResponses(400, 401, 403, 409, 422),
    },
  }),
  update: createRoute({
    method: "patch",
    path: "/members/{user_id}",
    tags,
    summary: "Change a member's role, scope, name or active flag (owners)",
    security,
    request: {
      params: MemberIdParams,
      body: { content: { "application/json": { schema: MemberPatch } }, required: true },
    },
    responses: {
      200: jsonResponse(Member, "The member after the change"),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  }),
  remove: createRoute({
    method: "delete",
    path: "/members/{user_id}",
    tags,
    summary: "Remove a member (owners; never the last owner)",
    security,
    request: { params: MemberIdParams },
    responses: { 204: { description: "Removed" }, ...errorResponses(401, 403, 404, 409) },
  }),
};

type MyPreferencesRow = z.infer<typeof MyPreferences>;
type MemberRow = z.infer<typeof Member>;

function notAMember(): ApiError {
  return new ApiError(
    403,
    "not_a_member",
    "The caller is not an active member of the token's tenant",
  );
}

/**
 * The caller's own member row (RLS shows only their tenant's members).
 *
 * @example
 * ```ts
 * const me = await withClaims(sql, claims, myPreferences); // { language: "en", ... }
 * ```
 */
export async function myPreferences(tx: Tx): Promise<MyPreferencesRow> {
  const [me] = await tx<MyPreferencesRow[]>`
    select m.tenant_id, m.user_id, m.role, m.display_name, m.email,
           m.phone, m.phone_verified_at is not null as phone_verified,
           m.whatsapp, m.whatsapp_verified_at is not null as whatsapp_verified,
           m.language, m.timezone, m.email_consent, m.sms_consent, m.whatsapp_consent,
           m.push_consent, m.preferences
    from public.tenant_members as m
    where m.user_id = auth.uid() and m.active`;
  if (!me) throw notAMember();
  return me;
}

/**
 * Applies a preferences patch to the caller's own row: contact points and consents are columns,
 * the notification keys are merged into `preferences` (whose trigger validates them, SW001).
 *
 * @example
 * ```ts
 * await withClaims(sql, claims, (tx) => updateMyPreferences(tx, { digest: "daily" }));
 * ```
 */
export async function updateMyPreferences(
  tx: Tx,
  patch: PreferencesPatch,
): Promise<MyPreferencesRow> {
  const isPreference = (key: string) => (PREFERENCE_KEYS as readonly string[]).includes(key);
  const entries = Object.entries(patch).filter(([, value]) => value !== undefined);
  const preferences = Object.fromEntries(entries.filter(([key]) => isPreference(key)));
  const columns = Object.fromEntries(entries.filter(([key]) => !isPreference(key)));
  const merge = tx.json(preferences as Parameters<typeof tx.json>[0]);
  // postgres.js picks its `${tx(object)}` helper from the statement's text before it: keep the
  // `update … set` in the same literal and no `as` alias in between.
  const updated = Object.keys(columns).length > 0
    ? await tx`
      update public.tenant_members set ${tx(columns)}, preferences = preferences || ${merge}
      where user_id = auth.uid() and active
      returning user_id`
    : await tx`
      update public.tenant_members set preferences = preferences || ${merge}
      where user_id = auth.uid() and active
      returning user_id`;
  if (updated.length === 0) throw notAMember();
  return await myPreferences(tx);
}

const MEMBER_COLUMNS = [
  "user_id",
  "role",
  "display_name",
  "email",
  "language",
  "timezone",
  "store_ids",
  "active",
  "created_at",
] as const;

/**
 * The tenant's members, owners first.
 *
 * @example
 * ```ts
 * const { data } = await withClaims(sql, claims, listMembers);
 * ```
 */
export async function listMembers(tx: Tx): Promise<{ data: MemberRow[] }> {
  const data = await tx<MemberRow[]>`
    select ${tx(MEMBER_COLUMNS)}
    from public.tenant_members as m
    order by private.role_rank(m.role) desc, m.display_name, m.user_id`;
  return { data };
}

/**
 * Adds a member to the caller's tenant (RLS: owners only; 42501 → 403 otherwise; an existing
 * member → 409).
 *
 * @example
 * ```ts
 * await withClaims(sql, claims, (tx) => addMember(tx, { user_id, role: "staff" }));
 * ```
 */
export async function addMember(tx: Tx, body: z.infer<typeof NewMember>): Promise<MemberRow> {
  const [{ tenant_id }] = await tx<{ tenant_id: string | null }[]>`
    select private.jwt_tenant_id() as tenant_id`;
  if (!tenant_id) throw notAMember();
  const [member] = await tx<MemberRow[]>`
    insert into public.tenant_members ${tx({ ...body, tenant_id })}
    returning ${tx(MEMBER_COLUMNS)}`;
  return member;
}

/** Why a write touched no row: the member is visible (so the caller may not), or not. */
async function refusal(tx: Tx, userId: string): Promise<ApiError> {
  const [{ visible }] = await tx<{ visible: boolean }[]>`
    select exists (select 1 from public.tenant_members as m where m.user_id = ${userId}) as visible`;
  return visible
    ? new ApiError(403, "forbidden", "Only an owner of the tenant can manage its members")
    : new ApiError(404, "not_found", `No member ${userId} in this tenant`);
}

/**
 * Changes a member (owners: anything here; a member: their own display name — the guard trigger
 * refuses role, scope and active changes with SW003; demoting the last owner is SW004 → 409).
 *
 * @example
 * ```ts
 * await withClaims(sql, claims, (tx) => updateMember(tx, userId, { role: "manager" }));
 * ```
 */
export async function updateMember(
  tx: Tx,
  userId: string,
  patch: z.infer<typeof MemberPatch>,
): Promise<MemberRow> {
  const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const [member] = await tx<MemberRow[]>`
    update public.tenant_members set ${tx(changes)}
    where user_id = ${userId}
    returning ${tx(MEMBER_COLUMNS)}`;
  if (!member) throw await refusal(tx, userId);
  return member;
}

/**
 * Removes a member (owners; the last owner is refused with SW004 → 409).
 *
 * @example
 * ```ts
 * await withClaims(sql, claims, (tx) => removeMember(tx, userId));
 * ```
 */
export async function removeMember(tx: Tx, userId: string): Promise<void> {
  const removed = await tx`
    delete from public.tenant_members as m where m.user_id = ${userId} returning m.user_id`;
  if (removed.length === 0) throw await refusal(tx, userId);
}

/**
 * Registers `GET`/`PATCH /alerts/members/me/preferences`, `GET`/`POST /alerts/members` and
 * `PATCH`/`DELETE /alerts/members/{user_id}`. Call it before the app's `/{id}` route, which would
 * otherwise take `GET /alerts/members`.
 *
 * @example
 * ```ts
 * registerMemberRoutes(app, createReportingDeps(sql));
 * ```
 */
export function registerMemberRoutes(app: OpenAPIHono<AuthEnv>, { asCaller }: ReportingDeps): void {
  const routes = memberRoutes;
  app.openapi(routes.myPreferences, async (c) => c.json(await asCaller(c, myPreferences), 200));
  app.openapi(routes.updateMyPreferences, async (c) => {
    const body = c.req.valid("json");
    return c.json(await asCaller(c, (tx) => updateMyPreferences(tx, body)), 200);
  });
  app.openapi(routes.list, async (c) => c.json(await asCaller(c, listMembers), 200));
  app.openapi(routes.add, async (c) => {
    const body = c.req.valid("json");
    return c.json(await asCaller(c, (tx) => addMember(tx, body)), 201);
  });
  app.openapi(routes.update, async (c) => {
    const [{ user_id }, body] = [c.req.valid("param"), c.req.valid("json")];
    return c.json(await asCaller(c, (tx) => updateMember(tx, user_id, body)), 200);
  });
  app.openapi(routes.remove, async (c) => {
    const { user_id } = c.req.valid("param");
    await asCaller(c, (tx) => removeMember(tx, user_id));
    return c.body(null, 204);
  });
}
