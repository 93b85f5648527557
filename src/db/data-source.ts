import { DataSource, type DataSourceOptions } from 'typeorm';
import { Client, type ClientConfig } from 'pg';
import { entities } from '../entities';
import { migrations } from '../../migrations';
import type { AppConfig } from '../config/config';

/** Where to connect, once any embedded server is up. */
export type ConnectionTarget =
  { url: string } | { host: string; port: number; username: string; password: string; database: string };

export function buildDataSource(target: ConnectionTarget, db: AppConfig['db']): DataSource {
  const options: DataSourceOptions = {
    type: 'postgres',
    ...target,
    entities,
    migrations,
    migrationsTransactionMode: 'each',
    // Extensions belong to the migrations; left on, TypeORM would install uuid-ossp at every start.
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    // Handed to pg.Pool: the pool size and a server-side cap on any one statement.
    extra: {
      max: db.poolMax,
      statement_timeout: db.statementTimeoutMs || undefined,
      // JIT compiles a statement whose estimated cost is high, which a month-long fleet answer's is,
      // and took several times longer than running it (docs/performance.md). The service's statements
      // are index range scans that never run long enough to repay it.
      options: '-c jit=off',
      connectionTimeoutMillis: 5_000,
      application_name: 'fleet-platform',
    },
  };
  return new DataSource(options);
}

/** The same server, another database on it. */
export function withDatabase(target: ConnectionTarget, database: string): ConnectionTarget {
  if (!('url' in target)) return { ...target, database };
  const url = new URL(target.url);
  url.pathname = `/${encodeURIComponent(database)}`;
  return { url: url.toString() };
}

export function clientConfig(target: ConnectionTarget): ClientConfig {
  if ('url' in target) return { connectionString: target.url };
  const { host, port, username, password, database } = target;
  return { host, port, user: username, password, database };
}

function databaseName(target: ConnectionTarget): string {
  return 'url' in target ? decodeURIComponent(new URL(target.url).pathname.slice(1)) : target.database;
}

const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';

/** Creates the target database when the server answers that it does not exist yet. */
export async function ensureDatabase(target: ConnectionTarget): Promise<void> {
  const probe = new Client(clientConfig(target));
  try {
    await probe.connect();
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== INVALID_CATALOG_NAME) throw error;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const admin = new Client(clientConfig(withDatabase(target, 'postgres')));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${databaseName(target).replace(/"/g, '""')}"`);
  } catch (error) {
    // Another process may have created it between our probe and now.
    if ((error as { code?: string }).code !== DUPLICATE_DATABASE) throw error;
  } finally {
    await admin.end();
  }
}
