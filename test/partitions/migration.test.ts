import type { DataSource } from 'typeorm';
import { PartitionHistoryByTime1764400000000 } from '../../migrations/1764400000000-PartitionHistoryByTime';
import { databaseBefore, type MigrationDatabase } from '../support/migration-database';
import { partitionNames } from '../support/partitions';

/**
 * The partitioning migration on a database that already holds history: migrated up to the migration
 * before it, filled, then migrated the rest of the way, and back.
 */
let database: MigrationDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  database = await databaseBefore('partition_migration', PartitionHistoryByTime1764400000000);
  dataSource = database.dataSource;
});

afterAll(() => database.drop());

/** Every row of both history tables, digested, with the tables' keys and indexes. */
async function snapshot() {
  const [rows] = await dataSource.query(`
    SELECT (SELECT count(*)::int FROM meter_history) AS meters,
           (SELECT md5(string_agg(h::text, ',' ORDER BY meter_id, ts)) FROM meter_history h) AS meter_digest,
           (SELECT count(*)::int FROM vehicle_history) AS vehicles,
           (SELECT md5(string_agg(h::text, ',' ORDER BY vehicle_id, ts)) FROM vehicle_history h) AS vehicle_digest`);
  const definitions = await dataSource.query(`
    SELECT i.indrelid::regclass::text AS "table",
           coalesce(pg_get_constraintdef(k.oid), replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ')) AS definition
    FROM pg_index i LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid
    WHERE i.indrelid IN ('meter_history'::regclass, 'vehicle_history'::regclass)
    ORDER BY 1, 2`);
  return { rows, definitions };
}

const relkind = async (table: string) =>
  (await dataSource.query(`SELECT relkind FROM pg_class WHERE oid = $1::regclass`, [table]))[0].relkind;

it('moves every existing row into monthly partitions and keeps the keys and indexes, and down() undoes it', async () => {
  await dataSource.query(`
    INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage, received_at)
    SELECT 'MIG-M' || (i % 7), timestamptz '2025-11-20T00:00:00Z' + i * interval '17 minutes', i * 0.001, 230, timestamptz '2026-02-01'
    FROM generate_series(0, 5000) AS i`);
  await dataSource.query(`
    INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
    SELECT 'MIG-V' || (i % 3), timestamptz '2025-12-31T23:00:00Z' + i * interval '1 minute', 50, 0.01, 20
    FROM generate_series(0, 119) AS i`);
  await dataSource.query(
    `INSERT INTO meter_live (meter_id, ts, kwh_consumed_ac, voltage) VALUES ('MIG-M0', now(), 1, 230)`,
  );
  const before = await snapshot();
  expect(before.definitions).toEqual(
    expect.arrayContaining([
      { table: 'meter_history', definition: expect.stringMatching(/^PRIMARY KEY \(meter_id, ts\)/) },
      {
        table: 'meter_history',
        definition: expect.stringMatching(/^CREATE INDEX meter_history_ts_idx ON public\.meter_history/),
      },
    ]),
  );

  const applied = await dataSource.runMigrations({ transaction: 'each' });
  expect(applied.map((migration) => migration.name)).toEqual(['PartitionHistoryByTime1764400000000']);

  expect(await relkind('meter_history')).toBe('p');
  expect(await relkind('vehicle_history')).toBe('p');
  // 5,001 readings 17 minutes apart from 20 November 2025 run into late January 2026.
  expect(await partitionNames(dataSource, 'meter_history')).toEqual([
    'meter_history_p20251101',
    'meter_history_p20251201',
    'meter_history_p20260101',
    'meter_history_default',
  ]);
  expect(await partitionNames(dataSource, 'vehicle_history')).toEqual([
    'vehicle_history_p20251201',
    'vehicle_history_p20260101',
    'vehicle_history_default',
  ]);
  const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM meter_history_default`);
  expect(n).toBe(0);
  expect(await snapshot()).toEqual(before);
  expect(await dataSource.query(`SELECT 1 FROM meter_live`)).toHaveLength(1);

  await dataSource.undoLastMigration({ transaction: 'each' });
  expect(await relkind('meter_history')).toBe('r');
  expect(await relkind('vehicle_history')).toBe('r');
  expect(await snapshot()).toEqual(before);
});
