import pino from 'pino';
import type { DataSource } from 'typeorm';
import { loadConfig, type AppConfig } from '../config/config';
import { openDatabase } from './database';

/**
 * An operator command's database: the server's configuration and connection path, so it reaches
 * whatever the service uses (with no database configured, the embedded server a running `npm start`
 * serves, or one started for the command), migrating when the service would. Logs go to stderr, so
 * stdout carries only the command's answer.
 */
export async function withCommandDatabase<T>(
  command: string,
  work: (dataSource: DataSource, config: AppConfig) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const logger = pino({ level: 'warn', base: { service: `fleet-platform-${command}` } }, pino.destination(2));
  const database = await openDatabase(config, logger);
  try {
    return await work(database.dataSource, config);
  } finally {
    await database.close();
  }
}
