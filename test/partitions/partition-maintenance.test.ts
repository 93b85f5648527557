import { PARTITIONED_TABLES, ROLLUP_TABLES } from '../../src/partitions/partition.tables';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/test-database';
import { homeOf, maintenanceAt, partitionNames, partitionsOf } from '../support/partitions';
import { uniqueId } from '../support/factories';

/**
 * Each test starts from the migrated schema: both history tables and their rollups hold only their
 * default partition.
 */
let db: IsolatedDatabase;
beforeEach(async () => {
  db = await createIsolatedDatabase();
});
afterEach(() => db.drop());

const TABLES = PARTITIONED_TABLES;

const meterRow = (id: string, ts: string) =>
  db.dataSource.query(`INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage) VALUES ($1, $2, 1, 230)`, [
    id,
    ts,
  ]);

describe('partition maintenance', () => {
  it('creates the current and the next N partitions of both history tables and their rollups, on UTC month starts', async () => {
    // 22:30 on 30 November in New York is already 1 December in UTC.
    const [meter, vehicle, ...rollups] = await maintenanceAt(db.dataSource, '2026-11-30T22:30:00-05:00', {
      ahead: 3,
    }).maintain();

    const expected = ['p20261201', 'p20270101', 'p20270201', 'p20270301'];
    expect(meter).toEqual({
      table: 'meter_history',
      skipped: false,
      created: expected.map((p) => `meter_history_${p}`),
      movedFromDefault: 0,
      dropped: [],
    });
    expect(vehicle).toMatchObject({ table: 'vehicle_history', created: expected.map((p) => `vehicle_history_${p}`) });
    expect(rollups).toMatchObject(
      ROLLUP_TABLES.map((table) => ({
        table,
        created: expected.map((p) => `${table}_${p}`),
      })),
    );
    const partitions = await partitionsOf(db.dataSource, 'meter_history');
    expect(partitions.map(({ name, from, to }) => [name, from?.toISOString(), to?.toISOString()])).toEqual([
      ['meter_history_p20261201', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
      ['meter_history_p20270101', '2027-01-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z'],
      ['meter_history_p20270201', '2027-02-01T00:00:00.000Z', '2027-03-01T00:00:00.000Z'],
      ['meter_history_p20270301', '2027-03-01T00:00:00.000Z', '2027-04-01T00:00:00.000Z'],
      ['meter_history_default', undefined, undefined],
    ]);
  });

  it('is idempotent: a second run finds nothing to do', async () => {
    const maintenance = maintenanceAt(db.dataSource, '2026-05-10T00:00:00Z', { ahead: 2 });
    await maintenance.maintain();
    const again = await maintenance.maintain();
    expect(again.map((report) => !report.skipped && report.created)).toEqual(TABLES.map(() => []));
    expect(await partitionNames(db.dataSource, 'vehicle_history')).toHaveLength(4);
  });

  it('daily and weekly intervals start at midnight and on Mondays, and only fill the gaps existing partitions leave', async () => {
    await maintenanceAt(db.dataSource, '2026-11-18T12:00:00Z').maintain(); // November, monthly
    // Wednesday 25 November: the weeks of 23 and 30 November and of 7 December are wanted; November
    // already covers the first and the start of the second.
    const [weekly] = await maintenanceAt(db.dataSource, '2026-11-25T08:00:00Z', {
      interval: { count: 1, unit: 'week' },
      ahead: 2,
    }).maintain();
    expect(!weekly.skipped && weekly.created).toEqual(['meter_history_p20261201', 'meter_history_p20261207']);
    const [daily] = await maintenanceAt(db.dataSource, '2026-12-13T23:59:59Z', {
      interval: { count: 1, unit: 'day' },
      ahead: 1,
    }).maintain();
    expect(!daily.skipped && daily.created).toEqual(['meter_history_p20261214']);

    const bounds = (await partitionsOf(db.dataSource, 'meter_history')).map(({ from, to }) => [
      from?.toISOString(),
      to?.toISOString(),
    ]);
    expect(bounds).toEqual([
      ['2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
      ['2026-12-01T00:00:00.000Z', '2026-12-07T00:00:00.000Z'],
      ['2026-12-07T00:00:00.000Z', '2026-12-14T00:00:00.000Z'],
      ['2026-12-14T00:00:00.000Z', '2026-12-15T00:00:00.000Z'],
      [undefined, undefined],
    ]);
  });

  it('creating a partition over rows waiting in the default partition moves into it those from < ts <= to, as its rollups count them', async () => {
    const inside = [uniqueId('MTR'), uniqueId('MTR')];
    const outside = uniqueId('MTR');
    await meterRow(inside[0], '2026-03-01T00:00:00.000001Z');
    await meterRow(inside[1], '2026-04-01T00:00:00Z');
    // In the hour bucket of 23:00 on 28 February, so in February's partitions.
    await meterRow(outside, '2026-03-01T00:00:00Z');
    expect(await homeOf(db.dataSource, 'meter', [...inside, outside])).toEqual({
      [inside[0]]: 'meter_history_default',
      [inside[1]]: 'meter_history_default',
      [outside]: 'meter_history_default',
    });

    const [meter] = await maintenanceAt(db.dataSource, '2026-03-15T00:00:00Z').maintain();

    expect(meter).toMatchObject({ created: ['meter_history_p20260301'], movedFromDefault: 2 });
    expect(await homeOf(db.dataSource, 'meter', [...inside, outside])).toEqual({
      [inside[0]]: 'meter_history_p20260301',
      [inside[1]]: 'meter_history_p20260301',
      [outside]: 'meter_history_default',
    });
    const [{ bound }] = await db.dataSource.query(
      `SELECT pg_get_expr(relpartbound, oid) AS bound FROM pg_class WHERE relname = 'meter_history_p20260301'`,
    );
    expect(bound).toBe("FOR VALUES FROM ('2026-03-01 00:00:00.000001+00') TO ('2026-04-01 00:00:00.000001+00')");
    // The key still holds across partitions: the moved rows are duplicates for a retry.
    const retry = await db.dataSource.query(
      `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage) VALUES ($1, '2026-04-01T00:00:00Z', 9, 9)
       ON CONFLICT (meter_id, ts) DO NOTHING RETURNING 1`,
      [inside[1]],
    );
    expect(retry).toHaveLength(0);
  });

  it('replicas maintaining at the same moment create each partition once and none of them fails', async () => {
    const replicas = Array.from({ length: 4 }, () =>
      maintenanceAt(db.dataSource, '2026-07-04T00:00:00Z', { ahead: 2 }),
    );
    const reports = (await Promise.all(replicas.map((replica) => replica.maintain()))).flat();

    const created = reports.flatMap((report) => (report.skipped ? [] : report.created));
    expect(created.sort()).toEqual(
      ['p20260701', 'p20260801', 'p20260901'].flatMap((p) => TABLES.map((table) => `${table}_${p}`)).sort(),
    );
  });
});

describe('retention', () => {
  it('drops the partitions wholly older than the retention and the expired rows of the default partition, never the live tables', async () => {
    for (const month of ['2024-11-15', '2024-12-15', '2025-01-15'])
      await maintenanceAt(db.dataSource, `${month}T00:00:00Z`).maintain();
    const [old, edge, kept, ancient] = [uniqueId('MTR'), uniqueId('MTR'), uniqueId('MTR'), uniqueId('MTR')];
    await meterRow(old, '2024-11-20T00:00:00Z');
    await meterRow(edge, '2024-12-31T23:00:00Z');
    await meterRow(kept, '2025-01-02T00:00:00Z');
    await meterRow(ancient, '2019-06-01T00:00:00Z'); // no partition: in the default one, and expired
    await db.dataSource.query(
      `INSERT INTO meter_live (meter_id, ts, kwh_consumed_ac, voltage) VALUES ($1, '2019-06-01T00:00:00Z', 1, 230)`,
      [ancient],
    );

    // 13 months before 20 January 2026 is 20 December 2024: November 2024 is wholly older, December is not.
    const reports = await maintenanceAt(db.dataSource, '2026-01-20T00:00:00Z', {
      retention: { count: 13, unit: 'month' },
    }).maintain();

    expect(reports).toMatchObject(TABLES.map((table) => ({ table, dropped: [`${table}_p20241101`] })));
    expect(await partitionNames(db.dataSource, 'meter_history')).toEqual([
      'meter_history_p20241201',
      'meter_history_p20250101',
      'meter_history_p20260101',
      'meter_history_default',
    ]);
    expect(await homeOf(db.dataSource, 'meter', [old, edge, kept, ancient])).toEqual({
      [edge]: 'meter_history_p20241201',
      [kept]: 'meter_history_p20250101',
    });
    expect(reports[0]).toMatchObject({ expiry: { before: '2024-12-01T00:00:00.000Z', expired: 1, complete: true } });
    const [{ exists }] = await db.dataSource.query(
      `SELECT to_regclass('meter_history_p20241101') IS NOT NULL AS exists`,
    );
    expect(exists).toBe(false);
    expect(await db.dataSource.query(`SELECT 1 FROM meter_live WHERE meter_id = $1`, [ancient])).toHaveLength(1);
  });

  it('without a retention nothing is dropped', async () => {
    await maintenanceAt(db.dataSource, '2020-01-15T00:00:00Z').maintain();
    const reports = await maintenanceAt(db.dataSource, '2026-01-15T00:00:00Z').maintain();
    expect(reports.map((report) => !report.skipped && report.dropped)).toEqual(TABLES.map(() => []));
    expect(await partitionNames(db.dataSource, 'meter_history')).toContain('meter_history_p20200101');
  });
});
