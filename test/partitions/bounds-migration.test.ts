import type { DataSource } from 'typeorm';
import { HistoryBoundsFollowBuckets1764460000000 } from '../../migrations/1764460000000-HistoryBoundsFollowBuckets';
import { databaseBefore, type MigrationDatabase } from '../support/migration-database';

/**
 * The migration that moves history's partition bounds a microsecond later, on a database whose
 * partitions were laid out the old way, [from, to) for history and rollups alike, and hold readings at
 * exactly their bounds.
 */
let database: MigrationDatabase;
let dataSource: DataSource;

const MONTHS = ['2025-11-01', '2025-12-01', '2026-01-01', '2026-02-01'];
const TABLES = ['meter_history', 'vehicle_history', 'meter_rollup_hourly', 'vehicle_rollup_hourly'];

beforeAll(async () => {
  database = await databaseBefore('bounds_migration', HistoryBoundsFollowBuckets1764460000000);
  dataSource = database.dataSource;
  // As partition maintenance made them before: the same [from, to) bounds for history and its rollups.
  for (const table of TABLES) {
    for (const [index, from] of MONTHS.slice(0, -1).entries()) {
      await dataSource.query(
        `CREATE TABLE ${table}_p${from.replace(/-/g, '')} PARTITION OF ${table}
         FOR VALUES FROM ('${from}T00:00:00Z') TO ('${MONTHS[index + 1]}T00:00:00Z')`,
      );
    }
  }
});

afterAll(() => database.drop());

/** At the first partition's lower bound, inside, at a bound between two, at the last one's upper bound, after. */
const READINGS = [
  '2025-11-01T00:00:00Z',
  '2025-11-15T12:00:00Z',
  '2025-12-01T00:00:00Z',
  '2026-01-31T23:59:59.999999Z',
  '2026-02-01T00:00:00Z',
  '2026-03-05T00:00:00Z',
];

const homes = async (table: string) =>
  (
    await dataSource.query<Array<{ home: string }>>(`SELECT tableoid::regclass::text AS home FROM ${table} ORDER BY ts`)
  ).map((row) => row.home);

const bounds = async (table: string) =>
  (
    await dataSource.query<Array<{ bound: string }>>(
      `SELECT pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = $1::regclass ORDER BY c.relname`,
      [table],
    )
  ).map((row) => row.bound);

/** Every row of both histories, digested; and the parent's indexes with how many partitions each has attached. */
async function snapshot() {
  const [rows] = await dataSource.query(`
    SELECT (SELECT md5(string_agg(h::text, ',' ORDER BY meter_id, ts)) FROM meter_history h) AS meters,
           (SELECT md5(string_agg(h::text, ',' ORDER BY vehicle_id, ts)) FROM vehicle_history h) AS vehicles`);
  const indexes = await dataSource.query(`
    SELECT c.relname AS index, count(i.inhrelid)::int AS attached
    FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid LEFT JOIN pg_inherits i ON i.inhparent = x.indexrelid
    WHERE x.indrelid IN ('meter_history'::regclass, 'vehicle_history'::regclass) GROUP BY 1 ORDER BY 1`);
  return { rows, indexes };
}

it('moves the history bounds a microsecond later and only the rows at exactly a bound, and down() moves them back', async () => {
  await dataSource.query(
    `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage) SELECT 'BOUND-M', ts, 1, 230 FROM unnest($1::timestamptz[]) ts`,
    [READINGS],
  );
  await dataSource.query(
    `INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
     SELECT 'BOUND-V', ts, 50, 1, 20 FROM unnest($1::timestamptz[]) ts`,
    [READINGS],
  );
  const oldHomes = ['p20251101', 'p20251101', 'p20251201', 'p20260101', 'default', 'default'];
  expect(await homes('meter_history')).toEqual(oldHomes.map((home) => `meter_history_${home}`));
  const before = await snapshot();
  const rollupBounds = await bounds('meter_rollup_hourly');

  const applied = await dataSource.runMigrations({ transaction: 'each' });
  expect(applied.map((migration) => migration.name)).toEqual(['HistoryBoundsFollowBuckets1764460000000']);

  for (const kind of ['meter', 'vehicle']) {
    expect(await bounds(`${kind}_history`)).toEqual([
      'DEFAULT',
      "FOR VALUES FROM ('2025-11-01 00:00:00.000001+00') TO ('2025-12-01 00:00:00.000001+00')",
      "FOR VALUES FROM ('2025-12-01 00:00:00.000001+00') TO ('2026-01-01 00:00:00.000001+00')",
      "FOR VALUES FROM ('2026-01-01 00:00:00.000001+00') TO ('2026-02-01 00:00:00.000001+00')",
    ]);
    // Each reading now lies in the partition of its hour bucket's rollup partition.
    expect(await homes(`${kind}_history`)).toEqual(
      ['default', 'p20251101', 'p20251101', 'p20260101', 'p20260101', 'default'].map(
        (home) => `${kind}_history_${home}`,
      ),
    );
  }
  expect(await bounds('meter_rollup_hourly')).toEqual(rollupBounds);
  // A history partition and the rollup partition over the same span now hold the same hours.
  for (const month of MONTHS.slice(0, -1)) {
    const suffix = `p${month.replace(/-/g, '')}`;
    const [{ history, rollup }] = await dataSource.query(`
      SELECT (SELECT array_agg(DISTINCT date_trunc('hour', ts - interval '1 microsecond', 'UTC'))
              FROM meter_history_${suffix}) AS history,
             (SELECT array_agg(hour ORDER BY hour) FROM meter_rollup_hourly_${suffix}) AS rollup`);
    expect(history).toEqual(rollup);
  }
  expect(await snapshot()).toEqual(before);

  await dataSource.undoLastMigration({ transaction: 'each' });
  expect(await bounds('meter_history')).toEqual([
    'DEFAULT',
    "FOR VALUES FROM ('2025-11-01 00:00:00+00') TO ('2025-12-01 00:00:00+00')",
    "FOR VALUES FROM ('2025-12-01 00:00:00+00') TO ('2026-01-01 00:00:00+00')",
    "FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-02-01 00:00:00+00')",
  ]);
  expect(await homes('vehicle_history')).toEqual(oldHomes.map((home) => `vehicle_history_${home}`));
  expect(await snapshot()).toEqual(before);
});
