import 'reflect-metadata';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import pino from 'pino';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { buildDataSource, ensureDatabase, type ConnectionTarget } from '../../src/db/data-source';
import { EMBEDDED_CREDENTIALS, EMBEDDED_HOST } from '../../src/db/embedded-postgres';
import { buildServices } from '../../src/services';
import { openPools } from '../../src/db/pools';
import { testConfig } from '../support/test-database';
import { exitOf, ROOT, spawnTs, waitForOutput } from '../support/spawn-ts';
import { meterReading } from '../support/factories';

const PORT = 54_369;
const env = { OWNED_PG_DIR: path.join(ROOT, 'data/postgres-outage'), OWNED_PG_PORT: String(PORT) };
const target: ConnectionTarget = { host: EMBEDDED_HOST, port: PORT, ...EMBEDDED_CREDENTIALS, database: 'fleet_outage' };
const config = testConfig({ DB_STATEMENT_TIMEOUT_MS: '3000' });

let postgres: ChildProcess;
let dataSource: DataSource;

async function startPostgres(): Promise<void> {
  postgres = spawnTs('test/support/owned-postgres.ts', env);
  await waitForOutput(postgres, /owned postgres ready/);
}

async function stopPostgres(): Promise<void> {
  postgres.kill('SIGTERM');
  await exitOf(postgres);
}

beforeAll(async () => {
  await startPostgres();
  await ensureDatabase(target);
  dataSource = await buildDataSource(target, config.db).initialize();
  await dataSource.runMigrations();
}, 180_000);

afterAll(async () => {
  await dataSource?.destroy().catch(() => undefined);
  if (postgres?.exitCode === null) await stopPostgres();
});

it('answers 503 with Retry-After while PostgreSQL is down and recovers by itself when it returns', async () => {
  const pools = await openPools(dataSource, config);
  const app = createApp({ config, logger: pino({ level: 'silent' }), services: buildServices(pools, config) });
  await request(app).post('/v1/ingestion/meter').send(meterReading()).expect(201);

  await stopPostgres();
  const down = await request(app).post('/v1/ingestion/meter').send(meterReading());
  expect(down.status).toBe(503);
  expect(down.headers['retry-after']).toMatch(/^\d+$/);
  expect(down.body).toMatchObject({ type: '/problems/service-unavailable', status: 503 });
  await request(app).post('/v1/ingestion/batch').send([meterReading()]).expect(503);
  await request(app).get('/readyz').expect(503);

  await startPostgres();
  await request(app).get('/readyz').expect(200);
  const reading = meterReading();
  await request(app).post('/v1/ingestion/meter').send(reading).expect(201);
  await request(app).get(`/v1/meters/${reading.meterId}`).expect(200);
  await pools.close();
}, 180_000);
