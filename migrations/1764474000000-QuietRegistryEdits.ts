import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each process reloads its keys, credentials and registry when the access version moves, and the
 * readings arriving meanwhile wait for it. A device's label decides nothing about who may write what,
 * so an update that changes only labels no longer moves it: only a change of kind, of state (retired or
 * reinstated) or of id does. A partial index keeps the read of live credentials off the revoked ones,
 * which pile up as devices rotate.
 */
export class QuietRegistryEdits1764474000000 implements MigrationInterface {
  name = 'QuietRegistryEdits1764474000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION device_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (
          SELECT FROM changed n LEFT JOIN before o ON o.id = n.id
          WHERE o.id IS NULL OR (n.kind, n.decommissioned_at) IS DISTINCT FROM (o.kind, o.decommissioned_at)
        ) THEN
          UPDATE access_version SET version = version + 1;
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`DROP TRIGGER device_update_access ON device`);
    await queryRunner.query(`
      CREATE TRIGGER device_update_access AFTER UPDATE ON device
      REFERENCING OLD TABLE AS before NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION device_access_changed()`);
    await queryRunner.query(
      `CREATE INDEX device_credential_live ON device_credential (device_id) WHERE revoked_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX device_credential_live`);
    await queryRunner.query(`DROP TRIGGER device_update_access ON device`);
    await queryRunner.query(`
      CREATE TRIGGER device_update_access AFTER UPDATE ON device
      REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION access_changed()`);
    await queryRunner.query(`DROP FUNCTION device_access_changed()`);
  }
}
