import type { DataSource } from 'typeorm';
import { EnergyRegisters1764490000000 } from '../../migrations/1764490000000-EnergyRegisters';
import { databaseBefore, type MigrationDatabase } from '../support/migration-database';

/** The registers migration on a fleet that has been reporting: its readings and rollups keep their meaning. */
let database: MigrationDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  database = await databaseBefore('energy_registers', EnergyRegisters1764490000000);
  dataSource = database.dataSource;
});
afterAll(() => database.drop());

const keyDefinition = (table: string) =>
  dataSource.query(`SELECT pg_get_indexdef(conindid) AS def FROM pg_constraint WHERE conname = $1`, [`${table}_pkey`]);

it('keeps every stored reading as a plain one covering only itself, carries bridged in the key, and undoes cleanly', async () => {
  await dataSource.query(`
    INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage) VALUES ('MTR-1', '2026-11-01T10:00:00Z', 1.5, 230)`);
  await dataSource.query(`
    INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
    VALUES ('VEH-1', '2026-11-01T10:00:00Z', 50, 1.25, 20)`);

  const applied = await dataSource.runMigrations({ transaction: 'each' });
  expect(applied.map((migration) => migration.name)).toEqual(['EnergyRegisters1764490000000']);
  expect(
    await dataSource.query(`SELECT kwh_register_ac, register_base, register_event, bridged FROM meter_history`),
  ).toEqual([{ kwh_register_ac: null, register_base: null, register_event: null, bridged: 0 }]);
  expect(await dataSource.query(`SELECT kwh_register_dc, bridged FROM vehicle_history`)).toEqual([
    { kwh_register_dc: null, bridged: 0 },
  ]);
  expect((await keyDefinition('meter_history'))[0].def).toMatch(/INCLUDE \(kwh_consumed_ac, bridged\)$/);
  expect((await keyDefinition('vehicle_history'))[0].def).toMatch(
    /INCLUDE \(kwh_delivered_dc, battery_temp, bridged\)$/,
  );

  await dataSource.undoLastMigration({ transaction: 'each' });
  expect(
    await dataSource.query(
      `SELECT count(*)::int AS n FROM information_schema.columns
       WHERE column_name IN ('kwh_register_ac', 'kwh_register_dc', 'register_base', 'register_event', 'bridged')`,
    ),
  ).toEqual([{ n: 0 }]);
  expect((await keyDefinition('meter_history'))[0].def).toMatch(/INCLUDE \(kwh_consumed_ac\)$/);
  expect(await dataSource.query(`SELECT kwh_consumed_ac FROM meter_history`)).toEqual([{ kwh_consumed_ac: 1.5 }]);
});
