/**
 * @module
 * The dispatcher: claims due deliveries (`claim_deliveries`: SKIP LOCKED, a lease, highest
 * priority then oldest), loads everything needed to render them in one more query, renders and
 * sends them concurrently through the send gate (per-provider concurrency, per-destination rate,
 * by waiting), and records each outcome: `complete_deliveries` (sent, batched), `fail_delivery` (retry with
 * backoff honouring the provider's wait, or permanent), `defer_delivery` (no room within the
 * lease). A result that comes back after the lease was lost is dropped (SW004): the delivery is
 * someone else's by then, and its idempotency key keeps the provider from sending it twice.
 */

import type { Sql } from "../_shared/db.ts";
import { createLogger, type Logger } from "../_shared/logging.ts";
import { buildActionLinkUrl } from "./action_link_token.ts";
import { type ChannelSet, createChannelSet } from "./channel_set.ts";
import type { SendResult } from "./http_outcome.ts";
import type { NotifyConfig } from "./notify_config.ts";
import { type ActionLinks, type DeliveryContext, renderMessage } from "./render.ts";
import { decide, type Decision } from "./retry_decision.ts";
import { createSendGate, type SendGate } from "./send_gate.ts";
import { configSecrets, messageSecrets, redactSecrets } from "./secret_redaction.ts";
import { completionBatcher } from "./completion_batcher.ts";

/** What one dispatch did. */
export interface DispatchSummary {
  claimed: number;
  sent: number;
  /** Failed for now; pending again after a backoff. */
  retried: number;
  /** Failed for good (a bad address, an opt-out, a rejected request). */
  failed: number;
  /** Out of attempts. */
  dead: number;
  /** Handed back without spending an attempt: the destination's send rate had no room in time. */
  deferred: number;
  /** Results dropped because the lease had passed to another worker. */
  lost: number;
  /** Send latency (request out to answer), milliseconds. */
  latency_ms: { p50: number | null; max: number | null };
  ms: number;
}

/**
 * A summary of nothing yet: the start of a batch's summary, or of a sum of them.
 *
 * @example
 * ```ts
 * const summary = emptySummary(); // { claimed: 0, sent: 0, ..., latency_ms: { p50: null, max: null } }
 * ```
 */
export function emptySummary(): DispatchSummary {
  return {
    claimed: 0,
    sent: 0,
    retried: 0,
    failed: 0,
    dead: 0,
    deferred: 0,
    lost: 0,
    latency_ms: { p50: null, max: null },
    ms: 0,
  };
}

/** Options of {@link createDispatcher}. */
export interface DispatcherOptions {
  /** A service connection (bypasses RLS; may call claim_deliveries). */
  sql: Sql;
  config: NotifyConfig;
  /** Names this worker in `deliveries.claimed_by`. */
  worker?: string;
  logger?: Logger;
  /** Signs one-click action links; unset = emails carry only the dashboard link. */
  actionLinkSecret?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Replaces the channels built from `config` (tests). */
  channels?: ChannelSet;
}

/** A dispatcher; its gate and circuit breakers live as long as it does. */
export interface Dispatcher {
  /** Deliveries claimed per dispatch unless told otherwise. */
  readonly batchSize: number;
  dispatch(options?: { batchSize?: number }): Promise<DispatchSummary>;
}

interface ClaimedRow extends DeliveryContext {
  allowed: boolean;
  attempts: number;
}

/** Time kept back from the lease for recording the outcome. */
const RECORD_MARGIN_MS = 2_000;

/**
 * @example
 * ```ts
 * const dispatcher = createDispatcher({ sql, config: loadNotifyConfig() });
 * const summary = await dispatcher.dispatch(); // { claimed: 3, sent: 3, ... }
 * ```
 */
