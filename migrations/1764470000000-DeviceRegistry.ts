import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The device registry: each meter and vehicle as a record of its own, so that an operator can name it,
 * list the fleet, and retire a device without losing its history. A device id names one device
 * whatever its kind, so that `/v1/devices/:id` needs nothing else. Every device that has reported is
 * registered from the live tables; should a meter and a vehicle share an id, the meter keeps it, and
 * the vehicle keeps writing as any unregistered device does.
 */
export class DeviceRegistry1764470000000 implements MigrationInterface {
  name = 'DeviceRegistry1764470000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE device (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._:-]{1,64}$'),
        kind text NOT NULL CHECK (kind IN ('meter', 'vehicle')),
        label text CHECK (length(label) BETWEEN 1 AND 100),
        created_at timestamptz NOT NULL DEFAULT now(),
        decommissioned_at timestamptz
      )`);
    await queryRunner.query(`INSERT INTO device (id, kind) SELECT meter_id, 'meter' FROM meter_live`);
    await queryRunner.query(`
      INSERT INTO device (id, kind) SELECT vehicle_id, 'vehicle' FROM vehicle_live ON CONFLICT (id) DO NOTHING`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE device`);
  }
}
