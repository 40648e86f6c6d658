/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * What the alerts view does: loads the filtered list and counters, folds live changes in, refetches
 * after a reconnect, and runs acknowledge / resolve / snooze (one alert or in bulk).
 */

import type { Api } from "./api.ts";
import { announceCritical } from "./attention.ts";
import { filtersToQuery } from "./filters.ts";
import { applyChange, type Store } from "./store.ts";
import type { Alert, AlertChange, Summary } from "./types.ts";

/** An action on alerts. */
export type AlertAction = "acknowledge" | "resolve" | "snooze" | "unsnooze";

/** The controller. */
export type AlertsController = ReturnType<typeof createAlertsController>;

const FRESH_MS = 4000;
const SUMMARY_MS = 300;

/**
 * Creates the controller over the store.
 *
 * @example
 * ```ts
 * const alerts = createAlertsController({ api, store, onOpen });
 * await alerts.load();
 * ```
 */
export function createAlertsController(
  { api, store, onOpen }: { api: Api; store: Store; onOpen(id: string): void },
) {
  let generation = 0;
  let summaryTimer: ReturnType<typeof setTimeout> | undefined;
  const changeListeners = new Set<(change: AlertChange) => void>();

  async function load() {
    const mine = ++generation;
    store.update({ loading: true, error: null });
    try {
      const query = { ...filtersToQuery(store.get().filters), limit: "100" };
      const [page, summary] = await Promise.all([
        api.get<{ data: Alert[]; next_cursor: string | null }>("", query),
        api.get<Summary>("/summary"),
      ]);
      if (mine !== generation) return;
      const ids = new Set(page.data.map((alert) => alert.id));
      const selected = new Set([...store.get().selected].filter((id) => ids.has(id)));
      store.update({
        alerts: page.data,
        nextCursor: page.next_cursor,
        summary,
        selected,
        loading: false,
        focus: Math.min(store.get().focus, Math.max(page.data.length - 1, 0)),
      });
    } catch (error) {
      if (mine === generation) store.update({ loading: false, error: (error as Error).message });
    }
  }

  async function loadMore() {
    const { nextCursor, filters, alerts } = store.get();
    if (!nextCursor) return;
    const page = await api.get<{ data: Alert[]; next_cursor: string | null }>("", {
      ...filtersToQuery(filters),
      limit: "100",
      cursor: nextCursor,
    });
    const known = new Set(alerts.map((alert) => alert.id));
    store.update({
      alerts: [...alerts, ...page.data.filter((alert) => !known.has(alert.id))],
      nextCursor: page.next_cursor,
    });
  }

  // At most one summary request per SUMMARY_MS, and always one after the last change.
  function refreshSummarySoon() {
    if (summaryTimer !== undefined) return;
    summaryTimer = setTimeout(async () => {
      summaryTimer = undefined;
      try {
        store.update({ summary: await api.get<Summary>("/summary") });
      } catch {
        // The next change or reload tries again.
      }
    }, SUMMARY_MS);
  }

  function handleChange(change: AlertChange) {
    const state = store.get();
    const alerts = applyChange(state.alerts, change, state.filters);
    const fresh = new Set(state.fresh).add(change.record.id);
    store.update({ ...(alerts ? { alerts } : {}), fresh });
    setTimeout(() => {
      const next = new Set(store.get().fresh);
      next.delete(change.record.id);
      store.update({ fresh: next });
    }, FRESH_MS);
    refreshSummarySoon();
    const becameCritical = change.record.severity === "critical" &&
      change.record.status === "active" &&
      (change.operation === "INSERT" || change.old_record?.severity !== "critical" ||
        (change.old_record?.escalation_level ?? 0) < change.record.escalation_level);
    if (becameCritical) announceCritical(change.record, () => onOpen(change.record.id));
    for (const listener of changeListeners) listener(change);
  }

  async function act(
    action: AlertAction,
    ids: string[],
    { note, minutes }: { note?: string; minutes?: number } = {},
  ): Promise<string[]> {
    const body: Record<string, unknown> = {};
    if (note?.trim()) body.note = note.trim();
    if (action === "snooze") body.minutes = minutes ?? 60;
    const failures: string[] = [];
    if (ids.length > 1 && (action === "acknowledge" || action === "resolve")) {
      const { results } = await api.post<
        { results: { id: string; ok: boolean; error?: { message: string } }[] }
      >(`/bulk/${action}`, { ids, ...body });
      for (const result of results) {
        if (!result.ok) failures.push(result.error?.message ?? "failed");
      }
    } else {
      for (const id of ids) {
        try {
          const updated = await api.post<Alert>(`/${id}/${action}`, body);
          if (updated?.id) handleChange({ operation: "UPDATE", record: updated, old_record: null });
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    }
    refreshSummarySoon();
    return failures;
  }

  return {
    load,
    loadMore,
    handleChange,
    act,
    /** Listens to live changes (the open detail refreshes itself). */
    onChange(listener: (change: AlertChange) => void) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
  };
}
