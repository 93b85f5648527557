import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A counter every change to who may do what moves: API keys and the device registry. Each process keeps
 * those in memory and asks this one row, often and cheaply, whether its copy is still current, so a key
 * revoked on one replica (or by the CLI) stops working on every other one at its next check, whoever
 * made the change. The triggers count statements, not rows, so a bulk change moves it once.
 */
export class AccessVersion1764471000000 implements MigrationInterface {
  name = 'AccessVersion1764471000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE access_version (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        version bigint NOT NULL
      )`);
    await queryRunner.query(`INSERT INTO access_version (version) VALUES (1)`);
    await queryRunner.query(`
      CREATE FUNCTION access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE access_version SET version = version + 1;
        RETURN NULL;
      END $$`);
    for (const table of ['api_key', 'device']) {
      await queryRunner.query(`
        CREATE TRIGGER ${table}_access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION access_changed()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['api_key', 'device'])
      await queryRunner.query(`DROP TRIGGER ${table}_access_changed ON ${table}`);
    await queryRunner.query(`DROP FUNCTION access_changed()`);
    await queryRunner.query(`DROP TABLE access_version`);
  }
}
