import type { DataSource } from 'typeorm';
import { sql } from '../db/sql';
import type { Window } from './analytics.dto';
import { coverage, expected } from './pair-figures.repository';

/**
 * Every statement takes $1 from, $2 to, $3 the device, $4 the bucket size as an interval, $5 the
 * zone whose clock the buckets follow (UTC below a day) and $6 READING_INTERVAL_SECONDS, the interval of
 * devices whose registry record sets none, for coverage. A bucket is (start, end] like a reading's
 * interval, so a reading at ts lies in the bucket of the local time ts - 1 µs; date_bin on local time
 * makes a day bucket a calendar day, 23 or 25 hours across a DST change.
 */
const BUCKET_OF = (ts: string) =>
  `date_bin($4::interval, (${ts} - interval '1 microsecond') AT TIME ZONE $5::text, timestamp '2000-01-01')`;

/** Energy in whole micro-kWh, the per-row rounding analytics and the hourly rollups share. */
const micro = (column: string) => `(${column} * 1000000)::bigint`;

/**
 * The buckets the window touches, each with the part (a, z] of the window inside it. The part is read
 * from the hourly rollups for its whole sealed UTC hours [lo, hi) and from history for the edges
 * (a, lo] and (hi, z]: a bucket shorter than an hour, or a day whose midnight falls on a half hour, or
 * one after the seal, has hi = lo where no whole sealed hour fits, and its edges then cover the whole
 * part, so no reading is read twice.
 */
const BUCKETS = sql`
  buckets AS (
    SELECT local, local AT TIME ZONE $5::text AS start, (local + $4::interval) AT TIME ZONE $5::text AS "end"
    FROM generate_series(${BUCKET_OF(`$1::timestamptz + interval '1 microsecond'`)}, ${BUCKET_OF('$2::timestamptz')},
                         $4::interval) local
  ),
  parts AS (
    SELECT local, start, "end", a, z, lo,
           greatest(least(date_bin('1 hour', z, timestamptz '2000-01-01Z'), (SELECT hours_until FROM rollup_seal)), lo) AS hi
    FROM buckets
    CROSS JOIN LATERAL (SELECT greatest(start, $1) AS a, least("end", $2) AS z) w
    CROSS JOIN LATERAL (
      SELECT date_bin('1 hour', a - interval '1 microsecond', timestamptz '2000-01-01Z') + interval '1 hour' AS lo
    ) l
  ),
  edges AS (
    SELECT local, a AS after, least(lo, z) AS upto FROM parts
    UNION ALL
    SELECT local, greatest(hi, a), z FROM parts WHERE hi < z
  )`;

interface Measure {
  column: string;
  name: string;
}

/**
 * The points CTE: count, energy, averages and extremes from history edges and whole rollup hours, and
 * the readings covered (with those a register reading's gap bridged), for coverage. Both count each
 * reading whole at its ts; each bucket's own ends then cut the register gaps around them, so that a
 * gap's energy and readings are spread over the buckets it spans (1764500000000-SpreadGapEnergy).
 */
function points(history: string, rollup: string, device: string, energy: string, measures: Measure[]): string {
  const cut = `${device.replace('_id', '')}_cut`;
  const rawMeasures = measures.flatMap(({ column, name }) => [
    `min(h.${column}) AS ${name}_min`,
    `max(h.${column}) AS ${name}_max`,
    `sum(h.${column}::numeric) AS ${name}_sum`,
  ]);
  const rolledMeasures = measures.flatMap(({ column, name }) => [
    `min(u.${column}_min) AS ${name}_min`,
    `max(u.${column}_max) AS ${name}_max`,
    `sum(u.${column}_sum) AS ${name}_sum`,
  ]);
  // Averages divide exact numeric sums, so they agree to the digit with avg(x::numeric) over history.
  const combined = measures.flatMap(({ name }) => [
    `round((coalesce(r.${name}_sum, 0) + coalesce(u.${name}_sum, 0)) / nullif(coalesce(r.n, 0) + coalesce(u.n, 0), 0), 3) AS "${name}Avg"`,
    `least(r.${name}_min, u.${name}_min) AS "${name}Min"`,
    `greatest(r.${name}_max, u.${name}_max) AS "${name}Max"`,
  ]);
  return sql`
    ${BUCKETS},
    raw AS (
      SELECT e.local, count(*) AS n, count(*) + sum(h.bridged) AS covered, sum(${micro(`h.${energy}`)}) AS kwh,
             ${rawMeasures.join(', ')}
      FROM edges e
      JOIN ${history} h ON h.${device} = $3 AND h.ts > e.after AND h.ts <= e.upto
      GROUP BY e.local
    ),
    cuts AS (
      SELECT p.local, z.kwh_micro - a.kwh_micro AS kwh, z.covered - a.covered AS covered
      FROM parts p CROSS JOIN LATERAL ${cut}($3, p.z) z CROSS JOIN LATERAL ${cut}($3, p.a) a
    ),
    points AS (
      SELECT p.local, p.start, p."end", coalesce(r.n, 0) + coalesce(u.n, 0) AS readings,
             coalesce(r.covered, 0) + coalesce(u.covered, 0) + c.covered AS covered,
             coalesce(r.kwh, 0) + coalesce(u.kwh, 0) + c.kwh AS kwh_micro,
             ${combined.join(',\n')}
      FROM parts p
      JOIN cuts c USING (local)
      LEFT JOIN raw r USING (local)
      LEFT JOIN LATERAL (
        SELECT sum(readings) AS n, sum(readings + bridged) AS covered, sum(kwh_micro) AS kwh, ${rolledMeasures.join(', ')}
        FROM ${rollup} u
        WHERE u.${device} = $3 AND u.hour >= p.lo AND u.hour < p.hi
      ) u ON p.lo < p.hi
    )`;
}

