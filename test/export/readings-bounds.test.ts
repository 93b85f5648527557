import request from 'supertest';
import { SeriesRepository } from '../../src/analytics/series.repository';
import { ExportRepository } from '../../src/export/export.repository';
import { uniqueId } from '../support/factories';
import { testAppsClosedAfterAll, type TestApp } from '../support/test-app';
import {
  eventually,
  exportsInUse,
  holdExport,
  listening,
  loadReadings,
  pool,
  runningCopies,
  tallyCsv,
  type HeldExport,
} from './export-support';

const openApp = testAppsClosedAfterAll();
const vehicleId = uniqueId('VEH');
const FROM = '2026-11-20T10:00:00Z';
const query = `from=${FROM}&to=2026-11-25T10:00:00Z`;
const path = `/v1/vehicles/${vehicleId}/readings?${query}`;
const ROWS = 300_000;

const servers: Array<{ close(): Promise<void> }> = [];
afterAll(() => Promise.all(servers.map((server) => server.close())));

/** An app serving a vehicle whose export is far larger than the socket buffers between it and a client; its URL. */
async function appWithReadings(overrides: Record<string, string>): Promise<{ app: TestApp; url: string }> {
  const app = await openApp(overrides);
  await loadReadings(app.db.dataSource, vehicleId, ROWS, FROM);
  const server = await listening(app);
  servers.push(server);
  return { app, url: `${server.url}${path}` };
}

let held: HeldExport[] = [];
async function hold(url: string, key?: string): Promise<HeldExport> {
  const export_ = await holdExport(url, key ? { Authorization: `Bearer ${key}` } : {});
  held.push(export_);
  expect(export_.status).toBe(200);
  return export_;
}

/** Every held client leaves, and the app is back to no export running. */
async function leaveAll(t: TestApp): Promise<void> {
  held.forEach((export_) => export_.leave());
  held = [];
  await eventually(async () => (await runningCopies(t)).length === 0 && exportsInUse(t) === 0);
}

/** The answer to a request that must be refused without a device lookup or a COPY. */
async function refusedUntouched(send: () => request.Test): Promise<request.Response> {
  const seen = jest.spyOn(SeriesRepository.prototype, 'seen');
  const copy = jest.spyOn(ExportRepository.prototype, 'copyCsv');
  try {
    const res = await send();
    expect([seen.mock.calls.length, copy.mock.calls.length]).toEqual([0, 0]);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('5');
    return res;
  } finally {
    seen.mockRestore();
    copy.mockRestore();
  }
}

describe('CSV exports at EXPORT_MAX_CONCURRENT=2 and EXPORT_MAX_PER_KEY=1', () => {
  let t: TestApp;
  let url: string;
  const keys: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };
  const csv = (key?: string) => {
    const req = request(t.app).get(path).set('Accept', 'text/csv');
    return key ? req.set('Authorization', `Bearer ${key}`) : req;
  };
  beforeAll(async () => {
    ({ app: t, url } = await appWithReadings({ EXPORT_MAX_CONCURRENT: '2', EXPORT_MAX_PER_KEY: '1' }));
  }, 120_000);
  afterEach(() => leaveAll(t));

  it('without API keys, a client address running one is refused another with a 429 problem, before any database work', async () => {
    await hold(url);
    const res = await refusedUntouched(() => csv());
    expect([res.status, res.body.type, res.body.status]).toEqual([429, '/problems/rate-limited', 429]);
    expect(await runningCopies(t)).toHaveLength(1);
  });

  describe('with API keys', () => {
    beforeAll(async () => {
      for (const name of ['a', 'b', 'c'] as const) keys[name] = (await t.services.auth.create(name, 'read')).key;
    });

    it('a key running one is refused another with a 429 problem, before any database work; another key still runs one', async () => {
      await hold(url, keys.a);
      const res = await refusedUntouched(() => csv(keys.a));
      expect([res.status, res.body.type]).toEqual([429, '/problems/rate-limited']);
      await hold(url, keys.b);
      expect(await runningCopies(t)).toHaveLength(2);
    });

    it('past EXPORT_MAX_CONCURRENT in the process, a key running none is refused with a 503 problem, before any database work', async () => {
      await hold(url, keys.a);
      await hold(url, keys.b);
      const res = await refusedUntouched(() => csv(keys.c));
      expect([res.status, res.body.type]).toEqual([503, '/problems/service-unavailable']);
      expect(await runningCopies(t)).toHaveLength(2);
    });

    it('clients leaving while their exports fill the exports pool leave no COPY running, and the slots come back', async () => {
      const exports = [await hold(url, keys.a), await hold(url, keys.b)];
      await eventually(async () => (await runningCopies(t)).length === 2);
      const copying = await runningCopies(t);
      // Every connection of the exports pool is taken: a cancel that needed one would wait for a COPY to end.
      expect(exportsInUse(t)).toBe(t.config.readingExport.maxConcurrent);
      // The test asks pg_stat_activity over the ingestion pool; the cancels may take from none of the others.
      const others = [
        t.services.pools.reads,
        t.services.pools.exports,
        t.services.pools.stream,
        t.services.pools.maintenance,
      ];
      const connects = others.map((dataSource) => jest.spyOn(pool(dataSource), 'connect'));
      try {
        exports.forEach((export_) => export_.leave());
        await eventually(async () => (await runningCopies(t)).length === 0);
        await eventually(() => exportsInUse(t) === 0);
        expect(connects.map((connect) => connect.mock.calls.length)).toEqual([0, 0, 0, 0]);
      } finally {
        connects.forEach((connect) => connect.mockRestore());
      }
      // Cancelled, not killed: the backends are still there, idle in the pool.
      const states = await t.db.dataSource.query<Array<{ state: string }>>(
        'SELECT state FROM pg_stat_activity WHERE pid = ANY($1)',
        [copying],
      );
      expect(states.map((row) => row.state)).toEqual(['idle', 'idle']);
      const whole = await csv(keys.c).expect(200);
      expect(whole.text.split('\n')).toHaveLength(ROWS + 2);
    });
  });
});

describe('a CSV client that stops reading, at EXPORT_IDLE_TIMEOUT_MS=1000', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    ({ app: t, url } = await appWithReadings({ EXPORT_IDLE_TIMEOUT_MS: '1000' }));
  }, 120_000);

  it('is dropped, its body cut short, and its COPY cancelled', async () => {
    const held = await holdExport(url);
    await eventually(async () => (await runningCopies(t)).length === 1);
    await eventually(async () => (await runningCopies(t)).length === 0 && exportsInUse(t) === 0);
    // A client that reads nothing cannot notice; once it reads again, it finds the connection gone mid-body.
    held.resume();
    expect(await held.closed).toEqual({ complete: false });
  });

  it('is kept while it pauses for less than that, and receives the whole file', async () => {
    const tally = await tallyCsv(url, 'soc', { stallMs: 200 });
    expect([tally.status, tally.rows, tally.complete]).toEqual([200, ROWS, true]);
  });
});
