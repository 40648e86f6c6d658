/**
 * @module
 * The zod schemas of the `/alerts/members*` routes (own preferences, the member list, managing
 * members). Bodies are strict objects: an unknown field is refused by name. The database checks
 * the same rules again (constraints, the preferences trigger raising SW001, the owner guard).
 */

import { z } from "@hono/zod-openapi";
import { SEVERITIES } from "./alert_schemas.ts";

/** Member roles, lowest first. */
export const MEMBER_ROLES = ["viewer", "staff", "manager", "owner"] as const;
/** Channels a member may pick per severity. */
export const MEMBER_CHANNELS = ["email", "sms", "whatsapp", "push", "digest"] as const;

const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/, {
  message: "must be a phone number in E.164 form, e.g. +4915112345678",
});
const email = z.string().max(320).regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, {
  message: "must be an email address",
});
const language = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, {
  message: "must be a language tag such as en or pt-BR",
});
const displayName = z.string().max(200).refine((value) => !value.includes("\u0000"), {
  message: "must not contain NUL characters",
});
const time = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, {
  message: 'must be a time "HH:MM"',
});
const storeIds = z.array(z.string().min(1).max(200)).max(1000).nullable().openapi({
  description: "Stores the member looks after; null = every store",
});

/** Per severity, the channels to use (a severity left out keeps the tenant's default). */
export const ChannelsPerSeverity = z.partialRecord(
  z.enum(SEVERITIES),
  z.array(z.enum(MEMBER_CHANNELS)).max(MEMBER_CHANNELS.length),
);

/** Per channel, how many messages at most. */
const RateLimits = z.partialRecord(
  z.enum(["email", "sms", "whatsapp", "push"]),
  z.strictObject({
    per_hour: z.int().min(1).max(100000).optional(),
    per_day: z.int().min(1).max(1000000).optional(),
  }),
);

/** `{user_id}` of the member routes. */
export const MemberIdParams = z.object({
  user_id: z.uuid().openapi({
    param: { name: "user_id", in: "path" },
    example: "a1000000-0000-4000-8000-000000000002",
  }),
});

/** `PATCH /alerts/members/me/preferences`: contact points, consents and notification choices. */
export const PreferencesPatch = z.strictObject({
  display_name: displayName.optional(),
  email: email.nullable().optional(),
  phone: e164.nullable().optional(),
  whatsapp: e164.nullable().optional(),
  language: language.optional(),
  timezone: z.string().max(64).nullable().optional().openapi({
    description: "IANA zone for quiet hours; null = the store's or tenant's",
  }),
  email_consent: z.boolean().optional(),
  sms_consent: z.boolean().optional(),
  whatsapp_consent: z.boolean().optional(),
  push_consent: z.boolean().optional(),
  channels: ChannelsPerSeverity.optional(),
  quiet_hours: z.strictObject({ start: time, end: time }).nullable().optional().openapi({
    description: "null = no quiet hours, even if the tenant has a default",
  }),
  digest: z.enum(["hourly", "daily", "off"]).optional(),
  rate_limits: RateLimits.optional(),
}).refine((body) => Object.keys(body).length > 0, { message: "must change at least one field" })
  .openapi("PreferencesPatch");
/** A parsed preferences patch. */
export type PreferencesPatch = z.infer<typeof PreferencesPatch>;

/** The keys of a patch stored in `tenant_members.preferences`; the others are columns. */
export const PREFERENCE_KEYS = ["channels", "quiet_hours", "digest", "rate_limits"] as const;

/** The caller's own member row: contact points, consents and stored preferences. */
export const MyPreferences = z.object({
  tenant_id: z.uuid(),
  user_id: z.uuid(),
  role: z.enum(MEMBER_ROLES),
  display_name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  phone_verified: z.boolean(),
  whatsapp: z.string().nullable(),
  whatsapp_verified: z.boolean(),
  language: z.string(),
  timezone: z.string().nullable(),
  email_consent: z.boolean(),
  sms_consent: z.boolean(),
  whatsapp_consent: z.boolean(),
  push_consent: z.boolean(),
  preferences: z.record(z.string(), z.unknown()).openapi({
    description: "What the member set (channels, quiet_hours, digest, rate_limits); " +
      "anything left out follows the tenant's settings",
  }),
}).openapi("MyPreferences");

/** A member as the member list shows them. */
export const Member = z.object({
  user_id: z.uuid(),
  role: z.enum(MEMBER_ROLES),
  display_name: z.string(),
  email: z.string().nullable(),
  language: z.string(),
  timezone: z.string().nullable(),
  store_ids: z.array(z.string()).nullable(),
  active: z.boolean(),
  created_at: z.iso.datetime(),
}).openapi("Member");

/** `GET /alerts/members`. */
export const MemberList = z.object({ data: z.array(Member) }).openapi("MemberList");

/** `POST /alerts/members` (owners). */
export const NewMember = z.strictObject({
  user_id: z.uuid(),
  role: z.enum(MEMBER_ROLES),
  display_name: displayName.optional(),
  email: email.nullable().optional(),
  phone: e164.nullable().optional(),
  whatsapp: e164.nullable().optional(),
  language: language.optional(),
  store_ids: storeIds.optional(),
}).openapi("NewMember");

/** `PATCH /alerts/members/{user_id}` (owners; a member may change their own non-role fields). */
export const MemberPatch = z.strictObject({
  role: z.enum(MEMBER_ROLES).optional(),
  display_name: displayName.optional(),
  store_ids: storeIds.optional(),
  active: z.boolean().optional(),
}).refine((body) => Object.keys(body).length > 0, { message: "must change at least one field" })
  .openapi("MemberPatch");
