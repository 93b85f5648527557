import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ROLLUPS, type Rollup } from './1764430000000-HourlyRollups';
import { sealedAddFunction } from './1764435000000-SealedRollups';
import { COUNTED, countFunction, SIDES as COUNT_SIDES } from './1764475000000-ReadingCoverage';
import { addByDevice, SIDES as ENERGY_SIDES } from './1764461000000-SessionsByDeviceAndEnd';

export interface Side {
  history: string;
  live: string;
  /** What its key index carries for analytics before this migration. */
  covered: string;
  device: string;
  energy: string;
  register: string;
  rollup: string;
  total: string;
  readings: string;
}

export const SIDES: Side[] = [
  {
    history: 'meter_history',
    live: 'meter_live',
    covered: 'kwh_consumed_ac',
    device: 'meter_id',
    energy: 'kwh_consumed_ac',
    register: 'kwh_register_ac',
    rollup: 'meter_rollup_hourly',
    total: 'kwh_ac_micro',
    readings: 'ac_readings',
  },
  {
    history: 'vehicle_history',
    live: 'vehicle_live',
    covered: 'kwh_delivered_dc, battery_temp',
    device: 'vehicle_id',
    energy: 'kwh_delivered_dc',
    register: 'kwh_register_dc',
    rollup: 'vehicle_rollup_hourly',
    total: 'kwh_dc_micro',
    readings: 'dc_readings',
  },
];

const EVENTS = ['dip', 'reset', 'replaced', 'rollover', 'quarantined'];

/** A reading's coverage: itself, and the readings a register reading's gap stands for. */
const COVERING = { rollup: 'r.readings + r.bridged', history: 'count(*) + coalesce(sum(h.bridged), 0)' };

/** The rollups as 1764435000000-SealedRollups keeps them, each now also summing `bridged`. */
const withBridged = (spec: Rollup): Rollup => ({
  ...spec,
  aggregates: [...spec.aggregates, ['bridged', 'sum(bridged)::bigint']],
  merges: [...spec.merges, ['bridged', 'r.bridged + EXCLUDED.bridged']],
});

/**
 * A late register reading restates the interval of the reading after it (src/ingestion/registers.ts):
 * what that interval lost moves to the late one, which the insert triggers count. The difference is
 * applied here, in the same statement's transaction, to whatever already holds the restated reading:
 * its sealed hour and day, and the counted session it falls in.
 */
/** The restated readings' sessions as this migration counts them: each reading whole at its ts. */
const restatedSessions = ({ device, total, readings }: Side) => `
    UPDATE charging_session c SET ${total} = c.${total} + x.kwh, ${readings} = c.${readings} + x.bridged
    FROM (
      SELECT s.id, s.vehicle_id, sum(d.kwh) AS kwh, sum(d.bridged) AS bridged
      FROM changed d
      CROSS JOIN LATERAL (
        SELECT id, vehicle_id, started_at FROM charging_session
        WHERE ${device} = d.device AND ended_at >= d.ts ORDER BY ended_at LIMIT 1
      ) s
      WHERE d.ts > s.started_at
      GROUP BY s.id, s.vehicle_id
    ) x
    WHERE c.id = x.id AND c.vehicle_id = x.vehicle_id`;

/** What a restatement may change that the rollups and sessions count, by default energy and `bridged`. */
export interface Restated {
  /** More columns of each side (`a.` after, `b.` before) for `sessions`, and to tell a change by. */
  columns: string[];
  sessions: (side: Side) => string;
}

/**
 * A late register reading restates the interval of the reading after it (src/ingestion/registers.ts):
 * what that interval lost moves to the late one, which the insert triggers count. The difference is
 * applied here, in the same statement's transaction, to whatever already holds the restated reading:
 * its sealed hour and day, and the counted session it falls in.
 */
export const restateFunction = (side: Side, restated: Restated = { columns: [], sessions: restatedSessions }) => {
  const { history, device, energy, rollup } = side;
  const daily = rollup.replace('_hourly', '_daily');
  const bucketed = (table: string, key: string, unit: string, until: string) => `
    UPDATE ${table} r SET kwh_micro = r.kwh_micro + x.kwh, bridged = r.bridged + x.bridged
    FROM (
      SELECT device, date_trunc('${unit}', ts - interval '1 microsecond', 'UTC') AS bucket, sum(kwh) AS kwh, sum(bridged) AS bridged
      FROM changed WHERE ts <= (SELECT ${until} FROM rollup_seal) GROUP BY 1, 2
    ) x
    WHERE r.${device} = x.device AND r.${key} = x.bucket`;
  const compared = [...new Set([energy, 'bridged', ...restated.columns])];
  const more = restated.columns.flatMap((column) => [
    `a.${column} AS after_${column}`,
    `b.${column} AS before_${column}`,
  ]);
  return `
  CREATE OR REPLACE FUNCTION ${history}_restate() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    WITH changed AS (
      SELECT a.${device} AS device, a.ts,
             (a.${energy} * 1000000)::bigint - (b.${energy} * 1000000)::bigint AS kwh, a.bridged - b.bridged AS bridged${more.map((column) => `, ${column}`).join('')}
      FROM restated_after a JOIN restated_before b USING (${device}, ts)
      WHERE (${compared.map((column) => `a.${column}`).join(', ')}) IS DISTINCT FROM (${compared.map((column) => `b.${column}`).join(', ')})
    ), hourly AS (${bucketed(rollup, 'hour', 'hour', 'hours_until')}
    ), daily AS (${bucketed(daily, 'day', 'day', 'days_until')}
    )${restated.sessions(side)};
    RETURN NULL;
  END
  $$`;
};

