/**
 * @module
 * The columns of an alert the API returns (see `Alert` in alert_schemas.ts), as one SQL fragment
 * over a row aliased `a`, so every route answers the same shape. Numerics are cast to float8 so
 * they reach JSON as numbers, not strings.
 */

import type { Tx } from "../_shared/db.ts";

const ALERT_COLUMNS =
  `a.id, a.tenant_id, a.alert_type, a.category, a.severity, a.priority, a.status,
  a.title, a.description, a.recommended_action, a.business_impact, a.impact_value::float8 as impact_value,
  a.store_id, a.product_id, a.source, a.dedup_key, a.occurrence_count, a.first_seen_at, a.last_seen_at,
  a.created_at, a.updated_at, a.acknowledged_at, a.acknowledged_by, a.resolved_at, a.resolved_by,
  a.resolution_notes, a.snoozed_until, a.escalation_level, a.metadata,
  a.response_time_seconds::float8 as response_time_seconds,
  a.resolution_time_seconds::float8 as resolution_time_seconds`;

/**
 * The alert columns as a fragment to embed in a query over `… as a`.
 *
 * @example
 * ```ts
 * await tx`select ${alertColumns(tx)} from public.alerts as a where a.id = ${id}`;
 * ```
 */
export function alertColumns(tx: Tx) {
  return tx.unsafe(ALERT_COLUMNS);
}
