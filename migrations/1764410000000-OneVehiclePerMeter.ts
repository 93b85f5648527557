import type { MigrationInterface, QueryRunner } from 'typeorm';

const CONSTRAINT = 'charging_session_meter_no_overlap';

/**
 * A meter measures the one charger behind it, and a charger feeds one vehicle at a time: two sessions
 * of one meter that overlap would attribute the same AC energy to two vehicles. As with the
 * per-vehicle rule, an exclusion constraint refuses the overlap, so two concurrent writers cannot both
 * succeed. Overlap is judged on tstzrange(started_at, ended_at), the expression of the other
 * constraint and index; for the readings' (started_at, ended_at] the overlaps are the same ones.
 *
 * Sessions stored before this rule may already overlap on a meter. Which of two such sessions is
 * wrong is a question for whoever recorded them, not for a migration: it stops with a message listing
 * them, and the operator ends or deletes one of each pair and runs the migrations again. The table is
 * locked against writes first, so no new overlap slips in between the check and the constraint.
 *
 * The constraint does not contain vehicle_id, the column the table is to be distributed by on Citus;
 * docs/scaling.md says what that changes.
 */
export class OneVehiclePerMeter1764410000000 implements MigrationInterface {
  name = 'OneVehiclePerMeter1764410000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`LOCK TABLE charging_session IN SHARE MODE`);
    const overlaps = (await queryRunner.query(`
      SELECT a.meter_id AS "meterId", a.id AS first, b.id AS second, (count(*) OVER ())::int AS total
      FROM charging_session a
      JOIN charging_session b
        ON b.meter_id = a.meter_id AND b.id > a.id
       AND tstzrange(b.started_at, b.ended_at) && tstzrange(a.started_at, a.ended_at)
      ORDER BY a.meter_id, a.started_at
      LIMIT 20`)) as Array<{ meterId: string; first: string; second: string; total: number }>;
    if (overlaps.length > 0) {
      const pairs = overlaps.map(({ meterId, first, second }) => `meter ${meterId}: ${first} and ${second}`);
      throw new Error(
        `${overlaps[0].total} pair(s) of charging sessions overlap on the same meter, which the rule ` +
          `"one meter feeds one vehicle at a time" refuses (first ${pairs.length}: ${pairs.join('; ')}). ` +
          'End or delete one session of each pair, then run the migrations again.',
      );
    }
    await queryRunner.query(`
      ALTER TABLE charging_session ADD CONSTRAINT ${CONSTRAINT}
        EXCLUDE USING gist (meter_id WITH =, tstzrange(started_at, ended_at) WITH &&)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE charging_session DROP CONSTRAINT ${CONSTRAINT}`);
  }
}
