import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { loadConfig, type AppConfig } from '../../src/config/config';
import { buildDataSource, withDatabase, type ConnectionTarget } from '../../src/db/data-source';
import { adminQuery } from '../../tools/shared/admin-database';

/** Written by the global setup: the server the suite uses and the migrated template database. */
export interface TestDatabaseServer {
  target: ConnectionTarget;
  template: string;
}

const SERVER_ENV = 'FLEET_TEST_DATABASE_SERVER';

export function testConfig(overrides: Partial<Record<string, string>> = {}): AppConfig {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...process.env, ...overrides });
}

/**
 * With no database configured the suite runs its own embedded server, on a port and folder of its own
 * so that a running `npm start` is left alone.
 */
export function suiteConfig(): AppConfig {
  return testConfig({ EMBEDDED_PG_DIR: 'data/postgres-test', EMBEDDED_PG_PORT: '54339' });
}

export function publishServer(server: TestDatabaseServer): void {
  process.env[SERVER_ENV] = JSON.stringify(server);
}

export function testServer(): TestDatabaseServer {
  const raw = process.env[SERVER_ENV];
  if (!raw) throw new Error('the jest global setup did not publish a test database server');
  return JSON.parse(raw) as TestDatabaseServer;
}

export interface IsolatedDatabase {
  dataSource: DataSource;
  name: string;
  drop(): Promise<void>;
}

let counter = 0;

/** A fresh copy of the migrated template: each test file gets a database nobody else writes to. */
export async function createIsolatedDatabase(config: AppConfig = testConfig()): Promise<IsolatedDatabase> {
  const { target, template } = testServer();
  const name = `${template}_w${process.env.JEST_WORKER_ID ?? '0'}_${process.pid}_${counter++}`;
  await adminQuery(target, `CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  const dataSource = await buildDataSource(withDatabase(target, name), config.db).initialize();
  return {
    dataSource,
    name,
    async drop() {
      await dataSource.destroy();
      await adminQuery(target, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
