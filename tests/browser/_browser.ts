/**
 * @module
 * Browser-test support: Chromium (`/usr/bin/chromium`) driven by playwright-core, the local stack
 * in-process with the demo data in its throwaway database and the dashboard bundle built, and
 * screenshots kept under `tests/artifacts/browser/` (git-ignored).
 */

import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { buildDashboard } from "../../local/dashboard_build.ts";
import { applySeed } from "../../local/migrations.ts";
import { PROJECT_ROOT } from "../../local/settings.ts";
import { startTestStack, type TestStack } from "../_support/stack.ts";

/** Chromium from Debian's package (`./shelfwatch test` installs it when missing). */
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Where screenshots go. */
export const ARTIFACTS = `${PROJECT_ROOT}/tests/artifacts/browser`;

/** Generous bound for anything that travels SQL → Realtime → page (never asserted as timing). */
export const LIVE_TIMEOUT_MS = 45_000;

/** A stack with demo data, a browser, and helpers; dispose closes both. */
export interface DashboardWorld extends AsyncDisposable {
  stack: TestStack;
  browser: Browser;
  /** A new browser context (its own storage, so its own sign-in). */
  context(options?: { viewport?: { width: number; height: number } }): Promise<BrowserContext>;
  /** Opens the dashboard in a new context and signs in as the demo user of `role`. */
  signIn(
    role: "owner" | "manager" | "staff" | "viewer",
    options?: { viewport?: { width: number; height: number } },
  ): Promise<Page>;
  /** Saves a full-page screenshot as `tests/artifacts/browser/<name>.png`. */
  screenshot(page: Page, name: string): Promise<string>;
}

/**
 * Starts a stack (demo data seeded; `options` as {@link startTestStack}'s, e.g. Realtime limits),
 * builds the dashboard and launches Chromium.
 *
 * @example
 * ```ts
 * await using world = await startDashboardWorld();
 * const page = await world.signIn("owner");
 * ```
 */
export async function startDashboardWorld(
  options: Parameters<typeof startTestStack>[0] = {},
): Promise<DashboardWorld> {
  await buildDashboard();
  const stack = await startTestStack(options);
  let browser: Browser;
  try {
    await applySeed(stack.db.sql);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  } catch (error) {
    await stack[Symbol.asyncDispose]();
    throw error;
  }
  const contexts: BrowserContext[] = [];
  const context: DashboardWorld["context"] = async ({ viewport } = {}) => {
    const created = await browser.newContext({
      viewport: viewport ?? { width: 1280, height: 900 },
      baseURL: stack.url,
    });
    created.setDefaultTimeout(LIVE_TIMEOUT_MS);
    contexts.push(created);
    return created;
  };
  return {
    stack,
    browser,
    context,
    async signIn(role, options) {
      const page = await (await context(options)).newPage();
      page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
      await page.goto("/");
      await page.click(`button.demo-user[data-role="${role}"]`);
      await page.waitForSelector("header.top .me");
      return page;
    },
    async screenshot(page, name) {
      await Deno.mkdir(ARTIFACTS, { recursive: true });
      const path = `${ARTIFACTS}/${name}.png`;
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async [Symbol.asyncDispose]() {
      try {
        for (const created of contexts) await created.close().catch(() => {});
        await browser.close();
      } finally {
        await stack[Symbol.asyncDispose]();
      }
    },
  };
}
