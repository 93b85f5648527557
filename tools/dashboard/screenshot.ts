import 'reflect-metadata';
import dotenv from 'dotenv';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { buildDataSource, ensureDatabase, withDatabase } from '../../src/db/data-source';
import { connectionTarget } from '../../src/db/database';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { buildServices } from '../../src/services';
import { openPools } from '../../src/db/pools';
import { adminQuery } from '../shared/admin-database';
import { launchChromium } from './browser';
import { buildDashboard } from './build';
import { seedFleet } from './seed-fleet';

const OUTPUT = path.resolve(__dirname, '../../docs/dashboard.png');

/**
 * npm run screenshot: docs/dashboard.png of the dashboard over a seeded fleet, after one alarm check.
 * The fleet goes into a database of its own on the configured server (or on an embedded one kept apart
 * from `npm start`'s), dropped afterwards, and the app runs in this process on a free port.
 */
async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  const logger = pino({ level: 'warn' });
  const config = loadConfig({
    EMBEDDED_PG_DIR: 'data/postgres-screenshot',
    EMBEDDED_PG_PORT: '54369',
    ...process.env,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '0',
  });
  await buildDashboard();
  const target = config.database;
  const embedded =
    target.kind === 'embedded'
      ? await startEmbeddedPostgres({ dataDir: target.dataDir, port: target.port }, logger)
      : undefined;
  const server = connectionTarget(target);
  const name = `fleet_screenshot_${process.pid}`;
  await ensureDatabase(withDatabase(server, name));
  const dataSource = await buildDataSource(withDatabase(server, name), config.db).initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    const pools = await openPools(dataSource, config);
    const services = buildServices(pools, config);
    const app = createApp({ config, logger, services });
    const listening = app.listen(0, '127.0.0.1');
    await once(listening, 'listening');
    const origin = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    try {
      await seedFleet(origin);
      // The alarms the server's scheduler would have raised by now: the hand-written vehicles and
      // meters fell silent once their sessions ended, and two vehicles' figures cannot be trusted.
      await services.alarmCheck.check();
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1440, height: 600 }, deviceScaleFactor: 1 });
        await page.goto(`${origin}/dashboard`);
        await page.locator('#kpis[aria-busy]').waitFor({ state: 'detached' });
        await page.locator('#alarms[aria-busy]').waitFor({ state: 'detached' });
        await page.locator('#ranking tbody tr').first().waitFor();
        await page.locator('#live .stream-live').waitFor();
        await page.screenshot({ path: OUTPUT, fullPage: true });
        console.log(`wrote ${path.relative(process.cwd(), OUTPUT)}`);
      } finally {
        await browser.close();
      }
    } finally {
      await services.stream.close();
      await pools.close();
      listening.closeAllConnections();
      await new Promise((resolve) => listening.close(resolve));
    }
  } finally {
    await dataSource.destroy();
    await adminQuery(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
