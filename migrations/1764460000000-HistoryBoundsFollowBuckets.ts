import type { MigrationInterface, QueryRunner } from 'typeorm';

const HISTORY_TABLES = ['meter_history', 'vehicle_history'];

/**
 * History partitions hold the readings from < ts <= to, as the hour and day buckets do: a partition's
 * bounds become FROM (from + 1 µs) TO (to + 1 µs), where they were FROM (from) TO (to). A rollup
 * partition over [from, to) then holds the buckets of exactly the readings of the history partition
 * over the same span, so dropping both for a retention removes a reading at a bound from history,
 * rollups and session totals alike; with the old bounds it stayed in history, its bucket gone.
 *
 * PostgreSQL cannot change a partition's bounds: each partition is detached, the rows at exactly a
 * bound move to the partition (or the default partition) the new bounds give them, and it is attached
 * again. The rows move straight between partitions, not through the parent, whose insert triggers would
 * count them a second time. The rollups keep their bounds. Attaching reads each partition once to check
 * its bounds, under the exclusive lock this migration holds on history: on a large installation, run it
 * in a maintenance window.
 */
export class HistoryBoundsFollowBuckets1764460000000 implements MigrationInterface {
  name = 'HistoryBoundsFollowBuckets1764460000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of HISTORY_TABLES) await relay(queryRunner, table, `interval '1 microsecond'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of HISTORY_TABLES) await relay(queryRunner, table, `-interval '1 microsecond'`);
  }
}

interface Layout {
  partition: string;
  /** The new bounds as literals, MINVALUE and MAXVALUE as they were. */
  low: string;
  high: string;
}

/** Every partition of `table` but the default one, its bounds moved by `by`. */
function layoutOf(queryRunner: QueryRunner, table: string, by: string): Promise<Layout[]> {
  const moved = (bound: string) => `
    CASE WHEN ${bound} IN ('MINVALUE', 'MAXVALUE') THEN ${bound}
      ELSE quote_literal((btrim(${bound}, '''')::timestamptz + ${by})::text) END`;
  return queryRunner.query(
    `SELECT quote_ident(c.relname) AS partition, ${moved('b.m[1]')} AS low, ${moved('b.m[2]')} AS high
     FROM pg_inherits i
     JOIN pg_class c ON c.oid = i.inhrelid
     JOIN pg_partitioned_table p ON p.partrelid = i.inhparent
     CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), '^FOR VALUES FROM \\((.+)\\) TO \\((.+)\\)$') AS b(m)
     WHERE i.inhparent = $1::regclass AND c.oid <> p.partdefid
     ORDER BY c.relname`,
    [table],
  );
}

/** `ts` within [low, high), as a condition. */
const within = ({ low, high }: Layout) =>
  [low !== 'MINVALUE' && `ts >= ${low}`, high !== 'MAXVALUE' && `ts < ${high}`].filter(Boolean).join(' AND ') || 'true';

async function relay(queryRunner: QueryRunner, table: string, by: string): Promise<void> {
  await queryRunner.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  const partitions = await layoutOf(queryRunner, table, by);
  if (partitions.length === 0) return;
  const [{ fallback, columns }] = (await queryRunner.query(
    `SELECT nullif(p.partdefid, 0)::regclass::text AS fallback,
            (SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
             WHERE attrelid = p.partrelid AND attnum > 0 AND NOT attisdropped) AS columns
     FROM pg_partitioned_table p WHERE p.partrelid = $1::regclass`,
    [table],
  )) as Array<{ fallback: string | null; columns: string }>;

  // With the default partition detached too, attaching the others does not scan it each time.
  const detached = [...partitions.map(({ partition }) => partition), ...(fallback ? [fallback] : [])];
  for (const partition of detached) await queryRunner.query(`ALTER TABLE ${table} DETACH PARTITION ${partition}`);

  const moving = `${table}_relaid`;
  await queryRunner.query(`CREATE TEMPORARY TABLE ${moving} (LIKE ${table})`);
  const take = (from: string, where: string) =>
    queryRunner.query(
      `WITH moved AS (DELETE FROM ${from} WHERE ${where} RETURNING ${columns})
       INSERT INTO ${moving} (${columns}) SELECT ${columns} FROM moved`,
    );
  for (const layout of partitions) {
    await take(layout.partition, `NOT (${within(layout)})`);
    if (fallback) await take(fallback, within(layout));
  }
  for (const layout of partitions) {
    await queryRunner.query(
      `WITH moved AS (DELETE FROM ${moving} WHERE ${within(layout)} RETURNING ${columns})
       INSERT INTO ${layout.partition} (${columns}) SELECT ${columns} FROM moved`,
    );
  }
  const [{ left }] = (await queryRunner.query(`SELECT count(*)::int AS left FROM ${moving}`)) as Array<{
    left: number;
  }>;
  if (left > 0 && !fallback) throw new Error(`${table} has rows outside its partitions and no default partition`);
  if (fallback) await queryRunner.query(`INSERT INTO ${fallback} (${columns}) SELECT ${columns} FROM ${moving}`);
  await queryRunner.query(`DROP TABLE ${moving}`);

  for (const layout of partitions) {
    await queryRunner.query(
      `ALTER TABLE ${table} ATTACH PARTITION ${layout.partition} FOR VALUES FROM (${layout.low}) TO (${layout.high})`,
    );
  }
  if (fallback) await queryRunner.query(`ALTER TABLE ${table} ATTACH PARTITION ${fallback} DEFAULT`);
}
