import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Device credentials: a token per device that writes readings for that device and nothing else. Only
 * the SHA-256 of a token is kept, as for API keys. A device holds at most two live ones at a time (the
 * service checks it when issuing), so it can rotate without a gap. Like keys, every change moves the
 * access version (migration 1764471000000-AccessVersion), so a revocation reaches every process at its
 * next check.
 */
export class DeviceCredentials1764472000000 implements MigrationInterface {
  name = 'DeviceCredentials1764472000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE device_credential (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        device_id text NOT NULL,
        token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX device_credential_device ON device_credential (device_id)`);
    for (const [event, rows] of EVENTS) {
      await queryRunner.query(`
        CREATE TRIGGER device_credential_${event.toLowerCase()}_access AFTER ${event} ON device_credential
        REFERENCING ${rows} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION access_changed()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE device_credential`);
  }
}

const EVENTS = [
  ['INSERT', 'NEW'],
  ['UPDATE', 'NEW'],
  ['DELETE', 'OLD'],
];