export function createDispatcher(
  {
    sql,
    config,
    worker = `notify-${crypto.randomUUID().slice(0, 8)}`,
    logger = createLogger("notify"),
    actionLinkSecret,
    now = Date.now,
    sleep,
    channels,
  }: DispatcherOptions,
): Dispatcher {
  const channelSet = channels ?? createChannelSet({
    config,
    sql,
    now,
    onPushGone: async (subscription) => {
      if (!subscription.id) return;
      await sql`update public.push_subscriptions set failed_at = now()
                where id = ${subscription.id} and failed_at is null`;
    },
  });
  const gate: SendGate = createSendGate({ concurrency: config.concurrency, now, sleep });
  const complete = completionBatcher(sql, { now });
  const knownSecrets = [...configSecrets(config), actionLinkSecret].filter((s): s is string =>
    Boolean(s)
  );

  async function links(ctx: DeliveryContext): Promise<ActionLinks | undefined> {
    if (!actionLinkSecret || ctx.channel !== "email" || !ctx.user_id || !ctx.alert) return;
    if (ctx.reason === "resolved" || ctx.reason === "digest") return;
    const sign = (action: "acknowledge" | "resolve" | "snooze") =>
      buildActionLinkUrl(
        { tenantId: ctx.tenant_id, alertId: ctx.alert!.id, action, memberId: ctx.user_id! },
        {
          publicUrl: config.publicUrl,
          secret: actionLinkSecret,
          now,
          ttlSeconds: config.actionLinkTtlSeconds,
        },
      );
    const [acknowledge, resolve, snooze] = await Promise.all([
      sign("acknowledge"),
      sign("resolve"),
      sign("snooze"),
    ]);
    return { acknowledge, resolve, snooze };
  }

  async function claim(batchSize: number): Promise<ClaimedRow[]> {
    // Two statements: the claim commits first, so the context query's snapshot sees the alerts
    // of every claimed delivery (within one statement the joins would use a snapshot older than
    // the one claim_deliveries() took, and miss an alert committed in between).
    const claimed = await sql<{ id: string }[]>`
      select id from public.claim_deliveries(${worker}, ${batchSize}, ${config.leaseSeconds})`;
    if (claimed.length === 0) return [];
    const rows = await sql.unsafe<ClaimedRow[]>(CONTEXT_SQL, [claimed.map((c) => c.id)]);
    const needSecret = [
      ...new Set(
        rows.filter((r) => r.channel === "webhook" && !r.webhook_secret).map((r) => r.tenant_id),
      ),
    ];
    if (needSecret.length > 0) {
      await sql`insert into public.webhook_secrets (tenant_id)
                select unnest(${needSecret}::uuid[]) on conflict (tenant_id) do nothing`;
      const secrets = await sql<{ tenant_id: string; secret: string }[]>`
        select tenant_id, secret from public.webhook_secrets where tenant_id = any(${needSecret}::uuid[])`;
      const byTenant = new Map(secrets.map((s) => [s.tenant_id, s.secret]));
      for (const row of rows) {
        if (row.channel === "webhook") row.webhook_secret ??= byTenant.get(row.tenant_id) ?? null;
      }
    }
    return rows;
  }

  /** Records the decision; the delivery's new status, or `lost` when its lease had passed on. */
  async function record(id: string, decision: Decision, leaseEnds: number): Promise<string> {
    if (decision.kind === "sent") {
      const recorded = await complete({
        id,
        provider: decision.provider,
        providerMessageId: decision.providerId,
        retryUntil: leaseEnds,
      });
      return recorded ? "sent" : "lost";
    }
    const retryable = decision.kind === "retry";
    const after = decision.kind === "retry" ? decision.retryAfterSeconds : null;
    try {
      const [row] = await sql<{ status: string }[]>`
        select status from public.fail_delivery(${id}, ${retryable}, ${decision.reason},
                                                ${decision.error}, ${after})`;
      return row.status;
    } catch (error) {
      if ((error as { code?: string }).code === "SW004") return "lost";
      throw error;
    }
  }

  async function deliver(
    ctx: ClaimedRow,
    leaseEnds: number,
    summary: DispatchSummary,
    latencies: number[],
  ): Promise<void> {
    let decision: Decision;
    let provider = "none";
    let latency: number | undefined;
    if (!ctx.allowed) {
      decision = {
        kind: "fail",
        reason: "unsubscribed",
        error: `Not sent: the member left, is inactive or withdrew consent for ${ctx.channel}`,
      };
    } else {
      const message = renderMessage(ctx, { publicUrl: config.publicUrl, links: await links(ctx) });
      if ("error" in message) {
        decision = { kind: "fail", reason: message.reason, error: message.error };
      } else {
        const channel = channelSet.channelFor(message);
        provider = channel.provider;
        const maxWait = leaseEnds - now() - config.timeoutMs - RECORD_MARGIN_MS;
        const outcome = await gate.run(
          channelSet.gateKey(message),
          Math.max(0, maxWait),
          async () => {
            const started = performance.now();
            let result: SendResult;
            try {
              result = await channel.send(message, {
                signal: AbortSignal.timeout(config.timeoutMs),
              });
            } catch (error) {
              // A channel should not throw; if one does (the inbox's database), retry later.
              result = {
                ok: false,
                retryable: true,
                reason: "other",
                error: `${channel.provider} failed: ${(error as Error)?.name ?? "error"}`,
              };
            }
            latency = performance.now() - started;
            return result;
          },
        );
        if (!outcome.ran) {
          const seconds = Math.min(86_400, Math.ceil(outcome.waitMs / 1000));
          try {
            await sql`select public.defer_delivery(${ctx.id}, ${seconds},
                        ${`Waiting for room in ${provider}'s send rate`})`;
            summary.deferred++;
          } catch (error) {
            if ((error as { code?: string }).code !== "SW004") throw error;
            summary.lost++;
          }
          return;
        }
        decision = decide(outcome.value, provider);
        if (decision.kind !== "sent") {
          const secrets = [...knownSecrets, ...messageSecrets(message)];
          decision = { ...decision, error: redactSecrets(decision.error, secrets) };
        }
      }
    }
    const status = await record(ctx.id, decision, leaseEnds);
    if (status === "lost") {
      summary.lost++;
      logger.info("delivery_lease_lost", { delivery_id: ctx.id, channel: ctx.channel });
      return;
    }
    if (status === "sent") summary.sent++;
    else if (status === "pending") summary.retried++;
    else if (status === "dead") summary.dead++;
    else summary.failed++;
    if (latency !== undefined) latencies.push(latency);
    logger.info("delivery", {
      delivery_id: ctx.id,
      channel: ctx.channel,
      provider: decision.kind === "sent" ? decision.provider : provider,
      status,
      attempt: ctx.attempts,
      latency_ms: latency === undefined ? null : Math.round(latency),
      ...(decision.kind === "sent"
        ? { provider_message_id: decision.providerId }
        : { reason: decision.reason, error: decision.error }),
    });
  }

  return {
    batchSize: config.batchSize,
    async dispatch({ batchSize = config.batchSize } = {}) {
      const started = performance.now();
      const claimedAt = now();
      const rows = await claim(batchSize);
      const summary: DispatchSummary = { ...emptySummary(), claimed: rows.length };
      const latencies: number[] = [];
      const leaseEnds = claimedAt + config.leaseSeconds * 1000;
      const results = await Promise.allSettled(
        rows.map((row) => deliver(row, leaseEnds, summary, latencies)),
      );
      for (const result of results) {
        if (result.status === "rejected") {
          // Left sending: its lease expires and another dispatch takes it again.
          logger.error("delivery_record_failed", { error: String(result.reason?.message) });
        }
      }
      latencies.sort((a, b) => a - b);
      if (latencies.length > 0) {
        summary.latency_ms = {
          p50: Math.round(latencies[Math.floor((latencies.length - 1) / 2)]),
          max: Math.round(latencies.at(-1)!),
        };
      }
      summary.ms = Math.round(performance.now() - started);
      return summary;
    },
  };
}

