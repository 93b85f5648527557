import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A session ties a vehicle to the meter whose readings count as its AC energy while it is plugged in.
 * The key starts with id (the PATCH lookup) and includes vehicle_id, and no foreign key points
 * elsewhere, so the table can later be distributed by vehicle_id.
 *
 * Sessions are half-open periods [started_at, ended_at), NULL ended_at meaning ongoing. Overlap is
 * refused by an exclusion constraint rather than a check-then-insert, so two concurrent writers cannot
 * both succeed; its GiST index also serves lookups by vehicle and time. The fleet view looks sessions up
 * by time alone, which the vehicle-first index cannot narrow, hence the second index.
 */
export class CreateChargingSessions1764330000000 implements MigrationInterface {
  name = 'CreateChargingSessions1764330000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await queryRunner.query(`
      CREATE TABLE charging_session (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        vehicle_id text NOT NULL,
        meter_id text NOT NULL,
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT charging_session_pkey PRIMARY KEY (id, vehicle_id),
        CONSTRAINT charging_session_ends_after_start CHECK (ended_at IS NULL OR ended_at > started_at),
        CONSTRAINT charging_session_no_overlap
          EXCLUDE USING gist (vehicle_id WITH =, tstzrange(started_at, ended_at) WITH &&)
      )`);
    await queryRunner.query(
      `CREATE INDEX charging_session_period_idx ON charging_session USING gist (tstzrange(started_at, ended_at))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE charging_session`);
  }
}