/**
 * AC a vehicle's sessions drew and the DC it took inside them, by bucket: the meters' readings with
 * started_at < ts <= ended_at (∩ window), like the performance figures; a vehicle's sessions never
 * overlap, so no DC reading counts twice. A counted session inside the window whose readings all fall
 * in one bucket (from the one of started_at + 1 µs to the one of ended_at) adds the energy and readings
 * it carries, so a year of daily points costs a row per session; the others are read from history.
 * Each side's readings are set against those expected over each session's part of each bucket.
 */
const SESSION_ENERGY = sql`
  sessions AS (
    SELECT meter_id, greatest(started_at, $1) AS after, least(coalesce(ended_at, 'infinity'), $2) AS upto,
           kwh_ac_micro, kwh_dc_micro, ac_readings, dc_readings,
           kwh_ac_micro IS NOT NULL AND kwh_dc_micro IS NOT NULL AND ac_readings IS NOT NULL AND dc_readings IS NOT NULL
             AND started_at >= $1 AND ended_at <= $2
             AND ${BUCKET_OF(`started_at + interval '1 microsecond'`)} = ${BUCKET_OF('ended_at')} AS whole
    FROM charging_session
    WHERE vehicle_id = $3 AND tstzrange(started_at, ended_at) && tstzrange($1, $2, '()')
  ),
  session_parts AS (
    SELECT b.local, s.meter_id, s.whole, o.after, o.upto
    FROM sessions s
    JOIN buckets b ON b.start < s.upto AND b."end" > s.after
    CROSS JOIN LATERAL (SELECT greatest(s.after, b.start) AS after, least(s.upto, b."end") AS upto) o
  ),
  session_cuts AS (
    SELECT p.local, mz.kwh_micro - ma.kwh_micro AS ac, mz.covered - ma.covered AS ac_n,
           vz.kwh_micro - va.kwh_micro AS dc, vz.covered - va.covered AS dc_n
    FROM session_parts p
    CROSS JOIN LATERAL meter_cut(p.meter_id, p.upto) mz CROSS JOIN LATERAL meter_cut(p.meter_id, p.after) ma
    CROSS JOIN LATERAL vehicle_cut($3, p.upto) vz CROSS JOIN LATERAL vehicle_cut($3, p.after) va
    WHERE NOT p.whole
  ),
  session_ac AS (
    SELECT local, sum(ac) AS ac, sum(n) AS n FROM (
      SELECT ${BUCKET_OF('upto')} AS local, kwh_ac_micro AS ac, ac_readings AS n FROM sessions WHERE whole
      UNION ALL
      SELECT ${BUCKET_OF('h.ts')}, ${micro('h.kwh_consumed_ac')}, 1 + h.bridged
      FROM sessions s JOIN meter_history h ON h.meter_id = s.meter_id AND h.ts > s.after AND h.ts <= s.upto
      WHERE NOT s.whole
      UNION ALL
      SELECT local, ac, ac_n FROM session_cuts WHERE ac <> 0 OR ac_n <> 0
    ) a
    GROUP BY 1
  ),
  session_dc AS (
    SELECT local, sum(dc) AS dc, sum(n) AS n FROM (
      SELECT ${BUCKET_OF('upto')} AS local, kwh_dc_micro AS dc, dc_readings AS n FROM sessions WHERE whole
      UNION ALL
      SELECT ${BUCKET_OF('h.ts')}, ${micro('h.kwh_delivered_dc')}, 1 + h.bridged
      FROM sessions s JOIN vehicle_history h ON h.vehicle_id = $3 AND h.ts > s.after AND h.ts <= s.upto
      WHERE NOT s.whole
      UNION ALL
      SELECT local, dc, dc_n FROM session_cuts WHERE dc <> 0 OR dc_n <> 0
    ) d
    GROUP BY 1
  ),
  session_expected AS (
    SELECT p.local, sum(${expected('p.after', 'p.upto', 'p.meter_id', 'meter', '$6')}) AS ac_x,
           sum(${expected('p.after', 'p.upto', '$3', 'vehicle', '$6')}) AS dc_x
    FROM session_parts p
    GROUP BY p.local
  )`;

