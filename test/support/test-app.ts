import type { Express } from 'express';
import pino from 'pino';
import { createApp } from '../../src/app';
import type { AppConfig } from '../../src/config/config';
import { openRedis } from '../../src/rate-limit/rate-limit.redis';
import { openPools } from '../../src/db/pools';
import { buildServices, type Services } from '../../src/services';
import { createIsolatedDatabase, testConfig, type IsolatedDatabase } from './test-database';

export interface TestApp {
  app: Express;
  config: AppConfig;
  services: Services;
  db: IsolatedDatabase;
  close(): Promise<void>;
}

/** The real app over a database of its own; config overrides use the environment variable names. */
export async function createTestApp(overrides: Partial<Record<string, string>> = {}): Promise<TestApp> {
  const config = testConfig(overrides);
  const db = await createIsolatedDatabase(config);
  const pools = await openPools(db.dataSource, config);
  const services = buildServices(pools, config);
  const logger = pino({ level: 'silent' });
  const redis = await openRedis(config.rateLimit, logger);
  const app = createApp({ config, logger, services, redis });
  const close = async () => {
    await services.stream.close();
    await redis?.close();
    await pools.close();
    await db.drop();
  };
  return { app, config, services, db, close };
}

/** For files that need apps with different settings per test: each is closed after the file. */
export function testAppsClosedAfterAll(): (overrides?: Partial<Record<string, string>>) => Promise<TestApp> {
  const opened: TestApp[] = [];
  afterAll(() => Promise.all(opened.map((t) => t.close())));
  return async (overrides = {}) => {
    const t = await createTestApp(overrides);
    opened.push(t);
    return t;
  };
}

/** A test app holding one admin key (`ops`), for the files about keys and devices. */
export async function createAdminTestApp(): Promise<{ t: TestApp; admin: string }> {
  const t = await createTestApp();
  return { t, admin: (await t.services.auth.create('ops', 'admin')).key };
}

/** The header a key or token is sent in. */
export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
