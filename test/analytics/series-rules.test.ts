import request from 'supertest';
import { uniqueId, vehicleReading } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';
import { validatorAt } from '../support/document-schemas';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const vehicleId = uniqueId('VEH');
const series = (kind: string, id: string, query: Record<string, string>) =>
  request(t.app).get(`/v1/analytics/${kind}/${id}/series`).query(query);

beforeAll(async () => {
  const readings = ['10:00:00Z', '10:30:00Z', '11:30:00Z', '12:00:00Z', '12:15:00Z'].map((time, i) =>
    vehicleReading({ vehicleId, timestamp: `2026-06-01T${time}`, kwhDeliveredDc: i + 1, soc: 50 + i }),
  );
  await request(t.app).post('/v1/ingestion/batch').send(readings).expect(201);
});

const counts = async () =>
  t.db.dataSource.query(
    `SELECT (SELECT count(*) FROM vehicle_history) AS history, (SELECT count(*) FROM vehicle_rollup_hourly) AS rollups,
            (SELECT count(*) FROM charging_session) AS sessions`,
  );

describe('series parameters', () => {
  const window = { from: '2026-06-01T00:00:00Z', to: '2026-06-02T00:00:00Z' };
  const refused: Array<[string, Record<string, string>, string]> = [
    ['an unknown zone', { ...window, tz: 'Mars/Olympus_Mons' }, 'tz'],
    ['a zone spelled otherwise than the zone database does', { ...window, tz: 'europe/berlin' }, 'tz'],
    ['a POSIX offset PostgreSQL would read backwards', { ...window, tz: 'UTC+5' }, 'tz'],
    ['an unknown bucket', { ...window, bucket: '5m' }, 'bucket'],
    ['from equal to to', { from: window.to, to: window.to }, 'from'],
    ['from after to', { from: window.to, to: window.from }, 'from'],
    ['more than 366 days', { from: '2025-05-30T00:00:00Z', to: window.to }, 'from'],
    ['too many points', { from: '2026-06-01T00:00:00Z', to: '2026-06-05T00:00:00Z', bucket: '1m' }, 'bucket'],
    ['a timestamp without a zone', { from: '2026-06-01T00:00:00', to: window.to }, 'from'],
    ['an unknown parameter', { ...window, hours: '3' }, 'hours'],
  ];

  it.each(refused)('refuses %s with a 400 problem, and writes nothing', async (_name, query, path) => {
    const before = await counts();
    for (const kind of ['vehicles', 'meters']) {
      const res = await series(kind, vehicleId, query)
        .expect(400)
        .expect('Content-Type', /application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 400, type: '/problems/validation-error' });
      expect((res.body.errors as Array<{ path: string }>).map((error) => error.path)).toContain(path);
    }
    expect(await counts()).toEqual(before);
  });

  it('answers 404 for a device that never reported, and an empty series for one that did', async () => {
    for (const kind of ['vehicles', 'meters']) {
      const res = await series(kind, uniqueId('NEVER'), window).expect(404);
      expect(res.body).toMatchObject({ status: 404, type: '/problems/not-found' });
    }
    const empty = await series('vehicles', vehicleId, { from: '2026-05-01T00:00:00Z', to: '2026-05-02T00:00:00Z' });
    expect(empty.status).toBe(200);
    expect(empty.body.points).toEqual([]);
    const validate = validatorAt('components', 'schemas', 'VehicleSeries');
    expect(validate(empty.body)).toBe(true);
  });

  it('reads whole hours from the rollups and the partial edge hours from history', async () => {
    // A rollup that disagrees with history shows which of the two each bucket was read from.
    await t.db.dataSource.query(
      `UPDATE vehicle_rollup_hourly SET kwh_micro = kwh_micro + 1000000000 WHERE vehicle_id = $1 AND hour = '2026-06-01T11:00:00Z'`,
      [vehicleId],
    );
    const kwh = async (from: string, to: string, bucket: string) =>
      (
        (await series('vehicles', vehicleId, { from, to, bucket }).expect(200)).body.points as Array<{ kwh: number }>
      ).map((point) => point.kwh);
    // (11:00, 12:00] whole: the rollup's 3 + 4 + 1000; (12:00, 12:15] from history.
    expect(await kwh('2026-06-01T09:00:00Z', '2026-06-01T12:15:00Z', '1h')).toEqual([1, 2, 1007, 5]);
    expect(await kwh('2026-06-01T09:00:00Z', '2026-06-01T12:15:00Z', '1d')).toEqual([1015]);
    // (11:00:00.001, 12:00] no longer holds the whole hour, so history answers for it.
    expect(await kwh('2026-06-01T11:00:00.001Z', '2026-06-01T12:15:00Z', '1h')).toEqual([7, 5]);
    expect(await kwh('2026-06-01T09:00:00Z', '2026-06-01T12:15:00Z', '15m')).toEqual([1, 2, 3, 4, 5]);
  });
});
