/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * @module
 * Charts drawn with chart.js (bundled, nothing from a CDN): only the pieces the analytics view
 * uses are registered, in the severity colours of the rest of the dashboard.
 */

import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";
import { h } from "../dom.ts";

Chart.register(
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
);

/** Colours by severity (the badges' colours) and for outcomes. */
export const COLORS: Record<string, string> = {
  critical: "#b3261e",
  high: "#c2410c",
  medium: "#a16207",
  low: "#3f6212",
  met: "#157f3b",
  violated: "#b3261e",
  pending: "#6b7280",
  sent: "#157f3b",
  delivered: "#0f766e",
  failed: "#b3261e",
  queued: "#6b7280",
};
const FALLBACK = ["#1d4ed8", "#7c3aed", "#0f766e", "#be185d", "#4b5563"];

/**
 * A colour for a series name.
 *
 * @example
 * ```ts
 * colorFor("critical", 0); // "#b3261e"
 * ```
 */
export function colorFor(name: string, index: number): string {
  return COLORS[name] ?? FALLBACK[index % FALLBACK.length];
}

/** A figure: the canvas, its caption and a text summary for screen readers. */
export interface ChartFigure {
  element: HTMLElement;
  chart: Chart;
}

/**
 * Draws a chart in a new `<figure>`.
 *
 * @example
 * ```ts
 * const { element } = chartFigure("Alerts per day", "12 alerts", config);
 * ```
 */
export function chartFigure(
  caption: string,
  summary: string,
  config: ChartConfiguration,
): ChartFigure {
  const canvas = h("canvas", { role: "img", "aria-label": `${caption}: ${summary}` });
  const element = h(
    "figure",
    { class: "chart" },
    h("figcaption", {}, caption),
    h("div", { class: "chart-box" }, canvas),
    h("p", { class: "chart-summary" }, summary),
  );
  const chart = new Chart(canvas, {
    ...config,
    options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
  });
  return { element, chart };
}
