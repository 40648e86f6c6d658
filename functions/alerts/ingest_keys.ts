/**
 * @module
 * Per-tenant ingest keys: other systems post events to `POST /alerts/events` with an
 * `X-Ingest-Key` header instead of a user's JWT. Owners create keys (`POST /alerts/ingest-keys`
 * answers the plaintext once; only its sha256 is stored), list them without secrets and revoke
 * them (`DELETE /alerts/ingest-keys/{id}`). RLS on `public.tenant_ingest_keys` decides who may.
 */

import { createRoute, z } from "@hono/zod-openapi";
import type { Context, Next } from "hono";
import { base64url } from "jose";
import type { AuthEnv } from "../_shared/auth.ts";
import { type Sql, type Tx, withClaims } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { errorResponses, jsonResponse } from "./alert_schemas.ts";
import type { AlertsRouter, RouteDeps } from "./route_deps.ts";
import { IdParams, text } from "./route_deps_schemas.ts";

/** The header an ingest key travels in. */
export const INGEST_KEY_HEADER = "x-ingest-key";

/** An ingest key as listed: never the key or its hash. */
export const IngestKey = z.object({
  id: z.uuid(),
  name: z.string(),
  created_by: z.uuid().nullable(),
  created_at: z.iso.datetime(),
  revoked_at: z.iso.datetime().nullable(),
}).openapi("IngestKey");
/** A listed key. */
export type IngestKey = z.infer<typeof IngestKey>;

/** A key just created: the only time its plaintext is answered. */
export const CreatedIngestKey = IngestKey.extend({
  key: z.string().openapi({ description: "The key itself; shown once, store it now" }),
}).openapi("CreatedIngestKey");

/** `POST /alerts/ingest-keys` body. */
export const IngestKeyBody = z.strictObject({
  name: text(1, 100).openapi({ example: "POS in store 12" }),
}).openapi("IngestKeyBody");

const security = [{ bearer: [] }];
const tags = ["ingest keys"];

/** The routes, for `app.openapi`. */
export const ingestKeyRoutes = {
  create: createRoute({
    method: "post",
    path: "/ingest-keys",
    tags,
    security,
    summary: "Create an ingest key for the caller's tenant (owners); the key is answered once",
    request: {
      body: { content: { "application/json": { schema: IngestKeyBody } }, required: true },
    },
    responses: {
      201: jsonResponse(CreatedIngestKey, "The key, with its plaintext"),
      ...errorResponses(400, 401, 403, 422),
    },
  }),
  list: createRoute({
    method: "get",
    path: "/ingest-keys",
    tags,
    security,
    summary: "The tenant's ingest keys, revoked ones too (owners; no secrets)",
    responses: {
      200: jsonResponse(z.object({ data: z.array(IngestKey) }), "The keys"),
      ...errorResponses(401),
    },
  }),
  revoke: createRoute({
    method: "delete",
    path: "/ingest-keys/{id}",
    tags,
    security,
    summary: "Revoke an ingest key of the caller's tenant (owners); it stops working at once",
    request: { params: IdParams },
    responses: { 204: { description: "Revoked" }, ...errorResponses(400, 401, 404) },
  }),
};

const columns = (tx: Tx) => tx`id, name, created_by, created_at, revoked_at`;

/**
 * Creates a key for the caller's tenant (RLS: owners only) and answers it with its plaintext.
 *
 * @example
 * ```ts
 * const { key } = await withClaims(sql, ownerClaims, (tx) => createIngestKey(tx, "POS"));
 * ```
 */
export async function createIngestKey(
  tx: Tx,
  name: string,
): Promise<IngestKey & { key: string }> {
  const key = `swk_${base64url.encode(crypto.getRandomValues(new Uint8Array(32)))}`;
  const [row] = await tx<IngestKey[]>`
    insert into public.tenant_ingest_keys (name, key_hash)
    values (${name}, pg_catalog.sha256(pg_catalog.convert_to(${key}, 'UTF8')))
    returning ${columns(tx)}`;
  return { ...row, key };
}

