/**
 * @module
 * One-click action links from emails and texts (`/notify/actions/<token>`, tokens from
 * `action_link_token.ts`). `GET` only shows what the link would do, with a button: mail scanners
 * and link previewers fetch links, so a GET never changes anything. `POST` acts once: it records
 * the link's `jti` as used and runs the lifecycle function (`acknowledge_alert`, `resolve_alert`,
 * `snooze_alert`) under the member's claims in one transaction, so SQL enforces their tenant and
 * role (a viewer's link cannot acknowledge) and a failed action leaves the link unused. A second
 * POST of the same link changes nothing and says so (409 `link_already_used`).
 *
 * Browsers get HTML pages (also for errors); other clients get JSON, errors in the API's shape.
 */

import type { Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type Sql, withClaims } from "../_shared/db.ts";
import { ApiError, describeError } from "../_shared/errors.ts";
import type { Logger } from "../_shared/logging.ts";
import { applyAction } from "../alerts/lifecycle.ts";
import {
  ActionLinkError,
  type VerifiedActionLink,
  verifyActionLinkToken,
} from "./action_link_token.ts";
import { ACTION_PAGE_HEADERS, confirmPage, outcomePage } from "./action_page.ts";
import { actAsMember, memberClaims } from "./member_claims.ts";

/** What the action-link routes need. */
export interface ActionLinkRouteOptions {
  sql: Sql;
  /** `ACTION_LINK_SECRET`, else `JWT_SECRET`; unset = links are refused (503). */
  secret: string | undefined;
  logger?: Logger;
  /** The clock (epoch ms). */
  now?: () => number;
}

const DONE: Record<VerifiedActionLink["action"], string> = {
  acknowledge: "acknowledged",
  resolve: "resolved",
  snooze: "snoozed",
};

function wantsHtml(c: Context): boolean {
  const accept = c.req.header("accept") ?? "";
  const type = c.req.header("content-type") ?? "";
  return accept.includes("text/html") || type.startsWith("application/x-www-form-urlencoded");
}

async function verify(
  token: string,
  secret: string | undefined,
  now: () => number,
): Promise<VerifiedActionLink> {
  if (!secret) {
    throw new ApiError(
      503,
      "action_links_not_configured",
      "Action links are off: set ACTION_LINK_SECRET or JWT_SECRET",
    );
  }
  try {
    return await verifyActionLinkToken(token, { secret, now });
  } catch (error) {
    if (!(error instanceof ActionLinkError)) throw error;
    if (error.reason === "expired") {
      throw new ApiError(
        410,
        "link_expired",
        "This action link has expired; open the alert in the dashboard instead",
      );
    }
    throw new ApiError(401, "link_invalid", "This action link is not valid");
  }
}

/** Loads the alert as the member (RLS: only their tenant's alerts); 404 otherwise. */
async function loadAlert(sql: Sql, link: VerifiedActionLink) {
  const [alert] = await withClaims(
    sql,
    memberClaims({ tenantId: link.tenantId, userId: link.memberId }),
    (tx) =>
      tx<{ title: string; severity: string; status: string }[]>`
        select a.title, a.severity, a.status from public.alerts as a
        where a.id = ${link.alertId} and a.tenant_id = ${link.tenantId}`,
  );
  if (!alert) throw new ApiError(404, "not_found", "The alert of this link was not found");
  return alert;
}

/**
 * Registers `GET` and `POST /actions/:token`.
 *
 * @example
 * ```ts
 * registerActionLinks(app, { sql, secret: notify.actionLinkSecret ?? config.jwtSecret });
 * ```
 */
export function registerActionLinks(
  app: Hono,
  { sql, secret, logger, now = Date.now }: ActionLinkRouteOptions,
): void {
  // Errors become an HTML page for browsers; other clients get the API's JSON error.
  function htmlError(c: Context, error: unknown): Response {
    const known = describeError(error);
    if (!known) {
      logger?.error("action_link_failed", { error: (error as Error)?.message });
      throw error;
    }
    const heading = known.code === "link_already_used"
      ? "Already done"
      : known.status >= 500
      ? "Not available"
      : "This link cannot be used";
    return c.html(outcomePage(heading, known.message), known.status, ACTION_PAGE_HEADERS);
  }

  app.get("/actions/:token", async (c) => {
    try {
      const link = await verify(c.req.param("token"), secret, now);
      const alert = await loadAlert(sql, link);
      const [used] = await withClaims(
        sql,
        { role: "service_role" },
        (tx) =>
          tx<
            { used_at: Date }[]
          >`select used_at from public.action_link_uses where jti = ${link.jti}`,
      );
      if (!wantsHtml(c)) {
        return c.json(
          {
            alert_id: link.alertId,
            action: link.action,
            title: alert.title,
            severity: alert.severity,
            status: alert.status,
            used_at: used?.used_at ?? null,
            expires_at: new Date(link.expiresAt * 1000).toISOString(),
          },
          200,
          { "cache-control": "no-store", "referrer-policy": "no-referrer" },
        );
      }
      return c.html(
        confirmPage({
          ...alert,
          action: link.action,
          snoozeMinutes: link.snoozeMinutes,
          usedAt: used?.used_at,
        }),
        200,
        ACTION_PAGE_HEADERS,
      );
    } catch (error) {
      if (wantsHtml(c)) return htmlError(c, error);
      throw error;
    }
  });

  app.post("/actions/:token", async (c) => {
    try {
      const link = await verify(c.req.param("token"), secret, now);
      const alert = await sql.begin(async (tx) => {
        const fresh = await tx`
          insert into public.action_link_uses (jti, tenant_id, alert_id, user_id, action, expires_at)
          values (${link.jti}, ${link.tenantId}, ${link.alertId}, ${link.memberId}, ${link.action},
                  to_timestamp(${link.expiresAt}))
          on conflict (jti) do nothing
          returning jti`;
        if (fresh.length === 0) {
          throw new ApiError(
            409,
            "link_already_used",
            "This action link was already used; nothing was changed",
          );
        }
        await actAsMember(tx, memberClaims({ tenantId: link.tenantId, userId: link.memberId }));
        // SQL judges the member: another tenant's alert is not found (SW002), a role too low
        // for the action is refused (SW003), an inactive member is no member (SW005).
        return await applyAction(tx, link.action, link.alertId, {
          note: "via action link",
          minutes: link.snoozeMinutes,
        });
      });
      logger?.info("action_link_used", {
        alert_id: link.alertId,
        action: link.action,
        user_id: link.memberId,
      });
      if (!wantsHtml(c)) {
        return c.json({ alert_id: link.alertId, action: link.action, status: alert.status }, 200, {
          "cache-control": "no-store",
        });
      }
      return c.html(
        outcomePage(
          `Alert ${DONE[link.action]}`,
          `"${alert.title}" is ${DONE[link.action]}.`,
        ),
        200 as ContentfulStatusCode,
        ACTION_PAGE_HEADERS,
      );
    } catch (error) {
      if (wantsHtml(c)) return htmlError(c, error);
      throw error;
    }
  });
}
