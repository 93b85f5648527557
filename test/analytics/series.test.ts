import request from 'supertest';
import { chargingSession, meterReading, uniqueId, vehicleReading } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';
import { validatorAt } from '../support/document-schemas';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const MINUTE = 60_000;

/** The same readings on every run: a series compared to the digit must not depend on luck. */
function generator(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/**
 * Readings every few minutes over `hours` from `start`, some on the hour and the half hour exactly
 * (where buckets and rollup hours meet), with fractional energies and measures.
 */
function readingsFrom(start: string, hours: number, seed: number) {
  const random = generator(seed);
  const times: number[] = [];
  for (let ms = Date.parse(start); ms < Date.parse(start) + hours * 60 * MINUTE; ms += 30 * MINUTE) {
    times.push(ms, ms + Math.floor(random() * 30 * MINUTE) + 1, ms + Math.floor(random() * 30 * MINUTE) + 7);
  }
  return times.map((ms) => ({ ms, a: Math.round(random() * 5_000) / 1_000, b: Math.round(random() * 1_000) / 10 }));
}

async function ingest(readings: object[]): Promise<void> {
  for (let i = 0; i < readings.length; i += 1_000) {
    await request(t.app)
      .post('/v1/ingestion/batch')
      .send(readings.slice(i, i + 1_000))
      .expect(201);
  }
}

/** A device's readings over a stretch, the later half sent first so the earlier half arrives late. */
async function fill(vehicleId: string, meterId: string, start: string, hours: number): Promise<void> {
  const at = (ms: number) => new Date(ms).toISOString();
  const vehicle = readingsFrom(start, hours, hours).map(({ ms, a, b }) =>
    vehicleReading({ vehicleId, timestamp: at(ms), kwhDeliveredDc: a, soc: b, batteryTemp: b / 3 - 10 }),
  );
  const meter = readingsFrom(start, hours, hours + 1).map(({ ms, a, b }) =>
    meterReading({ meterId, timestamp: at(ms), kwhConsumedAc: a, voltage: 200 + b / 7 }),
  );
  const half = Math.floor(vehicle.length / 2);
  await ingest([...vehicle.slice(half), ...meter.slice(half)]);
  await ingest([...vehicle.slice(0, half), ...meter.slice(0, half)]);
}

/** The bucket of a reading, written apart from the repository's: date_trunc in the zone for days. */
const REFERENCE_BUCKET = `CASE WHEN $4 = '1 day' THEN date_trunc('day', h.ts - interval '1 microsecond', $5)
  ELSE date_bin($4::interval, h.ts - interval '1 microsecond', timestamptz '2000-01-01Z') END`;

/** Every bucket straight from history, as the repository must give it whatever rollups it read. */
async function reference(kind: 'vehicle' | 'meter', id: string, from: string, to: string, size: string, tz: string) {
  const measures =
    kind === 'vehicle'
      ? [
          ['soc', 'soc'],
          ['battery_temp', 'batteryTemp'],
        ]
      : [['voltage', 'voltage']];
  const columns = measures.flatMap(([column, name]) => [
    `round(avg(h.${column}::numeric), 3) AS "${name}Avg"`,
    `min(h.${column}) AS "${name}Min"`,
    `max(h.${column}) AS "${name}Max"`,
  ]);
  const energy = kind === 'vehicle' ? 'kwh_delivered_dc' : 'kwh_consumed_ac';
  const sessionEnergy = (history: string, device: string, column: string) => `(
    SELECT ${REFERENCE_BUCKET} AS start, sum((h.${column} * 1000000)::bigint) AS micro, count(*) AS n
    FROM ${history} h JOIN charging_session s ON s.${device} = h.${device}
      AND h.ts > s.started_at AND (s.ended_at IS NULL OR h.ts <= s.ended_at)
    WHERE s.vehicle_id = $1 AND h.ts > $2 AND h.ts <= $3 GROUP BY 1)`;
  const sessions =
    kind === 'vehicle'
      ? `, coalesce(ac.micro, 0) / 1000000.0 AS "kwhConsumedAc", round(dc.micro / nullif(ac.micro, 0), 3) AS "efficiencyRatio",
         coalesce(ac.n, 0) AS ac_n, coalesce(dc.n, 0) AS dc_n
         FROM points p FULL JOIN ${sessionEnergy('meter_history', 'meter_id', 'kwh_consumed_ac')} ac USING (start)
         LEFT JOIN ${sessionEnergy('vehicle_history', 'vehicle_id', 'kwh_delivered_dc')} dc USING (start)`
      : ' FROM points p';
  // Coverage by its definition: readings against one per whole minute (these devices state no interval
  // of their own, and every span here is long past), over each session's part of the bucket, or over the
  // bucket ∩ window for a meter.
  const part = (after: string, upto: string) =>
    `floor(extract(epoch FROM least(${upto}, r."end", $3::timestamptz) - greatest(${after}, r.start, $2::timestamptz)) / 60)`;
  const ratio = (n: string, x: string) =>
    `CASE WHEN ${x} IS NULL THEN NULL WHEN ${x} <= 0 THEN 1 ELSE least(1, round(${n} / ${x}, 3)) END`;
  const sessionPart = `(SELECT sum(${part('s.started_at', "coalesce(s.ended_at, 'infinity')")}) FROM charging_session s
    WHERE s.vehicle_id = $1 AND s.started_at < least(r."end", $3::timestamptz)
      AND coalesce(s.ended_at, 'infinity') > greatest(r.start, $2::timestamptz))`;
  const coverage =
    kind === 'vehicle'
      ? `${ratio('r.ac_n', sessionPart)} AS "coverageAc", ${ratio('r.dc_n', sessionPart)} AS "coverageDc"`
      : `${ratio('r.readings', part("'-infinity'::timestamptz", "'infinity'::timestamptz"))} AS coverage`;
  const rows = await t.db.dataSource.query<Array<Record<string, unknown>>>(
    `SELECT r.*, ${coverage} FROM (WITH points AS (
       SELECT ${REFERENCE_BUCKET} AS start, count(*) AS readings,
              sum((h.${energy} * 1000000)::bigint) / 1000000.0 AS kwh, ${columns.join(', ')}
       FROM ${kind}_history h WHERE h.${kind}_id = $1 AND h.ts > $2 AND h.ts <= $3 GROUP BY 1)
     SELECT start, CASE WHEN $4 = '1 day' THEN (start AT TIME ZONE $5 + interval '1 day') AT TIME ZONE $5
                   ELSE start + $4::interval END AS "end",
            coalesce(readings, 0) AS readings, coalesce(kwh, 0) AS kwh, ${measures
              .flatMap(([, name]) => [`"${name}Avg"`, `"${name}Min"`, `"${name}Max"`])
              .join(', ')}${sessions}) r
     ORDER BY start`,
    [id, from, to, size, tz],
  );
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row)
        .filter(([key]) => key !== 'ac_n' && key !== 'dc_n')
        .map(([key, value]) => [
          key,
          value instanceof Date ? value.toISOString() : value === null ? null : Number(value),
        ]),
    ),
  );
}

