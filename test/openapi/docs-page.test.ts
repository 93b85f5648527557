import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { openApiDocument } from '../../src/api';
import { launchChromium } from '../../tools/dashboard/browser';
import { createTestApp, type TestApp } from '../support/test-app';

const TIMEOUT_MS = 60_000;

let t: TestApp;
let server: Server;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  // Fails at once, saying what to install, when Debian's chromium is missing.
  browser = await launchChromium(TIMEOUT_MS);
  t = await createTestApp();
  server = t.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  await t?.close();
});

it(
  'renders every documented endpoint at /docs, under the app’s own security headers',
  async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // A Content-Security-Policy refusal shows up as a console error.
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    // The page must work offline: nothing may leave this machine (no CDN, no online validator).
    await page.route('**/*', (route) =>
      route.request().url().startsWith(origin)
        ? route.continue()
        : (problems.push(`left the machine: ${route.request().url()}`), route.abort()),
    );

    const response = await page.goto(`${origin}/docs`, { timeout: TIMEOUT_MS });
    expect(page.url()).toBe(`${origin}/docs/`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('.opblock-summary-path').first().waitFor({ timeout: TIMEOUT_MS });

    const rendered = await page.locator('.opblock-summary-path').allTextContents();
    // Swagger UI puts zero-width spaces after slashes so long paths can wrap.
    const paths = new Set(rendered.map((text) => text.replace(/\u200b/g, '').trim()));
    expect([...paths].sort()).toEqual(Object.keys(openApiDocument.paths).sort());
    expect(paths).toContain('/v1/ingestion/meter');
    expect(await page.locator('.info .title').textContent()).toContain(openApiDocument.info.title);
    expect(problems).toEqual([]);
  },
  TIMEOUT_MS,
);
