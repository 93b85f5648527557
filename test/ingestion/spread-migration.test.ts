import type { DataSource } from 'typeorm';
import { SpreadGapEnergy1764500000000 } from '../../migrations/1764500000000-SpreadGapEnergy';
import { databaseBefore, type MigrationDatabase } from '../support/migration-database';

/**
 * Spreading gaps on a fleet that has been reporting registers: a gap stored before it gets its start
 * from the register reading before it, and a counted session it overlaps is counted again.
 */
let database: MigrationDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  database = await databaseBefore('spread_gap_energy', SpreadGapEnergy1764500000000);
  dataSource = database.dataSource;
});
afterAll(() => database.drop());

const session = () =>
  dataSource.query<Array<{ dc: string; n: string }>>(
    `SELECT kwh_dc_micro::text AS dc, dc_readings::text AS n FROM charging_session WHERE vehicle_id = 'VEH-1'`,
  );

it('gives stored gaps their start, recounts the sessions they overlap, and undoes both', async () => {
  // 09:00 the vehicle's register reading; 10:00 the next, 30 kWh on after a gap of 59 lost minutes,
  // stored whole at 10:00 as before this migration.
  await dataSource.query(`
    INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, kwh_register_dc, register_base, bridged)
    VALUES ('VEH-1', '2026-11-01T09:00:00Z', 40, 0, 20, 100, 100, 0),
           ('VEH-1', '2026-11-01T10:00:00Z', 60, 30, 20, 130, 130, 59)`);
  await dataSource.query(`
    INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
    VALUES ('VEH-1', 'MTR-1', '2026-11-01T09:00:00Z', '2026-11-01T09:30:00Z')`);
  await dataSource.query(`
    UPDATE charging_session SET kwh_ac_micro = meter_kwh_micro(meter_id, started_at, ended_at),
                                kwh_dc_micro = vehicle_kwh_micro(vehicle_id, started_at, ended_at)`);
  // Whole at 10:00, the gap's energy is outside the session.
  expect(await session()).toEqual([{ dc: '0', n: '0' }]);

  const applied = await dataSource.runMigrations({ transaction: 'each' });
  expect(applied.map((migration) => migration.name)).toEqual(['SpreadGapEnergy1764500000000']);
  expect(await dataSource.query(`SELECT ts, gap_from FROM vehicle_history ORDER BY ts`)).toEqual([
    { ts: new Date('2026-11-01T09:00:00Z'), gap_from: null },
    { ts: new Date('2026-11-01T10:00:00Z'), gap_from: new Date('2026-11-01T09:00:00Z') },
  ]);
  // 60 points a minute apart, 09:01 … 10:00, each 0.5 kWh: the 30 up to 09:30 are the session's.
  expect(await session()).toEqual([{ dc: '15000000', n: '30' }]);

  await dataSource.undoLastMigration({ transaction: 'each' });
  expect(
    await dataSource.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'gap_from'`),
  ).toEqual([{ n: 0 }]);
  expect(
    await dataSource.query(
      `SELECT count(*)::int AS n FROM pg_proc WHERE proname LIKE 'register_%' OR proname LIKE '%_cut'`,
    ),
  ).toEqual([{ n: 0 }]);
  expect(await session()).toEqual([{ dc: '0', n: '0' }]);
});
