import type { DataSource } from 'typeorm';
import { DeviceRegistry1764470000000 } from '../../migrations/1764470000000-DeviceRegistry';
import { databaseBefore, type MigrationDatabase } from '../support/migration-database';

/** The registry migration on a fleet that has been reporting: every device seen is registered. */
let database: MigrationDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  database = await databaseBefore('device_registry', DeviceRegistry1764470000000);
  dataSource = database.dataSource;
});
afterAll(() => database.drop());

it('registers every meter and vehicle of the live tables, a shared id as the meter, and undoes cleanly', async () => {
  await dataSource.query(`
    INSERT INTO meter_live (meter_id, kwh_consumed_ac, voltage, ts)
    VALUES ('MTR-1', 1, 230, now()), ('SHARED-1', 1, 230, now())`);
  await dataSource.query(`
    INSERT INTO vehicle_live (vehicle_id, soc, kwh_delivered_dc, battery_temp, ts)
    VALUES ('VEH-1', 50, 1, 20, now()), ('SHARED-1', 50, 1, 20, now())`);

  const applied = await dataSource.runMigrations({ transaction: 'each' });
  expect(applied.map((migration) => migration.name)).toEqual(['DeviceRegistry1764470000000']);
  expect(await dataSource.query(`SELECT id, kind, label, decommissioned_at FROM device ORDER BY id`)).toEqual([
    { id: 'MTR-1', kind: 'meter', label: null, decommissioned_at: null },
    { id: 'SHARED-1', kind: 'meter', label: null, decommissioned_at: null },
    { id: 'VEH-1', kind: 'vehicle', label: null, decommissioned_at: null },
  ]);

  await dataSource.undoLastMigration({ transaction: 'each' });
  expect(await dataSource.query(`SELECT to_regclass('device') AS device`)).toEqual([{ device: null }]);
});
