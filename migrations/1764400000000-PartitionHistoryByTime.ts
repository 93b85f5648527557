import type { MigrationInterface, QueryRunner } from 'typeorm';

const HISTORY_TABLES = ['meter_history', 'vehicle_history'];

/**
 * Range-partitions the history tables by reading time, so that retention is a DROP of whole months
 * rather than a DELETE that bloats, and so that a time-window query only reads the partitions of its
 * window. PostgreSQL cannot turn a table into a partitioned one in place: each table is rebuilt under
 * its name and the rows copied, in this migration's transaction, so readers see the old table or the
 * new one and never half of each. The copy holds an exclusive lock on the table for its duration;
 * on a large installation, run it in a maintenance window.
 *
 * Partitions here are monthly, one for each month from the oldest row to the newest: a migration cannot
 * read the configured interval. The service creates the partitions ahead of time at boot (src/partitions), and
 * the DEFAULT partition takes any reading no partition covers.
 *
 * Keys and indexes are copied from the table as it stands, whatever earlier migrations made of them
 * (the covering primary key of CoverAnalyticsReads, say), under their own names.
 */
export class PartitionHistoryByTime1764400000000 implements MigrationInterface {
  name = 'PartitionHistoryByTime1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of HISTORY_TABLES) await rebuild(queryRunner, table, 'partitioned');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of HISTORY_TABLES) await rebuild(queryRunner, table, 'plain');
  }
}

async function rebuild(queryRunner: QueryRunner, table: string, shape: 'partitioned' | 'plain'): Promise<void> {
  const old = `${table}_before_rebuild`;
  const indexes = await indexDefinitions(queryRunner, table);
  const constraints = await keyConstraints(queryRunner, table);

  await queryRunner.query(`ALTER TABLE ${table} RENAME TO ${old}`);
  // Index names are unique per schema: the old ones must go before the new table can take them.
  for (const { name } of constraints) await queryRunner.query(`ALTER TABLE ${old} DROP CONSTRAINT ${name}`);
  for (const { name } of indexes) await queryRunner.query(`DROP INDEX ${name}`);

  const like = `LIKE ${old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS`;
  if (shape === 'partitioned') {
    await queryRunner.query(`CREATE TABLE ${table} (${like}) PARTITION BY RANGE (ts)`);
    for (const month of await monthsSpanned(queryRunner, old)) {
      const name = `${table}_p${month.from.slice(0, 10).replace(/-/g, '')}`;
      await queryRunner.query(
        `CREATE TABLE ${name} PARTITION OF ${table} FOR VALUES FROM ('${month.from}') TO ('${month.to}')`,
      );
    }
    await queryRunner.query(`CREATE TABLE ${table}_default PARTITION OF ${table} DEFAULT`);
  } else {
    await queryRunner.query(`CREATE TABLE ${table} (${like})`);
  }
  // LIKE keeps the column order, so whole rows copy across; keys come after the load, which is faster.
  await queryRunner.query(`INSERT INTO ${table} SELECT * FROM ${old}`);
  for (const { name, definition } of constraints) {
    await queryRunner.query(`ALTER TABLE ${table} ADD CONSTRAINT ${name} ${definition}`);
  }
  for (const { definition } of indexes) await queryRunner.query(definition);
  await queryRunner.query(`DROP TABLE ${old}`);
  // Autovacuum never analyzes a partitioned parent; the planner's row estimates for it come from here.
  await queryRunner.query(`ANALYZE ${table}`);
}

interface Definition {
  name: string;
  definition: string;
}

/** Primary key, unique and exclusion constraints, as ADD CONSTRAINT clauses. */
function keyConstraints(queryRunner: QueryRunner, table: string): Promise<Definition[]> {
  return queryRunner.query(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
     WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'x') ORDER BY conname`,
    [table],
  );
}

/**
 * Indexes that belong to no constraint, as CREATE INDEX statements naming the table by its current
 * name. A partitioned table's are written ON ONLY, which would leave a plain table's unbuilt.
 */
async function indexDefinitions(queryRunner: QueryRunner, table: string): Promise<Definition[]> {
  const rows = (await queryRunner.query(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = $1::regclass
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
     ORDER BY c.relname`,
    [table],
  )) as Definition[];
  return rows.map(({ name, definition }) => ({ name, definition: definition.replace(' ON ONLY ', ' ON ') }));
}

/** Each calendar month (UTC) from the oldest row's to the newest's, as ISO bounds [from, to). */
function monthsSpanned(queryRunner: QueryRunner, table: string): Promise<Array<{ from: string; to: string }>> {
  // min and max read the two ends of the ts index; an empty table spans no month.
  return queryRunner.query(`
    SELECT to_char(m, 'YYYY-MM-DD"T00:00:00Z"') AS "from", to_char(m + interval '1 month', 'YYYY-MM-DD"T00:00:00Z"') AS "to"
    FROM (SELECT date_trunc('month', min(ts) AT TIME ZONE 'UTC') AS first, date_trunc('month', max(ts) AT TIME ZONE 'UTC') AS last
          FROM ${table}) bounds,
         generate_series(first, last, interval '1 month') AS m`);
}
