import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../tools/dashboard/browser';
import { buildDashboard } from '../../tools/dashboard/build';
import { seedFleet, type SeededFleet } from '../../tools/dashboard/seed-fleet';
import { createTestApp, type TestApp } from '../support/test-app';

// What the dashboard's browser tests share: the app serving the page over a seeded fleet, and Chromium.

export const TIMEOUT_MS = 120_000;

export interface Served {
  t: TestApp;
  server: Server;
  origin: string;
}

export async function serve(overrides: Partial<Record<string, string>> = {}): Promise<Served> {
  const t = await createTestApp(overrides);
  const server = t.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { t, server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export async function stop({ t, server }: Served): Promise<void> {
  // The page's stream and fetch's kept-alive connections would hold close() open.
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
}

export interface SeededDashboard {
  /** The app over the seeded fleet. */
  open: Served;
  fleet: SeededFleet;
  /** A page that records console errors and uncaught exceptions, and refuses to leave the machine. */
  watchedPage: (origin: string, ignored?: RegExp[]) => Promise<{ page: Page; problems: string[] }>;
  /** An API answer the page should agree with. */
  api: <T>(path: string) => Promise<T>;
}

/**
 * Builds the page, serves it over a freshly seeded fleet and starts Chromium before the file's tests;
 * closes each test's pages after it, and everything after the file. The fields fill in before the tests.
 */
export function seededDashboard(): SeededDashboard {
  let browser: Browser;
  const pages: Page[] = [];
  const harness: SeededDashboard = {
    open: undefined as unknown as Served,
    fleet: undefined as unknown as SeededFleet,
    async watchedPage(origin, ignored = []) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      pages.push(page);
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        const text = message.text();
        if (message.type() === 'error' && !ignored.some((pattern) => pattern.test(text)))
          problems.push(`console: ${text}`);
      });
      await page.route('**/*', (route) =>
        route.request().url().startsWith(origin)
          ? route.continue()
          : (problems.push(`left the machine: ${route.request().url()}`), route.abort()),
      );
      return { page, problems };
    },
    async api<T>(path: string) {
      const response = await fetch(`${harness.open.origin}${path}`);
      expect(response.status).toBe(200);
      return (await response.json()) as T;
    },
  };

  beforeAll(async () => {
    await buildDashboard();
    harness.open = await serve();
    harness.fleet = await seedFleet(harness.open.origin);
    browser = await launchChromium(TIMEOUT_MS);
  }, TIMEOUT_MS);
  // A page left open keeps its stream, and so its reconnect attempts, going into the next test.
  afterEach(() => Promise.all(pages.splice(0).map((page) => page.close())));
  afterAll(async () => {
    await browser?.close();
    if (harness.open) await stop(harness.open);
  });
  return harness;
}
