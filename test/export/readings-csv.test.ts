import http from 'node:http';
import request from 'supertest';
import { chargingSession, meterReading, uniqueId, vehicleReading } from '../support/factories';
import { testAppsClosedAfterAll, type TestApp } from '../support/test-app';
import { ExportRepository } from '../../src/export/export.repository';
import { eventually, exportsInUse, listening, loadReadings, tallyCsv } from './export-support';

const openApp = testAppsClosedAfterAll();
let t: TestApp;
beforeAll(async () => {
  t = await openApp();
});

const BASE = Date.parse('2026-11-20T10:00:00Z');
const at = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();
const micro = (kwh: number) => Math.round(kwh * 1_000_000);

const csv = (app: TestApp, path: string, query: Record<string, string>) =>
  request(app.app).get(path).query(query).set('Accept', 'text/csv');

describe('GET /v1/vehicles/:vehicleId/readings and /v1/meters/:meterId/readings as CSV', () => {
  it('is a header and one line a reading of (from, to], oldest first, times in UTC to the microsecond, values as stored', async () => {
    const vehicleId = uniqueId('VEH');
    await request(t.app)
      .post('/v1/ingestion/batch')
      .send([
        vehicleReading({ vehicleId, timestamp: at(0), soc: 1 }), // at `from`: excluded
        vehicleReading({ vehicleId, timestamp: '2026-11-20T11:00:00.250+01:00', soc: 20.666666666666668 }),
        vehicleReading({ vehicleId, timestamp: at(60), soc: 0.1, kwhDeliveredDc: 0.000001, batteryTemp: -12.5 }), // at `to`
        vehicleReading({ vehicleId, timestamp: at(61), soc: 2 }), // after the window
      ])
      .expect(201);
    await t.db.dataSource.query(
      `INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
       VALUES ($1, '2026-11-20T10:30:00.123456Z', 123.456789 / 2, 1e-7, 0)`,
      [vehicleId],
    );
    const res = await csv(t, `/v1/vehicles/${vehicleId}/readings`, { from: at(0), to: at(60) }).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename=vehicle-${vehicleId}-readings.csv`);
    expect(res.headers.vary).toMatch(/Accept/);
    expect(res.text).toBe(
      [
        'vehicleId,timestamp,soc,kwhDeliveredDc,kwhRegisterDc,registerEvent,batteryTemp',
        `${vehicleId},2026-11-20T10:00:00.250000Z,20.666666666666668,1.1,,,27.5`,
        `${vehicleId},2026-11-20T10:30:00.123456Z,61.7283945,1e-07,,,0`,
        `${vehicleId},2026-11-20T11:00:00.000000Z,0.1,1e-06,,,-12.5`,
        '',
      ].join('\n'),
    );
  });

  it('sums to the analytics totals over the same window: the vehicle DC, and the meter AC', async () => {
    const vehicleId = uniqueId('VEH');
    const meterId = uniqueId('MTR');
    const minutes = Array.from({ length: 40 }, (_, i) => i * 5 - 10);
    await request(t.app)
      .post('/v1/ingestion/batch')
      .send(
        minutes.flatMap((m, i) => [
          vehicleReading({ vehicleId, timestamp: at(m), kwhDeliveredDc: 0.37 * (i + 1) + 0.000001 }),
          meterReading({ meterId, timestamp: at(m), kwhConsumedAc: 0.41 * (i + 1) }),
        ]),
      )
      .expect(201);
    await request(t.app)
      .post('/v1/charging-sessions')
      .send(chargingSession({ vehicleId, meterId, startedAt: at(17), endedAt: at(95) }))
      .expect(201);
    const window = { from: at(0), to: at(150) };
    const server = await listening(t);
    try {
      const query = new URLSearchParams(window).toString();
      const dc = await tallyCsv(`${server.url}/v1/vehicles/${vehicleId}/readings?${query}`, 'kwhDeliveredDc');
      const ac = await tallyCsv(`${server.url}/v1/meters/${meterId}/readings?${query}`, 'kwhConsumedAc');
      expect([dc.rows, ac.rows, dc.complete, ac.complete]).toEqual([30, 30, true, true]);
      expect(ac.header).toBe('meterId,timestamp,kwhConsumedAc,kwhRegisterAc,registerEvent,voltage');
      const bySessions = await request(t.app).get(`/v1/analytics/performance/${vehicleId}`).query(window).expect(200);
      expect(dc.micro).toBe(
        micro(bySessions.body.totalKwhDeliveredDc) + micro(bySessions.body.kwhDeliveredDcOutsideSessions),
      );
      const byMeter = await request(t.app)
        .get(`/v1/analytics/performance/${vehicleId}`)
        .query({ ...window, meterId })
        .expect(200);
      expect(ac.micro).toBe(micro(byMeter.body.totalKwhConsumedAc));
    } finally {
      await server.close();
    }
  });

  it('is a header alone for a known device with nothing in the window', async () => {
    const meter = meterReading({ timestamp: at(0) });
    await request(t.app).post('/v1/ingestion/meter').send(meter).expect(201);
    const res = await csv(t, `/v1/meters/${meter.meterId}/readings`, { from: at(0), to: at(60) }).expect(200);
    expect(res.text).toBe('meterId,timestamp,kwhConsumedAc,kwhRegisterAc,registerEvent,voltage\n');
  });

  it('answers HEAD with the headers a GET starts with, and runs no COPY', async () => {
    const meter = meterReading({ timestamp: at(5) });
    await request(t.app).post('/v1/ingestion/meter').send(meter).expect(201);
    const copy = jest.spyOn(ExportRepository.prototype, 'copyCsv');
    try {
      const window = { from: at(0), to: at(60) };
      const res = await request(t.app)
        .head(`/v1/meters/${meter.meterId}/readings`)
        .query(window)
        .set('Accept', 'text/csv')
        .expect(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(`attachment; filename=meter-${meter.meterId}-readings.csv`);
      expect(res.text ?? '').toBe('');
      // A device that never reported is the same 404 as for GET.
      await request(t.app).head('/v1/meters/NEVER-SEEN/readings').query(window).set('Accept', 'text/csv').expect(404);
      expect(copy).not.toHaveBeenCalled();
    } finally {
      copy.mockRestore();
    }
  });

  it('stops the COPY and gives its connection back to the pool when the client goes away mid-stream', async () => {
    const vehicleId = uniqueId('VEH');
    await loadReadings(t.db.dataSource, vehicleId, 300_000, at(0));
    // Asked over the ingestion pool, which the export never uses.
    const backends = () =>
      t.db.dataSource.query<Array<{ pid: number; state: string; query: string }>>(
        `SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
    const server = await listening(t);
    try {
      const url = `${server.url}/v1/vehicles/${vehicleId}/readings?from=${at(0)}&to=${at(6_000)}`;
      let copying: number | undefined;
      await new Promise<void>((resolve, reject) => {
        const req = http.get(url, { headers: { Accept: 'text/csv' } }, (res) => {
          res.once('data', () => {
            // The client has the first rows, the server is blocked on the socket: now the client leaves.
            void backends().then((rows) => {
              copying = rows.find((row) => row.state === 'active' && row.query.startsWith('COPY'))?.pid;
              req.destroy();
              resolve();
            }, reject);
          });
        });
        req.on('error', () => undefined);
      });
      expect(copying).toEqual(expect.any(Number));
      await eventually(() => exportsInUse(t) === 0);
      // The same backend, alive in the pool: cancelled, not killed.
      expect((await backends()).find((row) => row.pid === copying)?.state).toBe('idle');
      const again = await tallyCsv(url, 'kwhDeliveredDc');
      expect([again.rows, again.complete]).toEqual([300_000, true]);
    } finally {
      await server.close();
    }
  }, 120_000);

  it('runs under EXPORT_STATEMENT_TIMEOUT_MS instead of the pool timeout, and is cut short visibly past it', async () => {
    const shortPool = await openApp({ DB_STATEMENT_TIMEOUT_MS: '50', EXPORT_STATEMENT_TIMEOUT_MS: '0' });
    const shortExport = await openApp({ EXPORT_STATEMENT_TIMEOUT_MS: '1000' });
    const vehicleId = uniqueId('VEH');
    for (const app of [shortPool, shortExport]) await loadReadings(app.db.dataSource, vehicleId, 300_000, at(0));
    const query = `from=${at(0)}&to=${at(6_000)}`;
    const servers = await Promise.all([listening(shortPool), listening(shortExport)]);
    try {
      const whole = await tallyCsv(`${servers[0].url}/v1/vehicles/${vehicleId}/readings?${query}`, 'soc');
      expect([whole.rows, whole.complete]).toEqual([300_000, true]);
      // A client that stalls holds the COPY blocked on its socket until the export's timeout ends it.
      const cut = await tallyCsv(`${servers[1].url}/v1/vehicles/${vehicleId}/readings?${query}`, 'soc', {
        stallMs: 2_000,
      });
      expect(cut.status).toBe(200);
      expect(cut.complete).toBe(false);
      expect(cut.rows).toBeLessThan(300_000);
      await eventually(() => exportsInUse(shortExport) === 0);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  }, 120_000);

  it('a service that has begun to stop refuses a new export with 503 and Retry-After, and runs no COPY', async () => {
    const stopping = await openApp();
    const reading = meterReading({ timestamp: at(1) });
    await request(stopping.app).post('/v1/ingestion/meter').send(reading).expect(201);
    stopping.services.readingExport.endExports();
    const copy = jest.spyOn(ExportRepository.prototype, 'copyCsv');
    try {
      const res = await csv(stopping, `/v1/meters/${reading.meterId}/readings`, { from: at(0), to: at(60) }).expect(
        503,
      );
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(res.body).toMatchObject({ status: 503, type: '/problems/service-unavailable' });
      expect(copy).not.toHaveBeenCalled();
    } finally {
      copy.mockRestore();
    }
  });
});
