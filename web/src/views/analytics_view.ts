/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * Analytics: alerts per day by severity, MTTA and MTTR by severity, SLA met / violated (last 7
 * days) and delivery outcomes by channel, over the last 30 days.
 */

import type { Api } from "../api.ts";
import { chartFigure, colorFor } from "../components/charts.ts";
import { formatSeconds, h, replace } from "../dom.ts";
import { SEVERITIES } from "../types.ts";

interface Daily {
  from: string;
  to: string;
  data: { day: string; severity: string; created: number }[];
}
interface BySeverity {
  data: {
    severity: string;
    created: number;
    mtta_seconds: number | null;
    mttr_seconds: number | null;
  }[];
}
interface DashboardFigures {
  open: number;
  created_today: number;
  last_7_days: {
    created: number;
    mtta_seconds: number | null;
    mttr_seconds: number | null;
    sla: { met: number; violated: number; pending: number; none: number };
  };
}
interface Deliveries {
  data: { channel: string; status: string; deliveries: number }[];
}

/**
 * Builds the view and loads its figures.
 *
 * @example
 * ```ts
 * main.append(analyticsView({ api }));
 * ```
 */
export function analyticsView({ api }: { api: Api }): HTMLElement {
  const grid = h("div", { class: "charts" }, h("p", { role: "status" }, "Loading…"));
  const tiles = h("div", { class: "tiles" });
  const section = h(
    "section",
    { class: "analytics-view", "aria-labelledby": "analytics-title" },
    h("h1", { id: "analytics-title" }, "Analytics"),
    tiles,
    grid,
  );

  Promise.all([
    api.get<Daily>("/analytics/daily"),
    api.get<BySeverity>("/analytics/by-severity"),
    api.get<DashboardFigures>("/analytics/dashboard"),
    api.get<Deliveries>("/analytics/deliveries"),
  ]).then(([daily, bySeverity, figures, deliveries]) => {
    replace(
      tiles,
      tile("Open now", String(figures.open)),
      tile("Created today", String(figures.created_today)),
      tile("MTTA (7 d)", formatSeconds(figures.last_7_days.mtta_seconds)),
      tile("MTTR (7 d)", formatSeconds(figures.last_7_days.mttr_seconds)),
    );
    replace(
      grid,
      perDay(daily).element,
      responseTimes(bySeverity).element,
      sla(figures).element,
      deliveryOutcomes(deliveries).element,
    );
  }).catch((error) => replace(grid, h("p", { class: "error" }, error.message)));
  return section;
}

function tile(label: string, value: string) {
  return h(
    "div",
    { class: "tile" },
    h("span", { class: "tile-value" }, value),
    h("span", {}, label),
  );
}

function perDay(daily: Daily) {
  const days: string[] = [];
  for (let d = new Date(`${daily.from}T00:00:00Z`); d <= new Date(`${daily.to}T00:00:00Z`);) {
    days.push(d.toISOString().slice(0, 10));
    d = new Date(d.getTime() + 86400e3);
  }
  const total = daily.data.reduce((sum, row) => sum + row.created, 0);
  return chartFigure(
    "Alerts per day by severity",
    `${total} alerts from ${daily.from} to ${daily.to}`,
    {
      type: "bar",
      data: {
        labels: days.map((day) => day.slice(5)),
        datasets: [...SEVERITIES].reverse().map((severity, i) => ({
          label: severity,
          backgroundColor: colorFor(severity, i),
          data: days.map((day) =>
            daily.data.find((row) => row.day === day && row.severity === severity)?.created ?? 0
          ),
        })),
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    },
  );
}

function responseTimes(bySeverity: BySeverity) {
  const rows = [...SEVERITIES].reverse().map((severity) =>
    bySeverity.data.find((row) => row.severity === severity) ??
      { severity, created: 0, mtta_seconds: null, mttr_seconds: null }
  );
  const minutes = (seconds: number | null) => seconds === null ? null : seconds / 60;
  return chartFigure(
    "MTTA and MTTR by severity (minutes, 30 days)",
    rows.map((row) =>
      `${row.severity}: MTTA ${formatSeconds(row.mtta_seconds)}, MTTR ${
        formatSeconds(row.mttr_seconds)
      }`
    ).join("; "),
    {
      type: "bar",
      data: {
        labels: rows.map((row) => row.severity),
        datasets: [
          {
            label: "MTTA",
            backgroundColor: "#1d4ed8",
            data: rows.map((r) => minutes(r.mtta_seconds)),
          },
          {
            label: "MTTR",
            backgroundColor: "#7c3aed",
            data: rows.map((r) => minutes(r.mttr_seconds)),
          },
        ],
      },
      options: { scales: { y: { beginAtZero: true } } },
    },
  );
}

function sla(figures: DashboardFigures) {
  const { met, violated, pending } = figures.last_7_days.sla;
  return chartFigure(
    "SLA, alerts of the last 7 days",
    `${met} met, ${violated} violated, ${pending} pending`,
    {
      type: "doughnut",
      data: {
        labels: ["met", "violated", "pending"],
        datasets: [{
          data: [met, violated, pending],
          backgroundColor: ["met", "violated", "pending"].map((name, i) => colorFor(name, i)),
        }],
      },
    },
  );
}

function deliveryOutcomes(deliveries: Deliveries) {
  const channels = [...new Set(deliveries.data.map((row) => row.channel))].sort();
  const statuses = [...new Set(deliveries.data.map((row) => row.status))].sort();
  const total = deliveries.data.reduce((sum, row) => sum + row.deliveries, 0);
  const ok = deliveries.data
    .filter((row) => row.status === "sent" || row.status === "delivered")
    .reduce((sum, row) => sum + row.deliveries, 0);
  return chartFigure(
    "Deliveries by channel and outcome (30 days)",
    total ? `${ok} of ${total} delivered (${Math.round((ok / total) * 100)}%)` : "No deliveries",
    {
      type: "bar",
      data: {
        labels: channels,
        datasets: statuses.map((status, i) => ({
          label: status,
          backgroundColor: colorFor(status, i),
          data: channels.map((channel) =>
            deliveries.data.find((row) => row.channel === channel && row.status === status)
              ?.deliveries ?? 0
          ),
        })),
      },
      options: {
        indexAxis: "y",
        scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } },
      },
    },
  );
}
