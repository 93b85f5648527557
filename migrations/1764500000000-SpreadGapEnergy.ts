import type { MigrationInterface, QueryRunner } from 'typeorm';
import { restateFunction, SIDES, type Side } from './1764490000000-EnergyRegisters';
import { addByDevice } from './1764461000000-SessionsByDeviceAndEnd';

const SESSION_FUNCTIONS = (side: Side) => {
  const kind = side.device.replace('_id', '');
  return [
    { fn: `${kind}_kwh_micro`, returns: 'numeric', cut: 'kwh_micro' },
    { fn: `${kind}_readings`, returns: 'bigint', cut: 'covered' },
  ];
};

/**
 * How many of a reading's points lie at or before `at`. A register reading that closes a gap stands
 * for `bridged` + 1 readings, evenly spaced over (gap_from, ts]: the i-th at gap_from + i/(bridged + 1)
 * of the gap, the last the reading itself. Exact in numeric seconds, so a cut on a point puts it on
 * the side it belongs to whatever the microseconds. A reading with no gap_from is one point, at ts.
 */
const BEFORE = `
  CREATE FUNCTION register_before(bridged integer, gap_from timestamptz, ts timestamptz, at timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN at >= ts THEN bridged + 1
                WHEN gap_from IS NULL OR at <= gap_from THEN 0
                ELSE div(extract(epoch FROM at - gap_from) * 1000000 * (bridged + 1), extract(epoch FROM ts - gap_from) * 1000000)::bigint
           END
  $$`;

/**
 * The micro-kWh of a reading's points in (lo, hi]: its oldest k points carry floor(micro·k / (bridged + 1)),
 * so the shares of any split of its points are whole micro-kWh and add up to the reading's exactly.
 */
const SHARE = `
  CREATE FUNCTION register_share(micro bigint, bridged integer, gap_from timestamptz, ts timestamptz, lo timestamptz, hi timestamptz)
  RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT div(micro::numeric * register_before(bridged, gap_from, ts, hi), bridged + 1)
         - div(micro::numeric * register_before(bridged, gap_from, ts, lo), bridged + 1)
  $$`;

const POINTS = `
  CREATE FUNCTION register_points(bridged integer, gap_from timestamptz, ts timestamptz, lo timestamptz, hi timestamptz)
  RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT register_before(bridged, gap_from, ts, hi) - register_before(bridged, gap_from, ts, lo)
  $$`;

const cutOf = (side: Side) => `${side.device.replace('_id', '')}_cut`;

/**
 * What a cut at `at` takes from the register gap around it: the energy and points, at or before `at`,
 * of the device's one reading whose gap spans `at`. Register gaps run between a device's consecutive
 * register readings and never overlap, so that is its first reading with a gap after `at`, when the
 * gap starts before `at` (else nothing lies before `at`, and the share is 0). One probe of the index
 * of gap readings.
 */
const cutFunction = (side: Side) => `
  CREATE FUNCTION ${cutOf(side)}(device text, at timestamptz) RETURNS TABLE (kwh_micro numeric, covered bigint)
  LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(div(g.micro::numeric * g.k, g.bridged + 1)), 0), coalesce(sum(g.k), 0)::bigint
    FROM (
      SELECT (h.${side.energy} * 1000000)::bigint AS micro, h.bridged, register_before(h.bridged, h.gap_from, h.ts, at) AS k
      FROM ${side.history} h
      WHERE h.${side.device} = device AND h.ts > at AND h.gap_from IS NOT NULL
      ORDER BY h.ts LIMIT 1
    ) g
  $$`;

/**
 * A session's energy and readings: as counted with each reading whole at its ts (the rollups and
 * history, renamed `*_whole`), moved at each edge by what the gap around it spreads across.
 */
const spreadFunction = (side: Side, { fn, returns, cut }: { fn: string; returns: string; cut: string }) => `
  CREATE FUNCTION ${fn}(device text, from_ts timestamptz, until_ts timestamptz) RETURNS ${returns}
  LANGUAGE sql STABLE AS $$
    SELECT ${fn}_whole(device, from_ts, until_ts) + u.${cut} - f.${cut}
    FROM ${cutOf(side)}(device, until_ts) u, ${cutOf(side)}(device, from_ts) f
  $$`;

