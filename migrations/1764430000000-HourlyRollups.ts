import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The hour bucket (hour, hour + 1 h] of a reading at ts. */
const HOUR = `date_trunc('hour', ts - interval '1 microsecond', 'UTC')`;

export interface Rollup {
  history: string;
  rollup: string;
  device: string;
  /** The rollup's columns after (device, hour), with the aggregate over history that fills each. */
  aggregates: Array<[column: string, aggregate: string]>;
  /** How each aggregate column absorbs a later batch of the same (device, hour); `r` is the stored row. */
  merges: Array<[column: string, merge: string]>;
  /** Cheap sanity bounds, those of the history columns the values come from. */
  checks: string[];
}

const extremes = (column: string) => [
  [`${column}_min`, `min(${column})`],
  [`${column}_max`, `max(${column})`],
  [`${column}_sum`, `sum(${column}::numeric)`],
];
const merged = (column: string) => [
  [`${column}_min`, `least(r.${column}_min, EXCLUDED.${column}_min)`],
  [`${column}_max`, `greatest(r.${column}_max, EXCLUDED.${column}_max)`],
  [`${column}_sum`, `r.${column}_sum + EXCLUDED.${column}_sum`],
];
const COUNTS = (energy: string) => [
  ['readings', 'count(*)'],
  ['kwh_micro', `sum((${energy} * 1000000)::bigint)::bigint`],
];
const COUNT_MERGES = [
  ['readings', 'r.readings + EXCLUDED.readings'],
  ['kwh_micro', 'r.kwh_micro + EXCLUDED.kwh_micro'],
];
const SPAN = [
  ['first_ts', 'min(ts)'],
  ['last_ts', 'max(ts)'],
];
const SPAN_MERGES = [
  ['first_ts', 'least(r.first_ts, EXCLUDED.first_ts)'],
  ['last_ts', 'greatest(r.last_ts, EXCLUDED.last_ts)'],
];
const range = (column: string, low: number, high: number) =>
  `${column}_min >= ${low} AND ${column}_max <= ${high} AND ${column}_min <= ${column}_max`;
const COMMON_CHECKS = [
  'readings > 0',
  'kwh_micro >= 0',
  `first_ts <= last_ts AND first_ts > hour AND last_ts <= hour + interval '1 hour'`,
];

export const ROLLUPS: Rollup[] = [
  {
    history: 'meter_history',
    rollup: 'meter_rollup_hourly',
    device: 'meter_id',
    aggregates: [...COUNTS('kwh_consumed_ac'), ...extremes('voltage'), ...SPAN] as Array<[string, string]>,
    merges: [...COUNT_MERGES, ...merged('voltage'), ...SPAN_MERGES] as Array<[string, string]>,
    checks: [...COMMON_CHECKS, range('voltage', 0, 2_000)],
  },
  {
    history: 'vehicle_history',
    rollup: 'vehicle_rollup_hourly',
    device: 'vehicle_id',
    aggregates: [...COUNTS('kwh_delivered_dc'), ...extremes('soc'), ...extremes('battery_temp'), ...SPAN] as Array<
      [string, string]
    >,
    merges: [...COUNT_MERGES, ...merged('soc'), ...merged('battery_temp'), ...SPAN_MERGES] as Array<[string, string]>,
    checks: [...COMMON_CHECKS, range('soc', 0, 100), range('battery_temp', -100, 200)],
  },
];

const TYPES: Record<string, string> = {
  readings: 'bigint',
  kwh_micro: 'bigint',
  first_ts: 'timestamptz',
  last_ts: 'timestamptz',
};
/** Sums of measured values are exact numerics, their extremes float8 like the history columns. */
export const columnType = (column: string) => TYPES[column] ?? (column.endsWith('_sum') ? 'numeric' : 'float8');

/**
 * INSERT … SELECT of the rollup rows of `source`, in (device, bucket) order: by default the hourly
 * rollup's, or into `into` by the bucket `key` computes (the daily rollups' migration).
 */
export function aggregate(
  { rollup, device, aggregates }: Rollup,
  source: string,
  into = { table: rollup, column: 'hour', key: HOUR, where: 'true' },
): string {
  const columns = [device, into.column, ...aggregates.map(([column]) => column)].join(', ');
  return `INSERT INTO ${into.table} AS r (${columns})
    SELECT ${device}, ${into.key}, ${aggregates.map(([, expression]) => expression).join(', ')}
    FROM ${source} WHERE ${into.where} GROUP BY 1, 2 ORDER BY 1, 2`;
}

