/**
 * @module
 * Replies to our SMS and WhatsApp messages (Twilio's incoming-message webhook,
 * `POST /notify/replies/twilio`, signature-checked like the status callbacks):
 *
 * - `ACK <code>` / `RESOLVE <code>` acknowledge or resolve the alert with that short code
 *   (`alert_code.ts`) as the member whose **verified** number sent it, under their claims, so SQL
 *   judges their tenant and role exactly as for an API call;
 * - `STOP` (and Twilio's other opt-out words) withdraws SMS/WhatsApp consent for that number, so
 *   routing writes no more deliveries to it; `START` (YES, UNSTOP) gives it back;
 * - anything else gets a short help text.
 *
 * The answer is TwiML (`<Response><Message>…</Message></Response>`): Twilio texts it back.
 */

import type { Hono } from "hono";
import { type Sql, withClaims } from "../_shared/db.ts";
import { describeError } from "../_shared/errors.ts";
import type { Logger } from "../_shared/logging.ts";
import { applyAction } from "../alerts/lifecycle.ts";
import { findAlertByCode } from "./alert_code.ts";
import { memberClaims } from "./member_claims.ts";
import { readSignedTwilioForm } from "./twilio_signature.ts";

/** Twilio's standard opt-out keywords. */
export const OPT_OUT_WORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"] as const;
/** Twilio's standard opt-in keywords. */
export const OPT_IN_WORDS = ["START", "YES", "UNSTOP"] as const;

const ACTIONS: Record<string, "acknowledge" | "resolve"> = {
  ACK: "acknowledge",
  ACKNOWLEDGE: "acknowledge",
  RESOLVE: "resolve",
};
const DONE = { acknowledge: "Acknowledged", resolve: "Resolved" } as const;

const HELP =
  "Shelfwatch: reply ACK <code> to acknowledge an alert, RESOLVE <code> to resolve it, STOP to stop these messages, START to get them again.";

/** What the reply route needs. */
export interface SmsReplyOptions {
  sql: Sql;
  /** `TWILIO_AUTH_TOKEN`. */
  twilioAuthToken?: string;
  /** `PUBLIC_URL`. */
  publicUrl: string;
  logger?: Logger;
}

/** What a text asks for. */
export type SmsCommand =
  | { kind: "opt_out" }
  | { kind: "opt_in" }
  | { kind: "action"; action: "acknowledge" | "resolve"; code: string }
  | { kind: "help" };

/**
 * Reads a reply's text (case and extra spaces ignored).
 *
 * @example
 * ```ts
 * parseSmsCommand(" ack 3f9a0c "); // { kind: "action", action: "acknowledge", code: "3f9a0c" }
 * parseSmsCommand("Stop"); // { kind: "opt_out" }
 * ```
 */
export function parseSmsCommand(text: string): SmsCommand {
  const [word = "", code, ...rest] = text.trim().split(/\s+/);
  const keyword = word.toUpperCase();
  if (rest.length === 0 && code === undefined) {
    if ((OPT_OUT_WORDS as readonly string[]).includes(keyword)) return { kind: "opt_out" };
    if ((OPT_IN_WORDS as readonly string[]).includes(keyword)) return { kind: "opt_in" };
  }
  const action = ACTIONS[keyword];
  if (action && code !== undefined && rest.length === 0) return { kind: "action", action, code };
  return { kind: "help" };
}

function twiml(message: string): Response {
  const escaped = message.replace(
    /[&<>]/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[ch]!,
  );
  return new Response(
    `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${escaped}</Message></Response>`,
    { headers: { "content-type": "text/xml; charset=utf-8" } },
  );
}

/**
 * Registers `POST /replies/twilio`.
 *
 * @example
 * ```ts
 * registerSmsReplies(app, { sql, twilioAuthToken, publicUrl });
 * ```
 */
export function registerSmsReplies(
  app: Hono,
  { sql, twilioAuthToken, publicUrl, logger }: SmsReplyOptions,
): void {
  app.post("/replies/twilio", async (c) => {
    const params = await readSignedTwilioForm(c.req.raw, {
      authToken: twilioAuthToken,
      publicUrl,
    });
    const from = params.get("From") ?? "";
    const channel = from.startsWith("whatsapp:") ? "whatsapp" : "sms";
    const number = from.replace(/^whatsapp:/, "");
    if (!/^\+[1-9][0-9]{6,14}$/.test(number)) return twiml(HELP);
    const command = parseSmsCommand(params.get("Body") ?? "");
    logger?.info("sms_reply", { channel, command: command.kind });

    if (command.kind === "opt_out" || command.kind === "opt_in") {
      const optedOut = command.kind === "opt_out";
      const [{ changed }] = await withClaims(
        sql,
        { role: "service_role" },
        (tx) =>
          tx<{ changed: number }[]>`
            select public.set_text_opt_out(${number}, ${channel}, ${optedOut}) as changed`,
      );
      const by = channel === "sms" ? "SMS" : "WhatsApp";
      if (optedOut) {
        return twiml(
          `You will get no more Shelfwatch alerts by ${by} on this number. Reply START to get them again.`,
        );
      }
      return twiml(
        changed > 0
          ? `Shelfwatch alerts by ${by} are on again for this number. Reply STOP to stop them.`
          : "This number is not verified for Shelfwatch alerts; verify it in the dashboard first.",
      );
    }
    if (command.kind === "help") return twiml(HELP);

    const members = await withClaims(
      sql,
      { role: "service_role" },
      (tx) =>
        tx<{ tenant_id: string; user_id: string }[]>`
          select m.tenant_id, m.user_id from public.tenant_members as m
          where m.active and case ${channel}::text
            when 'sms' then m.phone = ${number} and m.phone_verified_at is not null
            else m.whatsapp = ${number} and m.whatsapp_verified_at is not null end
          -- A number shared by several members of a tenant acts as the highest role among them.
          order by private.role_rank(m.role) desc, m.user_id`,
    );
    if (members.length === 0) {
      return twiml(
        "This number is not verified for Shelfwatch alerts; verify it in the dashboard first.",
      );
    }
    const code = command.code.toUpperCase();
    const found: { tenantId: string; userId: string; alertId: string; title: string }[] = [];
    let ambiguous = false;
    for (const member of members) {
      const match = await withClaims(
        sql,
        memberClaims({ tenantId: member.tenant_id, userId: member.user_id }),
        (tx) => findAlertByCode(tx, command.code, { tenantId: member.tenant_id }),
      );
      if (match.kind === "found") {
        found.push({
          tenantId: member.tenant_id,
          userId: member.user_id,
          alertId: match.alertId,
          title: match.title,
        });
      } else if (match.kind === "ambiguous") ambiguous = true;
    }
    const alerts = new Set(found.map((f) => f.alertId));
    if (alerts.size > 1 || (ambiguous && found.length === 0)) {
      return twiml(
        `Code ${code} matches more than one alert; reply with more characters of the alert id.`,
      );
    }
    if (found.length === 0) {
      return twiml(`No alert with code ${code}. Check the code in the message.`);
    }
    const [target] = found;
    try {
      await withClaims(
        sql,
        memberClaims({ tenantId: target.tenantId, userId: target.userId }),
        (tx) => applyAction(tx, command.action, target.alertId, { note: `via ${channel} reply` }),
      );
    } catch (error) {
      const known = describeError(error);
      if (!known) throw error;
      return twiml(`Could not ${command.action} ${code}: ${known.message}`.slice(0, 1500));
    }
    return twiml(`${DONE[command.action]} ${code}: ${target.title}`.slice(0, 1500));
  });
}
