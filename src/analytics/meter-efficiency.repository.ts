import type { DataSource } from 'typeorm';
import { sql } from '../db/sql';
import type { Window } from './analytics.dto';
import { evidenceOf, fleetSessions, type FiguresSettings, type PairEvidence } from './analytics.repository';
import { SERIES_STATEMENTS } from './series.repository';
import {
  coverage,
  EVIDENCE_COLUMNS,
  pairFigures,
  readingFlags,
  SUSPECTS,
  type Judged,
} from './pair-figures.repository';

const JUDGED: Judged = { interval: '$4', minCoverage: '$5', threshold: '$6' };

const OVERLAPS = `tstzrange(started_at, ended_at) && tstzrange($1, $2, '()')`;

/**
 * The evidence about the meter $3 lies in the sessions of the vehicles it fed in the window and in the
 * sessions of the other vehicles on the meters those used: whether the meter's vehicles are fine
 * elsewhere, and whether others are fine where they are low. Nothing else is read.
 */
const NEAR_THE_METER = sql`(
  vehicle_id IN (SELECT vehicle_id FROM charging_session WHERE meter_id = $3 AND ${OVERLAPS})
  OR meter_id IN (
    SELECT o.meter_id FROM charging_session o
    WHERE o.vehicle_id IN (SELECT vehicle_id FROM charging_session WHERE meter_id = $3 AND ${OVERLAPS})
      AND tstzrange(o.started_at, o.ended_at) && tstzrange($1, $2, '()')
  ))`;

/**
 * Each vehicle the meter fed in the window: its figures on the meter (a pair), on every other meter
 * together (`elsewhere`), and its complete pairs as evidence; with the meter's own totals over all its
 * vehicles and whether it is a suspected charger. Lowest ratio here first. Every per-vehicle figure is
 * grouped once and joined, so the answer costs the pairs once however many vehicles the meter fed.
 */
const METER_VIEW = sql`
  WITH
  ${pairFigures(fleetSessions(JUDGED, 'SELECT NULL::text AS vehicle_id', NEAR_THE_METER), JUDGED)},
  ${SUSPECTS},
  evidence AS (
    SELECT p.vehicle_id, ${EVIDENCE_COLUMNS}
    FROM pair_figures p LEFT JOIN charger_suspects c ON c.meter_id = p.meter_id
    GROUP BY p.vehicle_id
  ),
  elsewhere AS (
    SELECT vehicle_id, array_agg(meter_id ORDER BY meter_id) AS meter_ids, sum(ac) AS ac, sum(dc) AS dc,
           round(sum(dc) / nullif(sum(ac), 0), 3) AS ratio, ${coverage('sum(ac_n)', 'sum(ac_x)')} AS ac_cov,
           ${coverage('sum(dc_n)', 'sum(dc_x)')} AS dc_cov
    FROM pair_figures WHERE meter_id <> $3 GROUP BY vehicle_id
  )
  SELECT p.vehicle_id AS "vehicleId", p.sessions::int, p.ac / 1000000.0 AS ac, p.dc / 1000000.0 AS dc, p.ratio,
         p.ac_cov AS "coverageAc", p.dc_cov AS "coverageDc", p.low AS "lowEfficiency",
         array_remove(ARRAY[${readingFlags('p', '$5')}], NULL) AS "dataQuality",
         coalesce(e.meter_ids, '{}') AS "elsewhereMeterIds", coalesce(e.ac, 0) / 1000000.0 AS "elsewhereAc",
         coalesce(e.dc, 0) / 1000000.0 AS "elsewhereDc", e.ratio AS "elsewhereRatio",
         coalesce(e.ratio < $6 AND e.dc <= e.ac AND e.ac_cov >= $5 AND e.dc_cov >= $5, false) AS "elsewhereLow",
         v.vehicle_id IS NOT NULL AS "vehicleSuspect", $3 IN (SELECT meter_id FROM charger_suspects) AS "chargerSuspect",
         coalesce(x.pairs, '[]') AS evidence,
         sum(p.ac) OVER () / 1000000.0 AS "meterAc", sum(p.dc) OVER () / 1000000.0 AS "meterDc",
         round(sum(p.dc) OVER () / nullif(sum(p.ac) OVER (), 0), 3) AS "meterRatio",
         ${coverage('sum(p.ac_n) OVER ()', 'sum(p.ac_x) OVER ()')} AS "meterCoverage"
  FROM pair_figures p
  LEFT JOIN elsewhere e ON e.vehicle_id = p.vehicle_id
  LEFT JOIN evidence x ON x.vehicle_id = p.vehicle_id
  LEFT JOIN vehicle_suspects v ON v.vehicle_id = p.vehicle_id
  WHERE p.meter_id = $3
  ORDER BY p.ratio IS NULL, p.ratio, p.vehicle_id`;

/** The statements by name (tools/sql-snapshots.ts keeps them readable under sql/). */
export const METER_EFFICIENCY_STATEMENTS = { meterView: METER_VIEW };

/** One vehicle the meter fed, as the database judged it; energies in kWh, as text from numeric. */
export interface MeterVehicleRow {
  vehicleId: string;
  sessions: number;
  ac: string;
  dc: string;
  ratio: string | null;
  coverageAc: string;
  coverageDc: string;
  lowEfficiency: boolean;
  dataQuality: Array<'dc-exceeds-ac' | 'incomplete-ac' | 'incomplete-dc'>;
  elsewhereMeterIds: string[];
  elsewhereAc: string;
  elsewhereDc: string;
  elsewhereRatio: string | null;
  elsewhereLow: boolean;
  vehicleSuspect: boolean;
  chargerSuspect: boolean;
  evidence: PairEvidence[];
  meterAc: string;
  meterDc: string;
  meterRatio: string | null;
  meterCoverage: string | null;
}

export class MeterEfficiencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Empty when the meter fed no vehicle in the window. */
  async vehicles(meterId: string, window: Window, settings: FiguresSettings): Promise<MeterVehicleRow[]> {
    const rows = await this.dataSource.query<MeterVehicleRow[]>(METER_VIEW, [
      window.from,
      window.to,
      meterId,
      settings.readingIntervalSeconds,
      settings.minCoverage,
      settings.threshold,
    ]);
    return rows.map((row) => ({ ...row, evidence: row.evidence.map(evidenceOf) }));
  }

  /** Whether the meter ever reported, live or in history. */
  async meterSeen(meterId: string): Promise<boolean> {
    const [{ seen }] = await this.dataSource.query<Array<{ seen: boolean }>>(SERIES_STATEMENTS.meterSeen, [meterId]);
    return seen;
  }
}
