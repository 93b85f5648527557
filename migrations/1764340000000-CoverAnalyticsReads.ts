import type { MigrationInterface, QueryRunner } from 'typeorm';

const COVERED = [
  { table: 'vehicle_history', key: 'vehicle_id, ts', include: 'kwh_delivered_dc, battery_temp' },
  { table: 'meter_history', key: 'meter_id, ts', include: 'kwh_consumed_ac' },
];

/**
 * Readings arrive in time order, so one device's day is scattered over as many heap pages as it has
 * readings. Carrying the analytics columns in the primary key makes the window sums index-only scans
 * over a few adjacent leaf pages. Widening the key index costs ingest less than a second covering index
 * would: every insert already maintains the key index, and a second one would be a full extra copy.
 *
 * The new index is built CONCURRENTLY, so ingestion keeps writing while it builds, and then swapped in
 * as the key under a short lock; that needs this migration to run outside a transaction. Each step may
 * be repeated, so a migration interrupted halfway can simply be run again.
 */
export class CoverAnalyticsReads1764340000000 implements MigrationInterface {
  name = 'CoverAnalyticsReads1764340000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const { table, key, include } of COVERED) {
      await rebuildPrimaryKey(queryRunner, table, `(${key}) INCLUDE (${include})`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const { table, key } of COVERED) {
      await rebuildPrimaryKey(queryRunner, table, `(${key})`);
    }
  }
}

async function rebuildPrimaryKey(queryRunner: QueryRunner, table: string, definition: string): Promise<void> {
  const building = `${table}_pkey_next`;
  // An earlier interrupted run may have left an invalid index behind.
  await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${building}`);
  await queryRunner.query(`CREATE UNIQUE INDEX CONCURRENTLY ${building} ON ${table} ${definition}`);
  await queryRunner.query(`
    ALTER TABLE ${table}
      DROP CONSTRAINT ${table}_pkey,
      ADD CONSTRAINT ${table}_pkey PRIMARY KEY USING INDEX ${building}`);
}
