import { createIsolatedDatabase, type IsolatedDatabase } from '../support/test-database';

/**
 * Readings inserted late into a counted session's span are added to its stored energy by the history
 * triggers, in the inserting statement. What that costs must depend on the statement's own readings,
 * not on how many sessions the fleet closed since its oldest one.
 */
let db: IsolatedDatabase;
beforeAll(async () => {
  db = await createIsolatedDatabase();
});
afterAll(() => db.drop());

const METERS = 200;
const SESSIONS_PER_METER = 25;

it('a statement with one reading from 2001 among current ones probes only its own devices’ sessions, and adds each reading to the session holding it', async () => {
  // 5,000 counted sessions, a meter's spread over the years since 2001, every one ending after the old reading.
  await db.dataSource.query(
    `INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
     SELECT 'LATE-V' || m, 'LATE-M' || m, start, start + interval '2 hours'
     FROM generate_series(1, $1::int) m,
          LATERAL (SELECT timestamptz '2001-03-01T08:00:00Z' + k * interval '1 year' + m * interval '1 day' AS start
                   FROM generate_series(0, $2::int - 1) k) s`,
    [METERS, SESSIONS_PER_METER],
  );
  await db.dataSource.query(`UPDATE charging_session SET kwh_ac_micro = 0, kwh_dc_micro = 0`);
  await db.dataSource.query(`ANALYZE charging_session`);
  const [{ recentEnd }] = await db.dataSource.query(
    `SELECT max(ended_at) AS "recentEnd" FROM charging_session WHERE meter_id = 'LATE-M2'`,
  );

  const runner = db.dataSource.createQueryRunner();
  await runner.startTransaction();
  try {
    // Counted on this connection and not reported yet, earlier statements' included: hence a difference.
    const examined = async () =>
      (
        await runner.query(
          `SELECT seq_scan::int AS "seqScans", (seq_tup_read + idx_tup_fetch)::int AS "rowsRead", n_tup_upd::int AS updated
           FROM pg_stat_xact_user_tables WHERE relname = 'charging_session'`,
        )
      )[0] as { seqScans: number; rowsRead: number; updated: number };
    const before = await examined();
    // One reading of 2001 in LATE-M1's first session, one in LATE-M2's latest, and 98 of meters with no session.
    await runner.query(
      `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage)
       SELECT 'LATE-M1', timestamptz '2001-03-02T09:00:00Z', 1.5, 230
       UNION ALL SELECT 'LATE-M2', $1::timestamptz - interval '1 hour', 2.5, 230
       UNION ALL SELECT 'LATE-OTHER' || i, now() - i * interval '1 second', 0.1, 230 FROM generate_series(1, 98) i`,
      [recentEnd],
    );
    const after = await examined();
    // A probe of (meter, ended_at) per reading reads at most one session, and two sessions are updated.
    expect(after.seqScans - before.seqScans).toBe(0);
    expect(after.updated - before.updated).toBe(2);
    expect(after.rowsRead - before.rowsRead).toBeLessThanOrEqual(2 * 100);
    await runner.commitTransaction();
  } finally {
    await runner.release();
  }

  const totals = await db.dataSource.query(
    `SELECT meter_id, kwh_ac_micro::bigint::text AS ac, meter_kwh_micro(meter_id, started_at, ended_at)::bigint::text AS counted
     FROM charging_session WHERE kwh_ac_micro <> 0 ORDER BY meter_id`,
  );
  expect(totals).toEqual([
    { meter_id: 'LATE-M1', ac: '1500000', counted: '1500000' },
    { meter_id: 'LATE-M2', ac: '2500000', counted: '2500000' },
  ]);
});

it('a statement of readings later than every session end reads the session indexes once, and a reading at the last end is still added', async () => {
  const [{ lastEnd }] = await db.dataSource.query(
    `SELECT max(ended_at) AS "lastEnd" FROM charging_session WHERE ended_at IS NOT NULL`,
  );
  const [{ meterId }] = await db.dataSource.query(
    `SELECT meter_id AS "meterId" FROM charging_session WHERE ended_at = $1`,
    [lastEnd],
  );
  const runner = db.dataSource.createQueryRunner();
  await runner.startTransaction();
  try {
    const indexScans = async () =>
      (
        await runner.query(
          `SELECT idx_scan::int AS scans, n_tup_upd::int AS updated FROM pg_stat_xact_user_tables WHERE relname = 'charging_session'`,
        )
      )[0] as { scans: number; updated: number };
    const before = await indexScans();
    await runner.query(
      `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage)
       SELECT 'LATE-M' || i, now() - i * interval '1 second', 0.1, 230 FROM generate_series(1, $1::int) i`,
      [METERS],
    );
    const current = await indexScans();
    // The last end, read once; no reading is probed for its own session.
    expect(current.scans - before.scans).toBe(1);
    expect(current.updated - before.updated).toBe(0);

    await runner.query(
      `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage)
       SELECT $1, $2::timestamptz, 0.5, 230 UNION ALL SELECT $1, now(), 0.5, 230`,
      [meterId, lastEnd],
    );
    expect((await indexScans()).updated - current.updated).toBe(1);
    await runner.commitTransaction();
  } finally {
    await runner.release();
  }

  const [{ ac, counted }] = await db.dataSource.query(
    `SELECT kwh_ac_micro::bigint::text AS ac, meter_kwh_micro(meter_id, started_at, ended_at)::bigint::text AS counted
     FROM charging_session WHERE meter_id = $1 AND ended_at = $2`,
    [meterId, lastEnd],
  );
  expect({ ac, counted }).toEqual({ ac: '500000', counted: '500000' });
});
