import type { DataSource } from 'typeorm';
import { coverage, expected } from '../analytics/analytics.public';
import { sql } from '../db/sql';

/**
 * How many of a vehicle's newest counted sessions are looked through for the complete ones a streak is
 * judged on, per session in the streak: enough that a few incomplete sessions between complete ones do
 * not hide a streak, few enough that a check costs one short index scan per vehicle however long its
 * history. At least 20.
 */
const SESSIONS_LOOKED_AT = { perStreakSession: 3, least: 20 };

/** The statements this repository sends, by name (tools/sql-snapshots.ts keeps them readable under sql/). */
export const CONDITION_STATEMENTS = {
  /**
   * Each vehicle's newest $1 complete counted sessions, newest first, with whether all of them are below
   * the threshold $2 and whether all reach $2 + $3 (the clear margin). A session is complete as a pair's
   * figures are: both sides reached the minimum coverage $4 (devices without an interval of their own
   * report every $5 seconds), DC within AC, and some AC to divide by. Vehicles with fewer such sessions
   * are not listed: nothing can be said of them either way.
   */
  streaks: sql`
    SELECT v.vehicle_id AS "vehicleId", bool_and(c.ratio < $2) AS low, bool_and(c.ratio >= $2 + $3) AS fine,
           jsonb_agg(jsonb_build_object('id', c.id, 'meterId', c.meter_id, 'startedAt', c.started_at,
                                        'endedAt', c.ended_at, 'efficiencyRatio', c.ratio)
                     ORDER BY c.ended_at DESC) AS sessions
    FROM vehicle_live v
    CROSS JOIN LATERAL (
      SELECT s.id, s.meter_id, s.started_at, s.ended_at, round(s.kwh_dc_micro / s.kwh_ac_micro, 3)::float8 AS ratio
      FROM (
        SELECT * FROM charging_session
        WHERE vehicle_id = v.vehicle_id AND ended_at IS NOT NULL AND kwh_ac_micro IS NOT NULL AND kwh_dc_micro IS NOT NULL
        ORDER BY ended_at DESC
        LIMIT greatest(${SESSIONS_LOOKED_AT.least}, ${SESSIONS_LOOKED_AT.perStreakSession} * $1)
      ) s
      WHERE s.kwh_ac_micro > 0 AND s.kwh_dc_micro <= s.kwh_ac_micro
        AND ${coverage('s.ac_readings', expected('s.started_at', 's.ended_at', 's.meter_id', 'meter', '$5'))} >= $4
        AND ${coverage('s.dc_readings', expected('s.started_at', 's.ended_at', 's.vehicle_id', 'vehicle', '$5'))} >= $4
      ORDER BY s.ended_at DESC
      LIMIT $1
    ) c
    GROUP BY v.vehicle_id
    HAVING count(*) = $1`,
  /**
   * Devices whose newest reading is older than $1 seconds, or than two of their own intervals when
   * that is longer (a device that reports hourly is not silent after a quarter of an hour); $2 the
   * interval of devices without one. Decommissioned devices are expected to be silent.
   */
  silent: sql`
    SELECT l.kind, l.id, l.ts AS "lastReadingAt", a.after_s AS "silentAfterSeconds"
    FROM (
      SELECT 'meter' AS kind, meter_id AS id, ts FROM meter_live
      UNION ALL
      SELECT 'vehicle', vehicle_id, ts FROM vehicle_live
    ) l
    LEFT JOIN device d ON d.id = l.id
    CROSS JOIN LATERAL (SELECT greatest($1, 2 * coalesce(d.reporting_interval_s, $2)) AS after_s) a
    WHERE d.decommissioned_at IS NULL AND l.ts < now() - a.after_s * interval '1 second'`,
  /** Enabled endpoints that have taken no delivery since a failure more than a day ago. */
  failingWebhooks: sql`
    SELECT id, url, description, failing_since AS "failingSince" FROM webhook_endpoint
    WHERE enabled AND failing_since < now() - interval '1 day'`,
};

export interface SessionVerdict {
  id: string;
  meterId: string;
  startedAt: string;
  endedAt: string;
  efficiencyRatio: number;
}

export interface Streak {
  vehicleId: string;
  /** All below the threshold. */
  low: boolean;
  /** All at or above the threshold plus the clear margin. */
  fine: boolean;
  /** Newest first. */
  sessions: SessionVerdict[];
}

export interface SilentDevice {
  kind: 'meter' | 'vehicle';
  id: string;
  lastReadingAt: Date;
  silentAfterSeconds: number;
}

export interface FailingWebhook {
  id: string;
  url: string;
  description: string | null;
  failingSince: Date;
}

export interface StreakRule {
  sessions: number;
  threshold: number;
  clearMargin: number;
  minCoverage: number;
  readingIntervalSeconds: number;
}

export class AlarmConditionRepository {
  constructor(private readonly dataSource: DataSource) {}

  streaks(rule: StreakRule): Promise<Streak[]> {
    return this.dataSource.query(CONDITION_STATEMENTS.streaks, [
      rule.sessions,
      rule.threshold,
      rule.clearMargin,
      rule.minCoverage,
      rule.readingIntervalSeconds,
    ]);
  }

  silent(silentAfterSeconds: number, readingIntervalSeconds: number): Promise<SilentDevice[]> {
    return this.dataSource.query(CONDITION_STATEMENTS.silent, [silentAfterSeconds, readingIntervalSeconds]);
  }

  failingWebhooks(): Promise<FailingWebhook[]> {
    return this.dataSource.query(CONDITION_STATEMENTS.failingWebhooks);
  }
}
