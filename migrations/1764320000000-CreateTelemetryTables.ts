import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * History tables are keyed by (entity, reading time) so a device retry is a conflict, not a second row.
 * No foreign key ties history to live: history must stay partitionable and distributable on its own.
 */
export class CreateTelemetryTables1764320000000 implements MigrationInterface {
  name = 'CreateTelemetryTables1764320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE meter_history (
        meter_id text NOT NULL,
        ts timestamptz NOT NULL,
        kwh_consumed_ac double precision NOT NULL,
        voltage double precision NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT meter_history_pkey PRIMARY KEY (meter_id, ts)
      )`);
    await queryRunner.query(`CREATE INDEX meter_history_ts_idx ON meter_history (ts)`);
    await queryRunner.query(`
      CREATE TABLE vehicle_history (
        vehicle_id text NOT NULL,
        ts timestamptz NOT NULL,
        soc double precision NOT NULL,
        kwh_delivered_dc double precision NOT NULL,
        battery_temp double precision NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT vehicle_history_pkey PRIMARY KEY (vehicle_id, ts)
      )`);
    await queryRunner.query(`CREATE INDEX vehicle_history_ts_idx ON vehicle_history (ts)`);
    await queryRunner.query(`
      CREATE TABLE meter_live (
        meter_id text NOT NULL,
        ts timestamptz NOT NULL,
        kwh_consumed_ac double precision NOT NULL,
        voltage double precision NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT meter_live_pkey PRIMARY KEY (meter_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE vehicle_live (
        vehicle_id text NOT NULL,
        ts timestamptz NOT NULL,
        soc double precision NOT NULL,
        kwh_delivered_dc double precision NOT NULL,
        battery_temp double precision NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT vehicle_live_pkey PRIMARY KEY (vehicle_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE vehicle_live`);
    await queryRunner.query(`DROP TABLE meter_live`);
    await queryRunner.query(`DROP TABLE vehicle_history`);
    await queryRunner.query(`DROP TABLE meter_history`);
  }
}
