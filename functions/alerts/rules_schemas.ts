/**
 * @module
 * The zod schemas of `/alerts/rules`: a rule mirrors `public.alert_rules` (SQL validates the
 * semantics and answers SW001 naming the field; these schemas refuse wrong types and unknown
 * fields by name first).
 */

import { CHANNEL_NAMES } from "../_shared/channels.ts";
import { z } from "@hono/zod-openapi";
import { SEVERITIES } from "./alert_schemas.ts";
import { PageQueryFields } from "./request_schemas.ts";
import { dateTime, JsonValue, ServiceTenantId, text } from "./route_deps_schemas.ts";

/** Condition operators (`private.check_alert_rule`). */
export const CONDITION_OPS = [
  "eq",
  "neq",
  "gt",
  "gte",
  "lt",
  "lte",
  "in",
  "exists",
  "contains",
] as const;
/** Channels a rule may notify on. */
export const RULE_CHANNELS = [...CHANNEL_NAMES, "dashboard"] as const;
/** Member roles a rule may notify. */
export const MEMBER_ROLES = ["owner", "manager", "staff", "viewer"] as const;

/** One `{path, op, value}` condition on the event's payload. */
export const RuleCondition = z.strictObject({
  path: text(1, 200).openapi({ example: "on_hand" }),
  op: z.enum(CONDITION_OPS),
  value: JsonValue.optional(),
}).openapi("RuleCondition");

/** Severity from a payload value. */
export const SeverityMap = z.strictObject({
  path: text(1, 200),
  map: z.record(text(0, 200), z.enum(SEVERITIES)),
  default: z.enum(SEVERITIES).optional(),
}).openapi("SeverityMap");

function minutes(max: number) {
  return z.int().min(1).max(max).nullable().optional();
}

/** Every writable field of a rule; all optional (a patch). */
const ruleFields = {
  name: text(1, 200),
  event_types: z.array(text(1, 200)).min(1).max(50).openapi({ example: ["inventory.*"] }),
  conditions: z.array(RuleCondition).max(50),
  severity: z.enum(SEVERITIES).nullable(),
  severity_map: SeverityMap.nullable(),
  priority: z.int().min(0).max(100).nullable(),
  category: text(1, 32),
  alert_type: text(1, 64).nullable(),
  title_template: text(1, 2000),
  description_template: text(0, 2000).nullable(),
  recommended_action_template: text(0, 2000).nullable(),
  dedup_key_template: text(0, 2000).nullable(),
  aggregation_window_minutes: minutes(10080),
  notify_every: minutes(1000000),
  throttle_minutes: minutes(10080),
  max_alerts_per_hour: minutes(100000),
  channels: z.array(z.enum(RULE_CHANNELS)).max(8),
  notify_roles: z.array(z.enum(MEMBER_ROLES)).max(4),
  active: z.boolean(),
};

const patchShape = Object.fromEntries(
  Object.entries(ruleFields).map(([key, schema]) => [key, schema.optional()]),
) as { [K in keyof typeof ruleFields]: z.ZodOptional<(typeof ruleFields)[K]> };

/** `PATCH /alerts/rules/{id}`: the fields to change (null clears a nullable one). */
export const RulePatch = z.strictObject(patchShape).refine(
  (patch) => Object.keys(patch).length > 0,
  {
    message: "give at least one field to change",
  },
).openapi("RulePatch");
/** Parsed {@link RulePatch}. */
export type RulePatch = z.infer<typeof RulePatch>;

/** `POST /alerts/rules`: a new rule (defaults as in the table). */
export const RuleInput = z.strictObject({
  ...patchShape,
  name: ruleFields.name,
  event_types: ruleFields.event_types,
  title_template: ruleFields.title_template,
  tenant_id: ServiceTenantId,
}).openapi("RuleInput");
/** Parsed {@link RuleInput}. */
export type RuleInput = z.infer<typeof RuleInput>;

/** `POST /alerts/rules/dry-run`: an unsaved rule (name optional). */
export const DryRunInput = z.strictObject({
  ...patchShape,
  event_types: ruleFields.event_types,
  title_template: ruleFields.title_template,
  tenant_id: ServiceTenantId,
}).openapi("DryRunInput");
/** Parsed {@link DryRunInput}. */
export type DryRunInput = z.infer<typeof DryRunInput>;

/** `?since=` of the dry run. */
export const DryRunQuery = z.strictObject({
  since: dateTime().optional().openapi({ description: "Events since this time (default 7 days)" }),
});

/** A stored rule. */
export const Rule = z.object({
  id: z.uuid(),
  tenant_id: z.uuid(),
  name: z.string(),
  event_types: z.array(z.string()),
  conditions: z.array(RuleCondition),
  severity: z.enum(SEVERITIES).nullable(),
  severity_map: SeverityMap.nullable(),
  priority: z.int().nullable(),
  category: z.string(),
  alert_type: z.string().nullable(),
  title_template: z.string(),
  description_template: z.string().nullable(),
  recommended_action_template: z.string().nullable(),
  dedup_key_template: z.string().nullable(),
  aggregation_window_minutes: z.int().nullable(),
  notify_every: z.int().nullable(),
  throttle_minutes: z.int().nullable(),
  max_alerts_per_hour: z.int().nullable(),
  channels: z.array(z.enum(RULE_CHANNELS)),
  notify_roles: z.array(z.enum(MEMBER_ROLES)),
  active: z.boolean(),
  created_by: z.uuid().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
}).openapi("Rule");
/** A stored rule as answered. */
export type Rule = z.infer<typeof Rule>;

/** `GET /alerts/rules`: a page of rules, newest first, and the cursor of the next one. */
export const RuleList = z.object({
  data: z.array(Rule),
  next_cursor: z.string().nullable().openapi({
    description: "Pass as `cursor` for the next page; null on the last page",
  }),
}).openapi("RuleList");

/** `?limit=&cursor=&active=&tenant_id=` of the rule list. */
export const RulesQuery = z.strictObject({
  ...PageQueryFields,
  active: z.enum(["true", "false"]).optional().openapi({
    description: "true: only rules that fire; false: only switched-off rules",
  }),
  tenant_id: ServiceTenantId,
});
/** Parsed {@link RulesQuery}. */
export type RulesQuery = z.infer<typeof RulesQuery>;

/** What the dry run answers: how many events of the rule's types it saw, which matched. */
export const DryRunResult = z.object({
  evaluated: z.int(),
  matched: z.int(),
  events: z.array(z.object({
    event_id: z.uuid(),
    title: z.string().nullable(),
    severity: z.enum(SEVERITIES).nullable(),
  })).openapi({ description: "Matching events, newest first (at most 500)" }),
}).openapi("DryRunResult");
