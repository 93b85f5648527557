import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Gateway keys: an ingest key either speaks for the whole fleet (a trusted backend) or for a list of
 * registered devices (a depot gateway posting for the meters behind it). Every key so far was fleet-wide,
 * so existing keys keep that scope. Only ingest keys can be narrowed: reading and administering are not
 * per device. A retired device stays in the list but stops being written for, as its own credentials do.
 *
 * When each key and credential was last used is kept apart from them, in a table without access
 * triggers: the service writes it now and then from memory, and those writes must not make every process
 * reload its keys.
 */
export class GatewayKeys1764473000000 implements MigrationInterface {
  name = 'GatewayKeys1764473000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE api_key
        ADD COLUMN scope text NOT NULL DEFAULT 'fleet' CONSTRAINT api_key_scope_check CHECK (scope IN ('fleet', 'devices')),
        ADD CONSTRAINT api_key_scoped_ingest_check CHECK (scope = 'fleet' OR role = 'ingest')`);
    await queryRunner.query(`
      CREATE TABLE api_key_device (
        key_id uuid NOT NULL REFERENCES api_key (id) ON DELETE CASCADE,
        device_id text NOT NULL REFERENCES device (id),
        PRIMARY KEY (key_id, device_id)
      )`);
    await queryRunner.query(`CREATE INDEX api_key_device_device ON api_key_device (device_id)`);
    for (const [event, rows] of EVENTS) {
      await queryRunner.query(`
        CREATE TRIGGER api_key_device_${event.toLowerCase()}_access AFTER ${event} ON api_key_device
        REFERENCING ${rows} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION access_changed()`);
    }
    await queryRunner.query(`
      CREATE TABLE credential_use (
        id uuid PRIMARY KEY,
        last_used_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE credential_use`);
    await queryRunner.query(`DROP TABLE api_key_device`);
    await queryRunner.query(`ALTER TABLE api_key DROP CONSTRAINT api_key_scoped_ingest_check, DROP COLUMN scope`);
  }
}

const EVENTS = [
  ['INSERT', 'NEW'],
  ['UPDATE', 'NEW'],
  ['DELETE', 'OLD'],
];
