import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A counter every change to who may do what moves: API keys and the device registry. Each process keeps
 * those in memory and asks this one row, often and cheaply, whether its copy is still current, so a key
 * revoked on one replica (or by the CLI, or by hand in psql) stops working on every other one at its
 * next check, whoever made the change. The triggers count statements that changed rows: a bulk change
 * moves it once, and a statement that changed nothing (a refused duplicate, an unknown id) not at all,
 * so a refused request writes nothing and makes no process reload.
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
        IF EXISTS (SELECT FROM changed) THEN
          UPDATE access_version SET version = version + 1;
        END IF;
        RETURN NULL;
      END $$`);
    // A trigger with a transition table serves one event, so each table has three.
    for (const [table, event, rows] of TRIGGERS) {
      await queryRunner.query(`
        CREATE TRIGGER ${table}_${event.toLowerCase()}_access AFTER ${event} ON ${table}
        REFERENCING ${rows} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION access_changed()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, event] of TRIGGERS) {
      await queryRunner.query(`DROP TRIGGER ${table}_${event.toLowerCase()}_access ON ${table}`);
    }
    await queryRunner.query(`DROP FUNCTION access_changed()`);
    await queryRunner.query(`DROP TABLE access_version`);
  }
}

const TRIGGERS = ['api_key', 'device'].flatMap((table) => [
  [table, 'INSERT', 'NEW'],
  [table, 'UPDATE', 'NEW'],
  [table, 'DELETE', 'OLD'],
]);
