import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The physical range of every measured column. Energy is per reading; its cap is the highest
 * MAX_READING_KWH the configuration accepts, so the API's own limit always fits inside it.
 */
const KINDS = [
  { kind: 'meter', bounds: { kwh_consumed_ac: [0, 1_000_000], voltage: [0, 2_000] } },
  { kind: 'vehicle', bounds: { soc: [0, 100], kwh_delivered_dc: [0, 1_000_000], battery_temp: [-100, 200] } },
] as const;

// PostgreSQL orders NaN above every number, so a range check refuses NaN and ±Infinity as well.
const TABLES = KINDS.flatMap(({ kind, bounds }) =>
  ['history', 'live'].map((role) => {
    const table = `${kind}_${role}`;
    const checks = Object.entries(bounds).map(([column, [low, high]]) => ({
      name: `${table}_${column}_range`,
      condition: `${column} BETWEEN ${low} AND ${high}`,
      reason: `${column} outside ${low}..${high}`,
    }));
    return { table, device: `${kind}_id`, checks };
  }),
);

/**
 * Bounds every measured column of the history and live tables to finite values in its physical range,
 * so that no stored reading can break a read: analytics converts each energy value to integer
 * micro-kWh, which a value like 1e13 or 1e308 overflows, failing every request that touches it, the
 * whole fleet's included. On the partitioned history tables the constraints propagate to every
 * partition, present and future (partition maintenance copies them).
 *
 * Rows already stored outside the bounds are moved, whole, to reading_quarantine, with the table
 * they came from and the reason, rather than deleted: nobody loses evidence of a faulty device, and
 * analytics no longer sees them. A live row moved there is replaced by the newest in-bounds reading of
 * that device in history, if any, so its current status stays known.
 *
 * Each constraint is added NOT VALID first, which refuses new out-of-range rows at once under a brief
 * lock, then validated once the old rows are gone, which scans without blocking writes. That needs this
 * migration to run outside a transaction; every step may be repeated, so an interrupted run can simply
 * be run again. down() drops the constraints but keeps reading_quarantine and its rows.
 */
export class BoundReadings1764420000000 implements MigrationInterface {
  name = 'BoundReadings1764420000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS reading_quarantine (
        source text NOT NULL,
        device_id text NOT NULL,
        ts timestamptz NOT NULL,
        reading jsonb NOT NULL,
        reason text NOT NULL,
        quarantined_at timestamptz NOT NULL DEFAULT now()
      )`);
    // History first, so that a live row is replaced from history already cleaned.
    for (const { table, device, checks } of TABLES) {
      for (const check of checks) await addNotValid(queryRunner, table, check.name, check.condition);
      const reasons = checks.map(({ condition, reason }) => `CASE WHEN NOT (${condition}) THEN '${reason}' END`);
      await queryRunner.query(`
        WITH moved AS (
          DELETE FROM ${table} WHERE NOT (${checks.map((check) => check.condition).join(' AND ')})
          RETURNING *
        )
        INSERT INTO reading_quarantine (source, device_id, ts, reading, reason)
        SELECT '${table}', ${device}, ts, to_jsonb(moved.*), concat_ws(', ', ${reasons.join(', ')}) FROM moved`);
      for (const { name } of checks) await queryRunner.query(`ALTER TABLE ${table} VALIDATE CONSTRAINT ${name}`);
    }
    for (const { kind, bounds } of KINDS) await reseedLive(queryRunner, kind, Object.keys(bounds));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const { table, checks } of TABLES) {
      for (const { name } of checks) await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${name}`);
    }
  }
}

async function addNotValid(queryRunner: QueryRunner, table: string, name: string, condition: string): Promise<void> {
  const [{ exists }] = (await queryRunner.query(
    `SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2) AS exists`,
    [table, name],
  )) as Array<{ exists: boolean }>;
  if (!exists) await queryRunner.query(`ALTER TABLE ${table} ADD CONSTRAINT ${name} CHECK (${condition}) NOT VALID`);
}

/** Devices whose live row was quarantined get back their newest reading from history; a newer live row wins. */
async function reseedLive(queryRunner: QueryRunner, kind: string, columns: string[]): Promise<void> {
  const device = `${kind}_id`;
  const list = [device, 'ts', ...columns].join(', ');
  await queryRunner.query(`
    INSERT INTO ${kind}_live (${list})
    SELECT DISTINCT ON (${device}) ${list} FROM ${kind}_history
    WHERE ${device} IN (SELECT device_id FROM reading_quarantine WHERE source = '${kind}_live')
    ORDER BY ${device}, ts DESC
    ON CONFLICT (${device}) DO NOTHING`);
}
