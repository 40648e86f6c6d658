/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * The shapes the dashboard reads from the alerts API and from Realtime (see
 * `/functions/v1/alerts/openapi.json`).
 */

/** Alert severities, lowest first. */
export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
/** A severity. */
export type Severity = typeof SEVERITIES[number];
/** Alert statuses. */
export const STATUSES = ["active", "acknowledged", "snoozed", "resolved"] as const;
/** A status. */
export type Status = typeof STATUSES[number];

/** An alert row. */
export interface Alert {
  id: string;
  tenant_id: string;
  alert_type: string;
  category: string;
  severity: Severity;
  priority: number;
  status: Status;
  title: string;
  description: string;
  recommended_action: string | null;
  business_impact: string | null;
  impact_value: number | null;
  store_id: string | null;
  product_id: string | null;
  source: string;
  dedup_key: string;
  occurrence_count: number;
  first_seen_at: string;
  last_seen_at: string;
  created_at: string;
  updated_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution_notes: string | null;
  snoozed_until: string | null;
  escalation_level: number;
  metadata: Record<string, unknown>;
}

/** One audit-trail row. */
export interface HistoryEntry {
  id: string;
  action: string;
  from_status: string | null;
  to_status: string | null;
  actor_id: string | null;
  note: string | null;
  created_at: string;
}

/** A delivery of an alert. */
export interface Delivery {
  id: string;
  channel: string;
  reason: string;
  status: string;
  attempts: number;
  sent_at: string | null;
  error_reason: string | null;
  created_at: string;
}

/** An alert with its history and deliveries. */
export interface AlertDetail extends Alert {
  history: HistoryEntry[];
  deliveries: Delivery[];
}

/** Counts by severity × status. */
export interface Summary {
  counts: Record<Severity, Record<Status, number>>;
  open: number;
  total: number;
}

/** A member as the member list shows them. */
export interface Member {
  user_id: string;
  role: string;
  display_name: string;
  email: string | null;
}

/** What Realtime broadcasts for each alert insert or update. */
export interface AlertChange {
  operation: "INSERT" | "UPDATE";
  record: Alert;
  old_record: Partial<Alert> | null;
}
