import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { AppConfig, DatabaseTarget } from '../config/config';
import { dataLocation } from './data-location';
import { buildDataSource, ensureDatabase, type ConnectionTarget } from './data-source';
import { EMBEDDED_CREDENTIALS, EMBEDDED_HOST, startEmbeddedPostgres } from './embedded-postgres';

export interface Database {
  dataSource: DataSource;
  close(): Promise<void>;
}

/** How to reach the configured database; for the embedded one, once it is running. */
export function connectionTarget(target: DatabaseTarget): ConnectionTarget {
  switch (target.kind) {
    case 'url':
      return { url: target.url };
    case 'params': {
      const { host, port, username, password, database } = target;
      return { host, port, username, password, database };
    }
    case 'embedded':
      return { host: EMBEDDED_HOST, port: target.port, ...EMBEDDED_CREDENTIALS, database: target.database };
  }
}

/** Starts the embedded server when no database is configured, then connects and migrates. */
export async function openDatabase(config: AppConfig, logger: Logger): Promise<Database> {
  const target = config.database;
  const embedded =
    target.kind === 'embedded'
      ? await startEmbeddedPostgres({ dataDir: target.dataDir, port: target.port }, logger)
      : undefined;
  try {
    const connection = connectionTarget(target);
    await ensureDatabase(connection);
    const dataSource = await buildDataSource(connection, config.db).initialize();
    if (config.db.migrate) {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      logger.info({ applied: applied.map((migration) => migration.name) }, 'migrations up to date');
    }
    logger.info(dataLocation(target, embedded?.dataDir), 'where the data lives');
    return {
      dataSource,
      async close() {
        await dataSource.destroy();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
