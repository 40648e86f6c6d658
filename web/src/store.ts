/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * The alerts view's state in one place: the filtered list, counters, selection, focus, the open
 * alert and who else is looking. Views render from it and re-render when it changes.
 */

import { type AlertFilters, DEFAULT_FILTERS, matchesFilters } from "./filters.ts";
import type { FeedStatus, PresenceMeta } from "./realtime.ts";
import type { Alert, AlertChange, Summary } from "./types.ts";

/** The state. */
export interface AlertsState {
  alerts: Alert[];
  /** Where the list continues (the API's `next_cursor`). */
  nextCursor: string | null;
  summary: Summary | null;
  filters: AlertFilters;
  selected: Set<string>;
  /** Index of the keyboard focus in `alerts`. */
  focus: number;
  /** The alert whose detail is open. */
  openId: string | null;
  status: FeedStatus;
  presence: PresenceMeta[];
  /** Ids that arrived or changed live, for a moment's highlight. */
  fresh: Set<string>;
  loading: boolean;
  error: string | null;
}

/** A tiny observable store. */
export interface Store {
  get(): AlertsState;
  update(change: Partial<AlertsState>): void;
  subscribe(listener: (state: AlertsState) => void): () => void;
}

/**
 * Creates the store.
 *
 * @example
 * ```ts
 * const store = createStore();
 * store.subscribe((state) => render(state));
 * ```
 */
export function createStore(): Store {
  let state: AlertsState = {
    alerts: [],
    nextCursor: null,
    summary: null,
    filters: { ...DEFAULT_FILTERS },
    selected: new Set(),
    focus: 0,
    openId: null,
    status: "connecting",
    presence: [],
    fresh: new Set(),
    loading: false,
    error: null,
  };
  const listeners = new Set<(state: AlertsState) => void>();
  let scheduled = false;
  return {
    get: () => state,
    update(change) {
      state = { ...state, ...change };
      // One render per frame however many changes arrive (a burst of live changes included).
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        for (const listener of listeners) listener(state);
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * The list after a live change: the alert replaced in place, added at the top when new (and
 * matching the filters), or removed when it no longer matches. Answers null when the change is
 * older than what the list holds.
 *
 * @example
 * ```ts
 * const alerts = applyChange(state.alerts, change, state.filters) ?? state.alerts;
 * ```
 */
export function applyChange(
  alerts: Alert[],
  change: AlertChange,
  filters: AlertFilters,
): Alert[] | null {
  const record = change.record;
  const index = alerts.findIndex((alert) => alert.id === record.id);
  const current = index >= 0 ? alerts[index] : undefined;
  if (current && Date.parse(current.updated_at) > Date.parse(record.updated_at)) return null;
  const keep = matchesFilters(record, filters);
  if (current && keep) return alerts.map((alert, i) => (i === index ? record : alert));
  if (current) return alerts.filter((_, i) => i !== index);
  if (!keep) return null;
  const next = [record, ...alerts];
  return next.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
}
