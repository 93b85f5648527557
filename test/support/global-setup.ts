import 'reflect-metadata';
import dotenv from 'dotenv';
import pino from 'pino';
import { buildDataSource, ensureDatabase, withDatabase } from '../../src/db/data-source';
import { connectionTarget } from '../../src/db/database';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { adminQuery } from '../../tools/shared/admin-database';
import { publishServer, suiteConfig } from './test-database';

declare global {
  // Kept for the teardown, which runs in the same process.
  var __fleetTestTeardown: (() => Promise<void>) | undefined;
}

/**
 * Runs the real migrations once into a template database; every test file then clones it, which is
 * much faster than migrating per file and keeps files from seeing each other's rows.
 */
export default async function globalSetup(): Promise<void> {
  dotenv.config({ quiet: true });
  const config = suiteConfig();
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const target = config.database;
  const embedded =
    target.kind === 'embedded'
      ? await startEmbeddedPostgres({ dataDir: target.dataDir, port: target.port }, logger)
      : undefined;
  const server = connectionTarget(target);
  const template = `fleet_test_${process.pid}`;

  await ensureDatabase(server);
  await adminQuery(server, `DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
  await adminQuery(server, `CREATE DATABASE "${template}"`);
  const dataSource = await buildDataSource(withDatabase(server, template), config.db).initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
  publishServer({ target: server, template });

  globalThis.__fleetTestTeardown = async () => {
    await adminQuery(server, `DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await embedded?.stop();
  };
}