/**
 * Hourly rollups of the history tables, which analytics reads for the whole hours of a window instead
 * of every reading in them. They are range-partitioned by hour like history by time, over the same
 * bounds, so partition maintenance makes and drops them alongside (src/partitions).
 *
 * A statement-level AFTER INSERT trigger on each history table adds the rows a statement really
 * inserted (its transition table: a duplicate that ON CONFLICT skipped is not in it) to their hours,
 * in the same transaction, so a rollup never lags its history. The rows are upserted in (device, hour)
 * order, so concurrent writers lock rollup rows in one order and cannot deadlock on each other. The
 * trigger is on the partitioned parent: rows written straight into a partition, as partition
 * maintenance does when it moves rows out of the default partition, are not counted again.
 */
export class HourlyRollups1764430000000 implements MigrationInterface {
  name = 'HourlyRollups1764430000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const spec of ROLLUPS) {
      const { history, rollup, device, aggregates, checks } = spec;
      const columns = aggregates.map(([column]) => `${column} ${columnType(column)} NOT NULL`);
      await queryRunner.query(`
        CREATE TABLE ${rollup} (
          ${device} text NOT NULL,
          hour timestamptz NOT NULL,
          ${columns.join(',\n          ')},
          PRIMARY KEY (${device}, hour),
          ${checks.map((check, index) => `CONSTRAINT ${rollup}_check_${index + 1} CHECK (${check})`).join(',\n          ')}
        ) PARTITION BY RANGE (hour)`);
      for (const { suffix, bound } of await partitionsOf(queryRunner, history)) {
        await queryRunner.query(`CREATE TABLE ${rollup}${suffix} PARTITION OF ${rollup} ${bound}`);
      }
      await queryRunner.query(`CREATE TABLE ${rollup}_default PARTITION OF ${rollup} DEFAULT`);

      await queryRunner.query(addFunction(spec));
      // The table lock keeps an insert from committing between the fill and the trigger's creation.
      await queryRunner.query(`LOCK TABLE ${history} IN SHARE MODE`);
      await queryRunner.query(aggregate(spec, history));
      await queryRunner.query(`
        CREATE TRIGGER ${history}_rollup AFTER INSERT ON ${history}
        REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ${rollup}_add()`);
      await queryRunner.query(`ANALYZE ${rollup}`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const { history, rollup } of ROLLUPS) {
      await queryRunner.query(`DROP TRIGGER IF EXISTS ${history}_rollup ON ${history}`);
      await queryRunner.query(`DROP FUNCTION IF EXISTS ${rollup}_add()`);
      await queryRunner.query(`DROP TABLE IF EXISTS ${rollup}`);
    }
  }
}

/** `SET` of an upsert that merges a later batch of the same bucket into the stored row `r`. */
export const mergeUpdates = ({ merges }: Rollup) => merges.map(([column, merge]) => `${column} = ${merge}`).join(', ');

/**
 * The history insert trigger's function: the statement's readings for which `hourly` holds added to
 * their hours, then `also`.
 */
export function addFunction(spec: Rollup, hourly = 'true', also = ''): string {
  const into = { table: spec.rollup, column: 'hour', key: HOUR, where: hourly };
  return `
    CREATE OR REPLACE FUNCTION ${spec.rollup}_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      ${aggregate(spec, 'inserted', into)}
      ON CONFLICT (${spec.device}, hour) DO UPDATE SET ${mergeUpdates(spec)};
      ${also}
      RETURN NULL;
    END
    $$`;
}

/** The history table's partitions but the default one: their name after the table's, and their bounds. */
export function partitionsOf(
  queryRunner: QueryRunner,
  table: string,
): Promise<Array<{ suffix: string; bound: string }>> {
  return queryRunner.query(
    `SELECT substr(c.relname, length($1::text) + 1) AS suffix, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_partitioned_table p ON p.partrelid = i.inhparent
     WHERE i.inhparent = $1::regclass AND c.oid <> p.partdefid ORDER BY c.relname`,
    [table],
  );
}