const VEHICLE_MEASURES = [
  { column: 'soc', name: 'soc' },
  { column: 'battery_temp', name: 'batteryTemp' },
];

/**
 * Buckets without any reading or a register gap's share are left out; one with session AC but no
 * vehicle reading shows that AC.
 */
const VEHICLE_SERIES = sql`
  WITH
  ${points('vehicle_history', 'vehicle_rollup_hourly', 'vehicle_id', 'kwh_delivered_dc', VEHICLE_MEASURES)},
  ${SESSION_ENERGY}
  SELECT v.start, v."end", v.readings, v.kwh_micro / 1000000.0 AS kwh,
         "socAvg", "socMin", "socMax", "batteryTempAvg", "batteryTempMin", "batteryTempMax",
         coalesce(ac.ac, 0) / 1000000.0 AS "kwhConsumedAc", round(dc.dc / nullif(ac.ac, 0), 3) AS "efficiencyRatio",
         ${coverage('coalesce(ac.n, 0)', 'x.ac_x')} AS "coverageAc", ${coverage('coalesce(dc.n, 0)', 'x.dc_x')} AS "coverageDc"
  FROM points v
  LEFT JOIN session_ac ac USING (local)
  LEFT JOIN session_dc dc USING (local)
  LEFT JOIN session_expected x USING (local)
  WHERE v.readings > 0 OR v.covered > 0 OR ac.ac IS NOT NULL
  ORDER BY v.start`;

const METER_SERIES = sql`
  WITH
  ${points('meter_history', 'meter_rollup_hourly', 'meter_id', 'kwh_consumed_ac', [{ column: 'voltage', name: 'voltage' }])}
  SELECT p.start, p."end", readings, kwh_micro / 1000000.0 AS kwh, "voltageAvg", "voltageMin", "voltageMax",
         ${coverage('covered', `(SELECT ${expected('w.a', 'w.z', '$3', 'meter', '$6')} FROM parts w WHERE w.local = p.local)`)} AS coverage
  FROM points p
  WHERE readings > 0 OR covered > 0
  ORDER BY p.start`;

const SEEN = (kind: string, device: string) => sql`
  SELECT EXISTS (SELECT 1 FROM ${kind}_live WHERE ${device} = $1)
      OR EXISTS (SELECT 1 FROM ${kind}_history WHERE ${device} = $1) AS seen`;

/** The zone names PostgreSQL can compute with; a name must be known to it as well as to JavaScript. */
const ZONE_NAMES = sql`SELECT name FROM pg_timezone_names`;

export const SERIES_STATEMENTS = {
  vehicleSeries: VEHICLE_SERIES,
  meterSeries: METER_SERIES,
  vehicleSeen: SEEN('vehicle', 'vehicle_id'),
  meterSeen: SEEN('meter', 'meter_id'),
  zoneNames: ZONE_NAMES,
};

export type SeriesDevice = 'vehicle' | 'meter';

/** A bucket as the database computed it; bigint and numeric columns arrive as text. */
export type SeriesRow = Record<string, string | number | Date | null> & { start: Date; end: Date; readings: string };

export class SeriesRepository {
  private zones?: Promise<Set<string>>;

  /** `readingIntervalSeconds`: READING_INTERVAL_SECONDS, for the coverage of devices that state no interval. */
  constructor(
    private readonly dataSource: DataSource,
    private readonly readingIntervalSeconds: number,
  ) {}

  /** $4 is the bucket size as an interval, $5 the zone of its clock. */
  points(device: SeriesDevice, id: string, window: Window, size: string, tz: string): Promise<SeriesRow[]> {
    const statement = device === 'vehicle' ? VEHICLE_SERIES : METER_SERIES;
    return this.dataSource.query<SeriesRow[]>(statement, [
      window.from,
      window.to,
      id,
      size,
      tz,
      this.readingIntervalSeconds,
    ]);
  }

  async seen(device: SeriesDevice, id: string): Promise<boolean> {
    const statement = device === 'vehicle' ? SERIES_STATEMENTS.vehicleSeen : SERIES_STATEMENTS.meterSeen;
    const [{ seen }] = await this.dataSource.query<Array<{ seen: boolean }>>(statement, [id]);
    return seen;
  }

  /** Read once per process: the zone database changes with a PostgreSQL upgrade, not while it runs. */
  async knowsZone(tz: string): Promise<boolean> {
    this.zones ??= this.dataSource
      .query<Array<{ name: string }>>(ZONE_NAMES)
      .then((rows) => new Set(rows.map(({ name }) => name)));
    try {
      return (await this.zones).has(tz);
    } catch (error) {
      // A failed read is retried by the next request rather than remembered.
      this.zones = undefined;
      throw error;
    }
  }
}