/**
 * The key index carries the columns analytics reads from history (1764340000000-CoverAnalyticsReads),
 * so that the partial hours at a window's edges are index-only scans: now `bridged` too, which coverage
 * counts. A partitioned table's key is rebuilt on every partition, under an exclusive lock: on a large
 * installation, run this migration in a maintenance window.
 */
async function coverKey(queryRunner: QueryRunner, { history, device, covered }: Side, bridged: boolean) {
  const include = bridged ? `${covered}, bridged` : covered;
  await queryRunner.query(`
    ALTER TABLE ${history} DROP CONSTRAINT ${history}_pkey,
      ADD CONSTRAINT ${history}_pkey PRIMARY KEY (${device}, ts) INCLUDE (${include})`);
}

/**
 * Cumulative energy registers. A reading may carry its device's lifetime counter (`kwh_register_*`),
 * and its interval energy is then derived from it at ingestion: the increase over the device's
 * previous register reading by time, with resets, rollovers, dips and impossible jumps told apart
 * (`register_event`). `register_base` is the value the next reading's increase is measured from (a dip
 * holds the one before it). `bridged` is how many readings the gap before a register reading lost but
 * whose energy it carries: coverage counts them, so a session whose readings were partly lost is whole
 * when its registers are. The rollups sum `bridged` beside `readings`, which still counts rows, since
 * averages divide by it.
 */
export class EnergyRegisters1764490000000 implements MigrationInterface {
  name = 'EnergyRegisters1764490000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const { history, live, device, register } of SIDES) {
      await queryRunner.query(`
        ALTER TABLE ${history}
          ADD COLUMN ${register} double precision CONSTRAINT ${history}_register_bounds CHECK (${register} BETWEEN 0 AND 1000000000),
          ADD COLUMN register_base double precision,
          ADD COLUMN register_event text CONSTRAINT ${history}_register_event CHECK (register_event IN (${EVENTS.map((e) => `'${e}'`).join(', ')})),
          ADD COLUMN bridged integer NOT NULL DEFAULT 0 CONSTRAINT ${history}_bridged CHECK (bridged >= 0),
          ADD CONSTRAINT ${history}_register_base CHECK ((${register} IS NULL) = (register_base IS NULL)
            AND (register_event IS NULL OR ${register} IS NOT NULL) AND (bridged = 0 OR ${register} IS NOT NULL))`);
      // The device's newest register reading, by time, on its live row: what its next reading is measured
      // from, when it comes after every stored one, without reading history at all.
      await queryRunner.query(`
        ALTER TABLE ${live} ADD COLUMN register_ts timestamptz, ADD COLUMN ${register} double precision,
          ADD COLUMN register_base double precision`);
      // History is read for the neighbours of late readings only, along the key; no index of register
      // readings is kept, which every register reading would pay for. The events are few, and indexed for
      // the devices' flags.
      await queryRunner.query(
        `CREATE INDEX ${history}_register_event_idx ON ${history} (${device}, ts) WHERE register_event IS NOT NULL`,
      );
    }
    for (const side of SIDES) await coverKey(queryRunner, side, true);
    for (const { rollup } of SIDES) {
      for (const table of [rollup, rollup.replace('_hourly', '_daily')]) {
        await queryRunner.query(
          `ALTER TABLE ${table} ADD COLUMN bridged bigint NOT NULL DEFAULT 0 CONSTRAINT ${table}_bridged CHECK (bridged >= 0)`,
        );
      }
    }
    await queryRunner.query(`LOCK TABLE meter_history, vehicle_history IN SHARE MODE`);
    for (const spec of ROLLUPS) await queryRunner.query(sealedAddFunction(withBridged(spec)));
    for (const side of COUNT_SIDES) await queryRunner.query(countFunction(side, COVERING));
    for (const side of ENERGY_SIDES) {
      const readings = side.total === 'kwh_ac_micro' ? 'ac_readings' : 'dc_readings';
      await queryRunner.query(addByDevice(side, readings, 'count(*) + sum(i.bridged)'));
    }
    for (const side of SIDES) {
      await queryRunner.query(restateFunction(side));
      await queryRunner.query(`
        CREATE TRIGGER ${side.history}_restate AFTER UPDATE ON ${side.history}
        REFERENCING OLD TABLE AS restated_before NEW TABLE AS restated_after
        FOR EACH STATEMENT EXECUTE FUNCTION ${side.history}_restate()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`LOCK TABLE meter_history, vehicle_history IN SHARE MODE`);
    for (const { history } of SIDES) {
      await queryRunner.query(`DROP TRIGGER ${history}_restate ON ${history}`);
      await queryRunner.query(`DROP FUNCTION ${history}_restate()`);
    }
    for (const side of ENERGY_SIDES) {
      await queryRunner.query(addByDevice(side, side.total === 'kwh_ac_micro' ? 'ac_readings' : 'dc_readings'));
    }
    for (const side of COUNT_SIDES) await queryRunner.query(countFunction(side, COUNTED));
    for (const spec of ROLLUPS) await queryRunner.query(sealedAddFunction(spec));
    for (const { rollup } of SIDES) {
      for (const table of [rollup, rollup.replace('_hourly', '_daily')]) {
        await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN bridged`);
      }
    }
    for (const side of SIDES) await coverKey(queryRunner, side, false);
    for (const { history, live, register } of SIDES) {
      await queryRunner.query(
        `ALTER TABLE ${live} DROP COLUMN register_ts, DROP COLUMN ${register}, DROP COLUMN register_base`,
      );
      await queryRunner.query(`DROP INDEX ${history}_register_event_idx`);
      await queryRunner.query(`
        ALTER TABLE ${history} DROP CONSTRAINT ${history}_register_base, DROP COLUMN ${register},
          DROP COLUMN register_base, DROP COLUMN register_event, DROP COLUMN bridged`);
    }
  }
}