/** A reading's share of the session `s`, as `i` (inserted) or `a`/`b` (after and before a restatement). */
const share = (side: Side, alias: string) =>
  `register_share((${alias}.${side.energy} * 1000000)::bigint, ${alias}.bridged, ${alias}.gap_from, ${alias}.ts, s.started_at, s.ended_at)`;
const points = (alias: string) =>
  `register_points(${alias}.bridged, ${alias}.gap_from, ${alias}.ts, s.started_at, s.ended_at)`;

/**
 * Late readings into counted sessions: those without a gap as before, through their one session each;
 * a statement holding readings that close gaps also adds each one's share to every closed session its
 * gap overlaps, through the (device, ended_at) index.
 */
const addFunction = (side: Side) => `
  CREATE OR REPLACE FUNCTION charging_session_add_${side.device}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE charging_session c SET ${side.total} = c.${side.total} + a.kwh, ${side.readings} = c.${side.readings} + a.n
    FROM (
      SELECT s.id, s.vehicle_id, sum((i.${side.energy} * 1000000)::bigint) AS kwh, count(*) + sum(i.bridged) AS n
      FROM inserted i
      CROSS JOIN LATERAL (
        SELECT id, vehicle_id, started_at FROM charging_session
        WHERE ${side.device} = i.${side.device} AND ended_at >= i.ts
        ORDER BY ended_at LIMIT 1
      ) s
      WHERE i.gap_from IS NULL AND i.ts <= (SELECT max(ended_at) FROM charging_session) AND i.ts > s.started_at
      GROUP BY s.id, s.vehicle_id
    ) a
    WHERE c.id = a.id AND c.vehicle_id = a.vehicle_id;
    IF EXISTS (SELECT 1 FROM inserted WHERE gap_from IS NOT NULL) THEN
      UPDATE charging_session c SET ${side.total} = c.${side.total} + a.kwh, ${side.readings} = c.${side.readings} + a.n
      FROM (
        SELECT s.id, s.vehicle_id, sum(${share(side, 'i')}) AS kwh, sum(${points('i')}) AS n
        FROM inserted i
        CROSS JOIN LATERAL (
          SELECT id, vehicle_id, started_at, ended_at FROM charging_session
          WHERE ${side.device} = i.${side.device} AND ended_at > i.gap_from AND started_at < i.ts
          ORDER BY ended_at LIMIT ALL
        ) s
        WHERE i.gap_from IS NOT NULL
        GROUP BY s.id, s.vehicle_id
      ) a
      WHERE c.id = a.id AND c.vehicle_id = a.vehicle_id;
    END IF;
    RETURN NULL;
  END
  $$`;

/** A restated reading's sessions: every closed one its gap overlapped before or overlaps now. */
const restatedSessions = (side: Side) => {
  const as = (prefix: string) =>
    `(SELECT d.ts, d.${prefix}_${side.energy} AS ${side.energy}, d.${prefix}_bridged AS bridged, d.${prefix}_gap_from AS gap_from)`;
  return `
    UPDATE charging_session c SET ${side.total} = c.${side.total} + x.kwh, ${side.readings} = c.${side.readings} + x.n
    FROM (
      SELECT s.id, s.vehicle_id, sum(${share(side, 'a')} - ${share(side, 'b')}) AS kwh, sum(${points('a')} - ${points('b')}) AS n
      FROM changed d
      CROSS JOIN LATERAL ${as('after')} a
      CROSS JOIN LATERAL ${as('before')} b
      JOIN charging_session s ON s.${side.device} = d.device AND s.started_at < d.ts
        AND s.ended_at > coalesce(least(a.gap_from, b.gap_from), d.ts - interval '1 microsecond')
      GROUP BY s.id, s.vehicle_id
    ) x
    WHERE c.id = x.id AND c.vehicle_id = x.vehicle_id`;
};

/**
 * Counted sessions that a stored gap overlaps, counted again by the session functions in place; the
 * readings follow the energy (the charging_session_*_readings trigger).
 */
const recountGapSessions = (side: Side) => `
  UPDATE charging_session c SET ${side.total} = ${SESSION_FUNCTIONS(side)[0].fn}(c.${side.device}, c.started_at, c.ended_at)
  WHERE c.${side.total} IS NOT NULL AND EXISTS (
    SELECT 1 FROM ${side.history} h
    WHERE h.${side.device} = c.${side.device} AND h.gap_from IS NOT NULL AND h.gap_from < c.ended_at AND h.ts > c.started_at
  )`;

