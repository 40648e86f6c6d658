/**
 * @module
 * The local API gateway: one Hono root app routing URLs the way hosted Supabase does, so clients
 * cannot tell the difference. `/functions/v1/<slug>/*` reaches the function app with the path it
 * would see on Supabase (`/<slug>/*`); `/` serves the dashboard from `web/`.
 */

import { Hono } from "hono";
import { serveStatic } from "hono/deno";
import { PROJECT_ROOT } from "./settings.ts";

/** Something with a fetch handler: a Hono app or a module's default export. */
export interface FetchHandler {
  fetch(request: Request): Response | Promise<Response>;
}

/** What the gateway routes to. */
export interface GatewayRoutes {
  /** Function apps by slug, each with `basePath('/<slug>')`. */
  functions: Record<string, FetchHandler>;
  /** Folder served at `/`. */
  webDir?: string;
  /** The Realtime gateway, reached at `/realtime/v1/*` (WebSocket and REST broadcast). */
  realtime?: FetchHandler;
  /** Local-only dashboard routes (`/config.js`, `/local/v1/*`), checked before the static files. */
  local?: FetchHandler;
  /** The local inbox page at `/inbox`: what the stack would have sent. */
  inbox?: FetchHandler;
}

const FUNCTIONS_PREFIX = "/functions/v1";

/**
 * Builds the root app.
 *
 * @example
 * ```ts
 * const gateway = createGateway({ functions: { alerts: alertsApp } });
 * Deno.serve({ port: 54321 }, gateway.fetch);
 * ```
 */
export function createGateway(
  { functions, webDir = `${PROJECT_ROOT}/web`, local, realtime, inbox }: GatewayRoutes,
) {
  const root = new Hono();

  root.all(`${FUNCTIONS_PREFIX}/:slug{[A-Za-z][A-Za-z0-9_-]*}/*`, forwardToFunction);
  root.all(`${FUNCTIONS_PREFIX}/:slug{[A-Za-z][A-Za-z0-9_-]*}`, forwardToFunction);
  function forwardToFunction(c: { req: { raw: Request; param(name: "slug"): string } }) {
    const fn = functions[c.req.param("slug")];
    if (!fn) {
      return Response.json({ code: "NOT_FOUND", message: "Requested function was not found" }, {
        status: 404,
      });
    }
    const url = new URL(c.req.raw.url);
    url.pathname = url.pathname.slice(FUNCTIONS_PREFIX.length);
    // A fresh init (not `new Request(url, raw)`) so the client's abort signal is not copied.
    const { method, headers, body } = c.req.raw;
    return fn.fetch(new Request(url, { method, headers, body, duplex: "half" } as RequestInit));
  }

  if (realtime) root.all("/realtime/v1/*", (c) => realtime.fetch(c.req.raw));
  if (local) {
    root.get("/config.js", (c) => local.fetch(c.req.raw));
    root.all("/local/v1/*", (c) => local.fetch(c.req.raw));
  }
  if (inbox) root.get("/inbox", (c) => inbox.fetch(c.req.raw));
  root.use("/*", serveStatic({ root: relativeToCwd(webDir) }));
  return root;
}

// hono/deno's serveStatic resolves `root` against the working directory.
function relativeToCwd(path: string): string {
  const cwd = Deno.cwd();
  if (path.startsWith(`${cwd}/`)) return path.slice(cwd.length + 1);
  let up = "";
  let base = cwd;
  while (!path.startsWith(`${base}/`) && base !== "") {
    base = base.replace(/\/[^/]*$/, "");
    up += "../";
  }
  return up + path.slice(base.length + 1);
}