const SIZES = { '1m': '1 minute', '15m': '15 minutes', '1h': '1 hour', '1d': '1 day' } as const;

const series = (kind: 'vehicles' | 'meters', id: string, query: Record<string, string>) =>
  request(t.app).get(`/v1/analytics/${kind}/${id}/series`).query(query);

function expectDocumented(body: unknown, schema: 'VehicleSeries' | 'MeterSeries'): void {
  const validate = validatorAt('components', 'schemas', schema);
  expect({ valid: validate(body), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
}

describe('GET /v1/analytics/{vehicles,meters}/:id/series agrees with history bucket by bucket', () => {
  const vehicleId = uniqueId('VEH');
  const meterId = uniqueId('MTR');

  beforeAll(async () => {
    await fill(vehicleId, meterId, '2026-03-27T00:00:00Z', 4 * 24);
    await fill(vehicleId, meterId, '2026-10-23T00:00:00Z', 4 * 24);
    await request(t.app)
      .post('/v1/charging-sessions')
      .send(chargingSession({ vehicleId, meterId, startedAt: '2026-03-28T20:10:00Z', endedAt: '2026-03-29T03:00:00Z' }))
      .expect(201);
    // Within one day in every zone below: a day bucket takes the energy this session carries.
    await request(t.app)
      .post('/v1/charging-sessions')
      .send(chargingSession({ vehicleId, meterId, startedAt: '2026-03-30T10:00:00Z', endedAt: '2026-03-30T12:30:00Z' }))
      .expect(201);
    await request(t.app)
      .post('/v1/charging-sessions')
      .send(chargingSession({ vehicleId, meterId, startedAt: '2026-10-25T00:30:00.500Z' }))
      .expect(201);
    // The closed sessions counted, as the service's seal does every few minutes.
    await t.services.rollups.seal();
  });

  const cases: Array<[string, { from: string; to: string; bucket: keyof typeof SIZES; tz?: string }]> = [
    ['1m over the DST night', { from: '2026-03-29T00:13:20.250Z', to: '2026-03-29T03:07:00Z', bucket: '1m' }],
    ['15m across a session', { from: '2026-03-28T19:59:59.999Z', to: '2026-03-29T09:00:00Z', bucket: '15m' }],
    ['1h with partial edge hours', { from: '2026-03-28T10:20:00.001Z', to: '2026-03-30T07:45:00Z', bucket: '1h' }],
    ['1h on whole hours', { from: '2026-10-24T00:00:00Z', to: '2026-10-26T00:00:00Z', bucket: '1h' }],
    ['1d in UTC', { from: '2026-03-27T05:00:00Z', to: '2026-03-31T00:00:00Z', bucket: '1d' }],
    ['1d over the March DST change in Berlin (23 h)', { ...berlin('2026-03-27', '2026-03-31'), tz: 'Europe/Berlin' }],
    ['1d over the October DST change in Berlin (25 h)', { ...berlin('2026-10-23', '2026-10-27'), tz: 'Europe/Berlin' }],
    [
      '1d in a half-hour zone (Asia/Kolkata)',
      { from: '2026-03-27T03:17:03.123Z', to: '2026-03-30T21:40:00Z', bucket: '1d', tz: 'Asia/Kolkata' },
    ],
    ['1d over a year, mostly empty', { from: '2025-12-04T00:00:00Z', to: '2026-12-03T00:00:00Z', bucket: '1d' }],
  ];

  it.each(cases)('%s', async (_name, query) => {
    const size = SIZES[query.bucket];
    const tz = query.bucket === '1d' ? (query.tz ?? 'UTC') : 'UTC';
    for (const [kind, id] of [
      ['vehicle', vehicleId],
      ['meter', meterId],
    ] as const) {
      const res = await series(`${kind}s`, id, query).expect(200);
      expectDocumented(res.body, kind === 'vehicle' ? 'VehicleSeries' : 'MeterSeries');
      const expected = await reference(kind, id, query.from, query.to, size, tz);
      expect(expected.length).toBeGreaterThan(0);
      expect(res.body).toEqual({
        [`${kind}Id`]: id,
        periodStart: new Date(query.from).toISOString(),
        periodEnd: new Date(query.to).toISOString(),
        bucket: query.bucket,
        tz: query.tz ?? 'UTC',
        points: expected,
      });
    }
  });

  it('a Berlin day is 23 hours in March and 25 in October', async () => {
    const hours = async (from: string, to: string) => {
      const res = await series('vehicles', vehicleId, { ...berlin(from, to), tz: 'Europe/Berlin' }).expect(200);
      const points = res.body.points as Array<{ start: string; end: string }>;
      return points.map(({ start, end }) => (Date.parse(end) - Date.parse(start)) / (60 * MINUTE));
    };
    expect(await hours('2026-03-28', '2026-03-30')).toEqual([24, 23]);
    expect(await hours('2026-10-24', '2026-10-26')).toEqual([24, 25]);
  });

  it('chooses the bucket from the span when none is given', async () => {
    const bucketFor = async (from: string, to: string) =>
      (await series('meters', meterId, { from, to }).expect(200)).body.bucket as string;
    expect(await bucketFor('2026-03-28T00:00:00Z', '2026-03-28T16:00:00Z')).toBe('1m');
    expect(await bucketFor('2026-03-28T00:00:00Z', '2026-04-07T00:00:00Z')).toBe('15m');
    expect(await bucketFor('2026-03-28T00:00:00Z', '2026-05-08T00:00:00Z')).toBe('1h');
    expect(await bucketFor('2026-03-28T00:00:00Z', '2026-05-09T00:00:00Z')).toBe('1d');
  });
});

/** Berlin's midnights on the dates given, as instants, for a 1d query. */
function berlin(fromDate: string, toDate: string) {
  const midnight = (date: string) => {
    const utc = Date.parse(`${date}T00:00:00Z`);
    const offset = new Date(utc).toLocaleString('en', { timeZone: 'Europe/Berlin', timeZoneName: 'shortOffset' });
    const hours = Number(/GMT([+-]\d+)/.exec(offset)?.[1] ?? 0);
    return new Date(utc - hours * 60 * MINUTE).toISOString();
  };
  return { from: midnight(fromDate), to: midnight(toDate), bucket: '1d' as const };
}