const RESTATED = (side: Side) => ({ columns: [side.energy, 'bridged', 'gap_from'], sessions: restatedSessions });

/**
 * A register gap's energy spread over the gap's time. A reading that closes a gap carried all of it at
 * its own timestamp, so an hour, a session or a window whose edge fell inside the gap saw the whole
 * gap on its closing side. Now the reading stands for the readings its gap lost, evenly spaced over the
 * gap (`gap_from`: the previous register reading's time), each with an equal share of the energy, and
 * every answer takes the points inside its span.
 *
 * The rollups still hold each reading whole in the hour of its ts: an answer adds, at each of its own
 * two edges, what the gap around that edge spreads across it (`*_cut`), and the cuts between its
 * buckets cancel out. Counted sessions store their spread energy and readings; the history triggers
 * add a late gap's share to each session it overlaps, and a restatement's difference likewise.
 */
export class SpreadGapEnergy1764500000000 implements MigrationInterface {
  name = 'SpreadGapEnergy1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const { history, device, energy, register } of SIDES) {
      await queryRunner.query(`ALTER TABLE ${history} ADD COLUMN gap_from timestamptz`);
      // Stored gaps start at the previous register reading, where history still holds it.
      await queryRunner.query(`
        UPDATE ${history} h SET gap_from = (
          SELECT max(p.ts) FROM ${history} p WHERE p.${device} = h.${device} AND p.ts < h.ts AND p.${register} IS NOT NULL
        ) WHERE h.bridged > 0`);
      await queryRunner.query(`
        ALTER TABLE ${history} ADD CONSTRAINT ${history}_gap_from CHECK (gap_from IS NULL OR (bridged > 0 AND gap_from < ts))`);
      await queryRunner.query(
        `CREATE INDEX ${history}_gap_idx ON ${history} (${device}, ts) INCLUDE (${energy}, bridged, gap_from) WHERE gap_from IS NOT NULL`,
      );
    }
    for (const statement of [BEFORE, SHARE, POINTS]) await queryRunner.query(statement);
    await queryRunner.query(`LOCK TABLE meter_history, vehicle_history IN SHARE MODE`);
    for (const side of SIDES) {
      await queryRunner.query(cutFunction(side));
      for (const spec of SESSION_FUNCTIONS(side)) {
        await queryRunner.query(`ALTER FUNCTION ${spec.fn}(text, timestamptz, timestamptz) RENAME TO ${spec.fn}_whole`);
        await queryRunner.query(spreadFunction(side, spec));
      }
      await queryRunner.query(addFunction(side));
      await queryRunner.query(restateFunction(side, RESTATED(side)));
      await queryRunner.query(recountGapSessions(side));
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`LOCK TABLE meter_history, vehicle_history IN SHARE MODE`);
    for (const side of SIDES) {
      await queryRunner.query(restateFunction(side));
      await queryRunner.query(addByDevice(side, side.readings, 'count(*) + sum(i.bridged)'));
      for (const { fn } of SESSION_FUNCTIONS(side)) {
        await queryRunner.query(`DROP FUNCTION ${fn}(text, timestamptz, timestamptz)`);
        await queryRunner.query(`ALTER FUNCTION ${fn}_whole(text, timestamptz, timestamptz) RENAME TO ${fn}`);
      }
      await queryRunner.query(`DROP FUNCTION ${cutOf(side)}(text, timestamptz)`);
    }
    await queryRunner.query(
      `DROP FUNCTION register_points(integer, timestamptz, timestamptz, timestamptz, timestamptz)`,
    );
    await queryRunner.query(
      `DROP FUNCTION register_share(bigint, integer, timestamptz, timestamptz, timestamptz, timestamptz)`,
    );
    await queryRunner.query(`DROP FUNCTION register_before(integer, timestamptz, timestamptz, timestamptz)`);
    for (const side of SIDES) {
      await queryRunner.query(recountGapSessions(side));
      await queryRunner.query(`DROP INDEX ${side.history}_gap_idx`);
      await queryRunner.query(
        `ALTER TABLE ${side.history} DROP CONSTRAINT ${side.history}_gap_from, DROP COLUMN gap_from`,
      );
    }
  }
}
