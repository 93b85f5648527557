import { sql } from '../db/sql';

/*
 * The statements of rollup.repository.ts over the seal's mark and the sessions' energy, and the lock
 * timeout every one of its transactions starts with.
 */

/**
 * Sealing moves `rollup_seal` forward a step at a time, each step a transaction of its own that holds
 * back inserts into both histories: a reading committed before the step is in the rows it builds, one
 * committed after it is added to them by the insert trigger, which then reads the new seal. A step
 * seals one day, from its sealed hours, while the days lag behind the hours, and otherwise one hour,
 * from history; the stretches with no reading in between are passed over in the same step. So however
 * far behind the seal is, ingestion is held back for one hour's or one day's rows at a time. Every
 * transaction here runs under lockBoundedTransaction, whose lock_timeout (DB_LOCK_TIMEOUT_MS) bounds
 * how long a reading can queue behind a lock it is still waiting for.
 */
export const SEAL_STATEMENTS = {
  sealDue: sql`
    SELECT hours_until,
           hours_until < $1 OR days_until < $2
           OR EXISTS (SELECT 1 FROM charging_session WHERE ended_at IS NOT NULL AND (kwh_ac_micro IS NULL OR kwh_dc_micro IS NULL))
           AS due
    FROM rollup_seal`,
  /** One process seals at a time: one that finds the mark taken leaves the work to the process that has it. */
  sealClaim: sql`SELECT 1 FROM rollup_seal FOR UPDATE SKIP LOCKED`,
  /** Keeps the mark where it is while a day's sealed hours are rebuilt. */
  sealKeep: sql`SELECT 1 FROM rollup_seal FOR SHARE`,
  sealLock: sql`LOCK TABLE meter_history, vehicle_history IN SHARE MODE`,
  /**
   * The next step towards hours $1 and days $2: a day while the days are behind the sealed hours, else
   * an hour; and the bucket of the first reading after the mark, found through the ts indexes, which
   * ends the step (or none, and the step goes all the way). No row when the seal is there.
   */
  sealStep: sql`
    SELECT unit, hours_until, upto,
           date_trunc(unit, least(
             (SELECT min(ts) FROM meter_history WHERE ts > after),
             (SELECT min(ts) FROM vehicle_history WHERE ts > after)
           ) - interval '1 microsecond', 'UTC') AS next_bucket
    FROM (
      SELECT hours_until,
             CASE WHEN days_until < day_limit THEN 'day' ELSE 'hour' END AS unit,
             CASE WHEN days_until < day_limit THEN days_until ELSE hours_until END AS after,
             CASE WHEN days_until < day_limit THEN day_limit ELSE $1 END AS upto
      FROM (
        SELECT hours_until, days_until, least($2::timestamptz, date_trunc('day', hours_until, 'UTC')) AS day_limit
        FROM rollup_seal
      ) AS mark
    ) AS step
    WHERE after < upto`,
  sealHoursAdvance: sql`UPDATE rollup_seal SET hours_until = $1`,
  sealDaysAdvance: sql`UPDATE rollup_seal SET days_until = $1`,
  /**
   * The rollups the session energy reads, locked before any session row: a retention drop locks a
   * rollup and then recounts sessions' rows, so the two always meet on the rollup, where one of them
   * gives up at its lock timeout, and never deadlock.
   */
  sessionLock: sql`LOCK TABLE meter_rollup_hourly, vehicle_rollup_hourly IN ACCESS SHARE MODE`,
  /**
   * Up to $1 closed sessions without their energy, oldest first: counted from the rollups and history.
   * Sessions a write has locked are left to the next batch rather than waited for.
   */
  countSessions: sql`
    WITH counted AS (
      UPDATE charging_session
      SET kwh_ac_micro = meter_kwh_micro(meter_id, started_at, ended_at),
          kwh_dc_micro = vehicle_kwh_micro(vehicle_id, started_at, ended_at)
      WHERE (id, vehicle_id) IN (
        SELECT id, vehicle_id FROM charging_session
        WHERE ended_at IS NOT NULL AND (kwh_ac_micro IS NULL OR kwh_dc_micro IS NULL)
        ORDER BY started_at LIMIT $1 FOR UPDATE SKIP LOCKED
      )
      RETURNING 1
    )
    SELECT count(*)::int AS sessions FROM counted`,
};

/**
 * The energy each closed session carries, recounted from history and the rollups (refreshed first) a
 * day of session starts at a time, with readings held back meanwhile as for a day of rollups.
 */
export const SESSION_STATEMENTS = {
  /**
   * Fresh statistics first: after a bulk load, before autovacuum gets to it, the planner misjudges
   * the session counts without them, and each one runs many times slower (docs/performance.md).
   */
  sessionStatistics: sql`ANALYZE meter_history, vehicle_history, meter_rollup_hourly, vehicle_rollup_hourly, charging_session`,
  sessionDays: sql`
    SELECT DISTINCT date_trunc('day', started_at, 'UTC') AS day FROM charging_session
    WHERE ended_at IS NOT NULL ORDER BY day`,
  sessionRecount: sql`
    WITH recounted AS (
      UPDATE charging_session
      SET kwh_ac_micro = meter_kwh_micro(meter_id, started_at, ended_at),
          kwh_dc_micro = vehicle_kwh_micro(vehicle_id, started_at, ended_at)
      WHERE ended_at IS NOT NULL AND started_at >= $1 AND started_at < $1::timestamptz + interval '1 day'
      RETURNING 1
    )
    SELECT count(*)::int AS sessions FROM recounted`,
};