/**
 * The tenant's keys, newest first (RLS: owners see their tenant's; others see none).
 *
 * @example
 * ```ts
 * const keys = await withClaims(sql, ownerClaims, listIngestKeys);
 * ```
 */
export function listIngestKeys(tx: Tx): Promise<IngestKey[]> {
  return tx<IngestKey[]>`
    select ${columns(tx)} from public.tenant_ingest_keys order by created_at desc, id`;
}

/**
 * Revokes a live key; an unknown, already revoked or invisible one is "not found".
 *
 * @example
 * ```ts
 * await withClaims(sql, ownerClaims, (tx) => revokeIngestKey(tx, id));
 * ```
 */
export async function revokeIngestKey(tx: Tx, id: string): Promise<void> {
  const revoked = await tx`
    update public.tenant_ingest_keys set revoked_at = private.now()
    where id = ${id} and revoked_at is null
    returning id`;
  if (revoked.length === 0) {
    throw new ApiError(404, "not_found", `No live ingest key ${id} in the caller's tenant`);
  }
}

/**
 * Middleware for requests carrying `X-Ingest-Key`: resolves the key's tenant with
 * `public.verify_ingest_key` (as anon), then lets the request on as the service role acting in
 * that tenant only (see {@link keyTenant}). An unknown or revoked key is a 401.
 *
 * @example
 * ```ts
 * app.post("/events", ingestKeyAuth(sql), handler);
 * ```
 */
export function ingestKeyAuth(sql: Sql) {
  return async function verifyIngestKey(c: Context<AuthEnv>, next: Next) {
    const key = c.req.header(INGEST_KEY_HEADER) ?? "";
    const [{ tenant_id }] = await withClaims(
      sql,
      { role: "anon" },
      (tx) =>
        tx<{ tenant_id: string | null }[]>`select public.verify_ingest_key(${key}) as tenant_id`,
    );
    if (!tenant_id) {
      throw new ApiError(401, "invalid_ingest_key", "The ingest key is unknown or revoked");
    }
    c.set("claims", { role: "service_role" });
    c.set("ingestTenant", tenant_id);
    await next();
  };
}

/**
 * The tenant of the request's ingest key, or `null` for requests with a token. A key's caller
 * may not name another tenant.
 *
 * @example
 * ```ts
 * const tenant = keyTenant(c, body.tenant_id) ?? namedTenant(c, body.tenant_id);
 * ```
 */
export function keyTenant(c: Context<AuthEnv>, named: string | undefined): string | null {
  const tenant = c.get("ingestTenant");
  if (!tenant) return null;
  if (named !== undefined && named !== tenant) {
    throw new ApiError(
      400,
      "invalid_input",
      "Invalid tenant_id: an ingest key reports events for its own tenant only",
      { details: [{ path: "tenant_id", message: "is not the ingest key's tenant" }] },
    );
  }
  return tenant;
}

/**
 * Registers `POST` and `GET /alerts/ingest-keys` and `DELETE /alerts/ingest-keys/{id}`.
 *
 * @example
 * ```ts
 * registerIngestKeyRoutes(app, callerDeps(sql));
 * ```
 */
export function registerIngestKeyRoutes(app: AlertsRouter, { asCaller }: RouteDeps): void {
  app.openapi(ingestKeyRoutes.create, async (c) => {
    const { name } = c.req.valid("json");
    return c.json(await asCaller(c, (tx) => createIngestKey(tx, name)), 201);
  });
  app.openapi(ingestKeyRoutes.list, async (c) => {
    return c.json({ data: await asCaller(c, listIngestKeys) }, 200);
  });
  app.openapi(ingestKeyRoutes.revoke, async (c) => {
    const { id } = c.req.valid("param");
    await asCaller(c, (tx) => revokeIngestKey(tx, id));
    return c.body(null, 204);
  });
}