/** An alert as {@link DeliveryContext} carries it, from aliases for the alert, store and product. */
function alertView(a: string, s: string, p: string): string {
  return `case when ${a}.id is not null then jsonb_build_object(
       'id', ${a}.id, 'title', ${a}.title, 'severity', ${a}.severity, 'status', ${a}.status,
       'description', ${a}.description, 'recommended_action', ${a}.recommended_action,
       'business_impact', ${a}.business_impact, 'impact_value', ${a}.impact_value,
       'store_id', ${a}.store_id, 'store_name', ${s}.name, 'product_id', ${a}.product_id,
       'product_name', ${p}.name, 'image_url', ${p}.image_url, 'alert_type', ${a}.alert_type,
       'occurrence_count', ${a}.occurrence_count, 'created_at', ${a}.created_at,
       'metadata', ${a}.metadata) end`;
}

/**
 * Loads, for claimed deliveries ($1: their ids), what rendering needs: alert (with store and
 * product names), digest items, member contact points and whether they may still be reached on
 * the channel, push subscriptions, the webhook secret.
 */
const CONTEXT_SQL = `
  with claimed as materialized (
    select * from public.deliveries where id = any($1::uuid[])
  )
  select c.id, c.tenant_id, t.name as tenant_name, c.alert_id, c.user_id, c.destination,
         c.channel, c.reason, c.escalation_level, c.idempotency_key, c.attempts,
         ${alertView("a", "s", "p")} as alert,
         case when c.reason = 'digest' then (
           select coalesce(jsonb_agg(${alertView("ia", "iss", "ip")}
                                     order by ia.priority desc, ia.created_at), '[]')
           from public.deliveries as i
           join public.alerts as ia on ia.id = i.alert_id
           left join public.stores as iss on iss.tenant_id = ia.tenant_id and iss.id = ia.store_id
           left join public.products as ip on ip.tenant_id = ia.tenant_id and ip.id = ia.product_id
           where i.digest_id = c.id
         ) end as digest_items,
         case when m.user_id is not null then jsonb_build_object(
           'email', m.email, 'phone', m.phone, 'whatsapp', m.whatsapp,
           'display_name', m.display_name) end as member,
         case when c.channel = 'push' then (
           select coalesce(jsonb_agg(jsonb_build_object('id', ps.id, 'endpoint', ps.endpoint,
             'keys', jsonb_build_object('p256dh', ps.p256dh, 'auth', ps.auth))), '[]')
           from public.push_subscriptions as ps
           where ps.tenant_id = c.tenant_id and ps.user_id = c.user_id and ps.failed_at is null
         ) end as subscriptions,
         ws.secret as webhook_secret,
         case
           when c.user_id is null then true
           when m.user_id is null or not m.active then false
           else case c.channel
             when 'email' then m.email_consent
             when 'sms' then m.sms_consent and m.phone_verified_at is not null
             when 'whatsapp' then m.whatsapp_consent and m.whatsapp_verified_at is not null
             when 'push' then m.push_consent
             else false end
         end as allowed
  from claimed as c
  join public.tenants as t on t.id = c.tenant_id
  left join public.alerts as a on a.id = c.alert_id
  left join public.stores as s on s.tenant_id = a.tenant_id and s.id = a.store_id
  left join public.products as p on p.tenant_id = a.tenant_id and p.id = a.product_id
  left join public.tenant_members as m on m.tenant_id = c.tenant_id and m.user_id = c.user_id
  left join public.webhook_secrets as ws on ws.tenant_id = c.tenant_id and c.channel = 'webhook'
  order by c.priority desc, c.due_at, c.id`;
