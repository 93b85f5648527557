import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether anyone follows the live stream. A process with stream clients keeps `followed_until` a
 * couple of minutes ahead; every ingest statement reads it, and the readings of a transaction that
 * found it passed are not announced at all: with nobody following, announcing them would only cost
 * ingestion the notifications.
 */
export class StreamFollow1764450000000 implements MigrationInterface {
  name = 'StreamFollow1764450000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE stream_follow (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        followed_until timestamptz NOT NULL
      )`);
    await queryRunner.query(`INSERT INTO stream_follow (followed_until) VALUES ('-infinity')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE stream_follow`);
  }
}
