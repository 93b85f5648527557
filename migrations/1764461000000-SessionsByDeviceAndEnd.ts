import type { MigrationInterface, QueryRunner } from 'typeorm';

export interface Side {
  /** The charging_session column holding the side's energy over a closed session, in micro-kWh. */
  total: string;
  device: string;
  energy: string;
}

export const SIDES: Side[] = [
  { total: 'kwh_ac_micro', device: 'meter_id', energy: 'kwh_consumed_ac' },
  { total: 'kwh_dc_micro', device: 'vehicle_id', energy: 'kwh_delivered_dc' },
];

/**
 * With `readings` (1764475000000-ReadingCoverage), the session's count of readings on that side grows
 * with the same rows.
 *
 * A device's closed sessions never overlap (the exclusion constraints on vehicle and on meter), so
 * those ordered by ended_at are ordered by started_at too: the one session that can hold a reading at
 * ts is the device's first to end at or after ts, and holds it when it started before ts. One probe of
 * the (device, ended_at) index per reading finds it, whatever the other readings of the statement.
 *
 * Readings arrive as they are taken, after every closed session's end, so almost none has a session to
 * find: a reading later than the fleet's last session end (one read of the ended_at index per
 * statement) cannot be in any closed session and is passed over without a probe.
 */
export const addByDevice = ({ total, device, energy }: Side, readings?: string, counted = 'count(*)') => `
  CREATE OR REPLACE FUNCTION charging_session_add_${device}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE charging_session c SET ${total} = c.${total} + a.kwh${readings ? `, ${readings} = c.${readings} + a.n` : ''}
    FROM (
      SELECT s.id, s.vehicle_id, sum((i.${energy} * 1000000)::bigint) AS kwh${readings ? `, ${counted} AS n` : ''}
      FROM inserted i
      CROSS JOIN LATERAL (
        SELECT id, vehicle_id, started_at FROM charging_session
        WHERE ${device} = i.${device} AND ended_at >= i.ts
        ORDER BY ended_at LIMIT 1
      ) s
      WHERE i.ts <= (SELECT max(ended_at) FROM charging_session) AND i.ts > s.started_at
      GROUP BY s.id, s.vehicle_id
    ) a
    WHERE c.id = a.id AND c.vehicle_id = a.vehicle_id;
    RETURN NULL;
  END
  $$`;

/** The function as 1764440000000-SessionTotals created it: every session ended after the statement's earliest reading. */
const addByEarliest = ({ total, device, energy }: Side) => `
  CREATE OR REPLACE FUNCTION charging_session_add_${device}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE charging_session c SET ${total} = c.${total} + a.kwh
    FROM (
      SELECT s.id, s.vehicle_id, sum((i.${energy} * 1000000)::bigint) AS kwh
      FROM charging_session s JOIN inserted i ON i.${device} = s.${device} AND i.ts > s.started_at AND i.ts <= s.ended_at
      WHERE s.ended_at >= (SELECT min(ts) FROM inserted)
      GROUP BY s.id, s.vehicle_id
    ) a
    WHERE c.id = a.id AND c.vehicle_id = a.vehicle_id;
    RETURN NULL;
  END
  $$`;

const byDevice = (device: string) => `charging_session_${device.replace('_id', '')}_ended_idx`;

/**
 * The history triggers add a statement's late readings to the counted sessions holding them. They
 * looked those up as every closed session ended after the statement's oldest reading, so one old
 * reading in a group commit made it scan years of the fleet's sessions; they now probe each reading's
 * own device, through an index on (device, ended_at), and only for readings no later than the last
 * session end, which the index on ended_at reads.
 *
 * Retention recounts the closed sessions whose readings it removed; an index of the sessions that carry
 * some energy, by end, finds those (once recounted to nothing they leave it).
 */
export class SessionsByDeviceAndEnd1764461000000 implements MigrationInterface {
  name = 'SessionsByDeviceAndEnd1764461000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const side of SIDES) {
      await queryRunner.query(
        `CREATE INDEX ${byDevice(side.device)} ON charging_session (${side.device}, ended_at) WHERE ended_at IS NOT NULL`,
      );
      await queryRunner.query(addByDevice(side));
    }
    await queryRunner.query(`
      CREATE INDEX charging_session_energy_ended_idx ON charging_session (ended_at, id)
      WHERE kwh_ac_micro <> 0 OR kwh_dc_micro <> 0`);
    await queryRunner.query(`ANALYZE charging_session`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX charging_session_energy_ended_idx`);
    for (const side of SIDES) {
      await queryRunner.query(addByEarliest(side));
      await queryRunner.query(`DROP INDEX ${byDevice(side.device)}`);
    }
  }
}
