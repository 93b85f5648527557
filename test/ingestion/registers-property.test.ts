import fc from 'fast-check';
import request from 'supertest';
import { RollupRepository } from '../../src/analytics/rollup.repository';
import { uniqueId } from '../support/factories';
import { expectRollupsExact, rollupsAndHistory } from '../support/rollups';
import { testAppsClosedAfterAll, type TestApp } from '../support/test-app';
import {
  accepted,
  DAY,
  HOUR,
  judged,
  judgement,
  liveAndNewest,
  outOfBounds,
  readings,
  recomputed,
  scenario,
  sessionFigures,
  type Chunk,
  type Item,
  type Judgement,
  type Kind,
  type Rules,
  type Scenario,
  type Seal,
  type Session,
} from './register-model';

/**
 * Readings that carry cumulative registers, whatever their counters did (rises, small dips, resets to
 * near zero, replaced counters, rollovers past the configured width, impossible jumps) and however
 * they travelled (lost, late after a seal, sent twice in one batch or two, shuffled, in batches and
 * single POSTs, some at once), end up as the contract says once everything is sent:
 *  1. no interval energy is negative, and no register reading's exceeds MAX_POWER_KW over its interval;
 *  2. every register reading's derived columns (energy, base, event, bridged, gap_from) are what a
 *     plain recursive walk over history gives (register-model.ts), and each live row is its newest reading;
 *  3. the sealed rollups are sums over history, each reading whole at its time; the counted sessions'
 *     energy and readings, and each vehicle's efficiency, alone and in the fleet list, are sums over
 *     history's points, a gap's energy and lost readings spread evenly over the gap (register-model.ts).
 * Each run has devices of its own, reporting around yesterday's midnight. The seal is moved back before
 * each run and its rollup rows after the mark dropped, as if never sealed, so that every run seals its
 * own hours and day whatever the runs (and shrinks) before it.
 */
const app = testAppsClosedAfterAll();

/** The runs' origin: yesterday's midnight (UTC), so that readings span a sealed day and hours, all in the past. */
const ORIGIN = Math.floor(Date.now() / DAY) * DAY - DAY;
/** Where the seal stands when a run starts: before any of its readings. */
const UNSEALED = new Date(ORIGIN - DAY);
const wholeHour = (ms: number) => ms - (ms % HOUR);
const at = (ms: number) => new Date(ORIGIN + ms).toISOString();

const unseal = (t: TestApp) =>
  t.db.dataSource.query(`
    UPDATE rollup_seal SET hours_until = '${UNSEALED.toISOString()}', days_until = '${UNSEALED.toISOString()}';
    DELETE FROM meter_rollup_hourly WHERE hour >= '${UNSEALED.toISOString()}';
    DELETE FROM vehicle_rollup_hourly WHERE hour >= '${UNSEALED.toISOString()}';
    DELETE FROM meter_rollup_daily WHERE day >= '${UNSEALED.toISOString()}';
    DELETE FROM vehicle_rollup_daily WHERE day >= '${UNSEALED.toISOString()}'`);

const REGISTER = { meter: 'kwhRegisterAc', vehicle: 'kwhRegisterDc' };
const label = (item: Item) =>
  `${item.id}@${item.body.timestamp as string}=${JSON.stringify(item.body[REGISTER[item.kind]] ?? 'plain')}`;

/** Every vehicle of the fleet list over the window (every run's devices report in the same hours), page by page. */
async function fleetList(t: TestApp, window: { from: string; to: string }): Promise<Map<string, Judgement>> {
  const listed = new Map<string, Judgement>();
  let query: Record<string, string> = { ...window, limit: '1000' };
  for (;;) {
    const page = await request(t.app).get('/v1/analytics/fleet/efficiency').query(query).expect(200);
    for (const v of page.body.vehicles as Array<Judgement & { vehicleId: string }>) listed.set(v.vehicleId, judged(v));
    if (!page.body.nextCursor) return listed;
    query = { cursor: page.body.nextCursor as string, limit: '1000' };
  }
}

async function check(t: TestApp, rules: Rules, s: Scenario) {
  const db = t.db.dataSource;
  const log: string[] = [];
  await unseal(t);
  const ids = { meters: s.meters.map(() => uniqueId('REGP-M')), vehicles: s.vehicles.map(() => uniqueId('REGP-V')) };
  const devices = [
    ...s.meters.map((d, i) => ({ d, id: ids.meters[i], kind: 'meter' as const })),
    ...s.vehicles.map((d, i) => ({ d, id: ids.vehicles[i], kind: 'vehicle' as const })),
  ];
  for (const { d, id, kind } of devices) {
    if (d.registered === 'no') continue;
    const reportingIntervalSeconds = d.registered === 'default' ? undefined : d.registered;
    await request(t.app).post('/v1/devices').send({ id, kind, reportingIntervalSeconds }).expect(201);
    log.push(`registered ${kind} ${id}, interval ${reportingIntervalSeconds ?? 'default'}`);
  }

  // Sessions, and those a seal found closed: the seal counts them, and they must then be counted.
  const sessions = accepted(s);
  const ended = new Set<string>();
  const closedAtSeal = new Set<string>();
  const writeSessions = async (when: Session['written']) => {
    for (const x of sessions.filter((x) => x.written === when)) {
      const body = { vehicleId: ids.vehicles[x.vehicle], meterId: ids.meters[x.meter], startedAt: at(x.start) };
      const endedAt = x.end === 'closed' ? { endedAt: at(x.stop) } : {};
      const res = await request(t.app)
        .post('/v1/charging-sessions')
        .send({ ...body, ...endedAt })
        .expect(201);
      x.id = res.body.id as string;
      if (x.end === 'closed') ended.add(x.id);
      log.push(`session ${x.id} ${body.vehicleId} on ${body.meterId} (${body.startedAt}, ${endedAt.endedAt ?? '…'}]`);
    }
  };
  const rollups = new RollupRepository(db, t.config.db.lockTimeoutMs);
  const seal = async (how: Seal | 'count') => {
    if (how === null) return;
    if (how === 'now') await t.services.rollups.seal();
    // Marks already passed: only the closed sessions not counted yet are counted.
    else if (how === 'count') await rollups.seal(UNSEALED, UNSEALED);
    else {
      const hours = wholeHour(ORIGIN + how * HOUR);
      await rollups.seal(new Date(hours), new Date(hours - (hours % DAY)));
    }
    log.push(`sealed ${typeof how === 'number' ? `up to ${at(how * HOUR)}` : how}`);
    for (const id of ended) closedAtSeal.add(id);
  };

  // Every body, on time or late, each phase in its own order, cut into batches and single POSTs, some sent at once.
  const { items, sent } = readings(s, ids, ORIGIN, rules);
  let stored = 0;
  const post = async (chunk: Chunk, part: Item[]) => {
    if (chunk.mode === 'batch') {
      const res = await request(t.app)
        .post('/v1/ingestion/batch')
        .send(part.map((item) => item.body));
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 201 });
      stored += res.body.stored as number;
      return;
    }
    await Promise.all(
      part.map(async (item) => {
        const route = chunk.route === 'telemetry' ? 'telemetry' : item.kind;
        const res = await request(t.app).post(`/v1/ingestion/${route}`).send(item.body);
        expect({ status: res.status, body: res.body }).toMatchObject({ status: res.status === 200 ? 200 : 201 });
        if (res.status === 201) stored += 1;
      }),
    );
  };
  const deliver = async (phase: Item['phase']) => {
    const mine = items.filter((item) => item.phase === phase).sort((a, b) => a.order - b.order);
    let wave: Array<Promise<void>> = [];
    for (let i = 0, k = 0; i < mine.length; k++) {
      const chunk = s.chunks[k % s.chunks.length];
      const part = mine.slice(i, (i += chunk.size));
      const together = chunk.together && i < mine.length;
      const how = chunk.mode === 'batch' ? 'batch' : `single ${chunk.route}`;
      log.push(
        `${phase === 0 ? 'on time' : 'late'}, ${how}${together ? ', with the next' : ''}: ${part.map(label).join(' ')}`,
      );
      wave.push(post(chunk, part));
      if (!together) {
        await Promise.all(wave);
        wave = [];
      }
    }
    await Promise.all(wave);
  };

  try {
    await writeSessions('first');
    await deliver(0);
    await seal(s.sealOnTime);
    await writeSessions('between');
    await deliver(1);
    await seal(s.sealLate);
    await writeSessions('last');
    for (const x of sessions.filter((x) => x.end === 'later')) {
      await request(t.app)
        .patch(`/v1/charging-sessions/${x.id}`)
        .send({ endedAt: at(x.stop) })
        .expect(200);
      ended.add(x.id!);
      log.push(`session ${x.id} ended ${at(x.stop)}`);
    }
    if (s.countedAtEnd) await seal('count');

    // Every reading sent was stored once, whatever its copies.
    expect(stored).toBe(new Set(items.map((item) => `${item.kind} ${item.id} ${item.ms}`)).size);

    const kinds: Array<[Kind, string[]]> = [
      ['meter', ids.meters],
      ['vehicle', ids.vehicles],
    ];
    for (const [kind, own] of kinds) {
      const [bounds, derived, live, hourly, daily] = await Promise.all([
        outOfBounds(db, kind, own, rules.maxPowerKw),
        recomputed(db, kind, own, sent, rules),
        liveAndNewest(db, kind, own),
        rollupsAndHistory(db, kind, 'hour'),
        rollupsAndHistory(db, kind, 'day'),
      ]);
      // 1. Nothing negative, nothing faster than MAX_POWER_KW.
      expect(bounds).toEqual([]);
      // 2. The derived columns (gap_from too) as the walk over history says, and the live rows as their newest reading.
      expect(derived.map((r) => r.stored)).toEqual(derived.map((r) => r.walked));
      expect(live.map((r) => r.live)).toEqual(live.map((r) => r.newest));
      // 3a. These devices' sealed rollups, hourly and daily, as GROUP BY over history (each reading whole at its ts).
      const ours = (rows: unknown[]) =>
        rows.filter((row) => own.includes((row as Record<string, string>)[`${kind}_id`]));
      for (const [bucket, { stored: rolled, fromHistory }] of [
        ['hour', hourly],
        ['day', daily],
      ] as const) {
        expect({ kind, bucket, rows: ours(rolled) }).toEqual({ kind, bucket, rows: ours(fromHistory) });
      }
    }

    // 3b. Counted sessions carry the sums over history's points in (started_at, ended_at]; those a seal saw closed are counted.
    for (const { id, stored: own, history } of await sessionFigures(
      db,
      sessions.map((x) => x.id!),
    )) {
      const counted = own.ac !== null && own.dc !== null;
      if (closedAtSeal.has(id)) expect({ id, counted }).toEqual({ id, counted: true });
      if (counted) expect({ id, ...own }).toEqual({ id, ...history });
    }

    // 3c. Each vehicle's efficiency over the window, alone and in the fleet list, as sums over history's points.
    const window = { from: at(s.window[0]), to: at(s.window[1]) };
    const settings = {
      interval: rules.interval,
      minCoverage: t.config.analytics.minCoverage,
      threshold: t.config.analytics.efficiencyAlertThreshold,
    };
    const [listed, answers, expected] = await Promise.all([
      fleetList(t, window),
      Promise.all(ids.vehicles.map((id) => request(t.app).get(`/v1/analytics/performance/${id}`).query(window))),
      Promise.all(ids.vehicles.map((id) => judgement(db, window, id, settings))),
    ]);
    ids.vehicles.forEach((vehicleId, i) => {
      const res = answers[i];
      if (res.status === 404) {
        // Only a vehicle none of whose readings arrived is unknown.
        expect({ vehicleId, sent: items.some((item) => item.id === vehicleId) }).toEqual({ vehicleId, sent: false });
      } else {
        expect({ vehicleId, status: res.status }).toEqual({ vehicleId, status: 200 });
        expect({ vehicleId, ...judged(res.body as Judgement) }).toEqual({ vehicleId, ...expected[i].judgement });
      }
      expect({ vehicleId, listed: listed.get(vehicleId) ?? null }).toEqual({
        vehicleId,
        listed: expected[i].listed ? expected[i].judgement : null,
      });
    });
  } catch (error) {
    if (error instanceof Error) error.message += `\n\nWhat was done, in order:\n  ${log.join('\n  ')}`;
    throw error;
  }
}

/**
 * A scenario this property failed on at b1b0681, kept as an example both properties run first: a
 * registered device's first register readings, stored together with none of its readings before or
 * after them, took the service's READING_INTERVAL_SECONDS for `bridged` instead of the device's own
 * interval (the neighbours read lost the device's row when it found no reading; a47f61d keeps it).
 * Two readings 120 s apart of a vehicle that reports every 120 s, in one batch: nothing was lost
 * between them, so `bridged` is 0, not 1 (or 3 with a 30 s setting).
 */
const stepOf = (change: Scenario['meters'][number]['steps'][number]['change'], gap = 0) => ({
  gap,
  change,
  plain: false,
  sent: undefined,
  fate: { lost: false, late: false, order: 0, copy: undefined },
});
const FIRST_BATCH_OF_A_REGISTERED_DEVICE: Scenario = {
  meters: [{ registered: 'no', start: 0, initial: 0, wh: true, steps: [stepOf({ kind: 'rise', share: 0 })] }],
  vehicles: [
    {
      registered: 120,
      start: 0,
      initial: 10,
      wh: true,
      steps: [stepOf({ kind: 'rise', share: 0 }), stepOf({ kind: 'rise', share: 0.5 }, 120_000)],
    },
  ],
  sessions: [],
  chunks: [{ size: 3, mode: 'batch', route: 'typed', together: false }],
  sealOnTime: null,
  sealLate: null,
  countedAtEnd: false,
  window: [-2 * HOUR, 6 * HOUR],
};

/**
 * Found by this property at 5cf39c8 (still so at 355cc17): a register reading its request lost as a
 * duplicate still served as the base of the readings after it. A device with no live row yet sends the
 * batch [T: register 100, T + 60 s: register 101] while its plain reading at T (a copy without the
 * register) is posted at the same moment; the plain writer takes no device lock. When the plain copy
 * is stored first, the batch's T is a duplicate, yet T + 60 s had been derived from it: energy 1,
 * where as the device's first register reading it stores 0 (and `bridged` 0). Each device of this
 * example races so, all eight requests at once: most runs, one of them loses (the last test below
 * holds the race still, so that it always does).
 */
const racing = (k: number): Scenario['meters'][number] => ({
  registered: 'no',
  start: k * 30_000,
  initial: 100,
  wh: true,
  steps: [
    {
      ...stepOf({ kind: 'rise', share: 0 }),
      fate: { lost: false, late: false, order: 3 * k + 1, copy: { late: false, order: 3 * k, conflicting: 'plain' } },
    },
    {
      ...stepOf({ kind: 'rise', share: 0.2 }, 60_000),
      fate: { lost: false, late: false, order: 3 * k + 2, copy: undefined },
    },
  ],
});
/** Four devices, each with its plain reading and its batch sent at once, all eight requests together. */
const PLAIN_COPY_STORED_FIRST: Scenario = {
  meters: [racing(0), racing(1)],
  vehicles: [racing(2), racing(3)],
  sessions: [],
  chunks: [
    { size: 1, mode: 'batch', route: 'typed', together: true },
    { size: 2, mode: 'batch', route: 'typed', together: true },
  ],
  sealOnTime: null,
  sealLate: null,
  countedAtEnd: false,
  window: [-2 * HOUR, 6 * HOUR],
};

/**
 * A failing scenario is shrunk for at most this long, each run taking up to a second: past it, every
 * further candidate is passed over, so the smallest failing scenario found by then is reported (with
 * its seed and path to replay it) well before the test's timeout.
 */
const SHRINKING_MS = 60_000;
function shrinkingBounded(property: (s: Scenario) => Promise<void>): (s: Scenario) => Promise<void> {
  let failed: number | undefined;
  return async (s) => {
    if (failed !== undefined && Date.now() - failed > SHRINKING_MS) return;
    try {
      await property(s);
    } catch (error) {
      failed ??= Date.now();
      throw error;
    }
  };
}

describe('energy registers against a plain SQL walk over history', () => {
  it('hold with counters rolling over at 1,000 kWh and 150 kW at most', async () => {
    const rules: Rules = { interval: 60, maxPowerKw: 150, dipShare: 0.1, rolloverKwh: 1_000 };
    const t = await app({ REGISTER_ROLLOVER_KWH: '1000', MAX_POWER_KW: '150' });
    await fc.assert(
      fc.asyncProperty(
        scenario(rules),
        shrinkingBounded((s) => check(t, rules, s)),
      ),
      { numRuns: 30, examples: [[FIRST_BATCH_OF_A_REGISTERED_DEVICE], [PLAIN_COPY_STORED_FIRST]] },
    );
    await expectRollupsExact(t.db.dataSource);
  }, 300_000);

  it('hold with counters that never roll over, dips up to 30 % and a 30 s reading interval', async () => {
    const rules: Rules = { interval: 30, maxPowerKw: 1_000, dipShare: 0.3 };
    const t = await app({ REGISTER_DIP_SHARE: '0.3', READING_INTERVAL_SECONDS: '30' });
    await fc.assert(
      fc.asyncProperty(
        scenario(rules),
        shrinkingBounded((s) => check(t, rules, s)),
      ),
      { numRuns: 15, examples: [[FIRST_BATCH_OF_A_REGISTERED_DEVICE], [PLAIN_COPY_STORED_FIRST]] },
    );
    await expectRollupsExact(t.db.dataSource);
  }, 300_000);

  it('derive no reading from one its request lost to a plain copy stored first (PLAIN_COPY_STORED_FIRST, held still)', async () => {
    const rules: Rules = { interval: 60, maxPowerKw: 1_000, dipShare: 0.1 };
    const t = await app();
    const db = t.db.dataSource;
    const id = uniqueId('REGP-M');
    // A plain POST of the meter's reading at T, caught in flight: its row written, its transaction open.
    const plain = db.createQueryRunner();
    await plain.startTransaction();
    try {
      await plain.query(
        `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage) VALUES ($1, $2, 0.5, 230)`,
        [id, at(0)],
      );
      const batch = request(t.app)
        .post('/v1/ingestion/batch')
        .send([
          { meterId: id, kwhRegisterAc: 100, voltage: 230, timestamp: at(0) },
          { meterId: id, kwhRegisterAc: 101, voltage: 230, timestamp: at(60_000) },
        ])
        .then((res) => res);
      // The batch's insert at T waits for the plain row; then the plain POST commits.
      for (let waited = 0; ; waited += 20) {
        const [{ waiting }] = await db.query<Array<{ waiting: number }>>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (waiting > 0) break;
        if (waited > 4_000) throw new Error('the batch never waited for the plain reading');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await plain.commitTransaction();
      expect((await batch).body).toMatchObject({ stored: 1, duplicates: 1 });
    } finally {
      if (plain.isTransactionActive) await plain.rollbackTransaction();
      await plain.release();
    }
    // T is a plain reading, so T + 60 s is the meter's first register reading: energy 0, base 101.
    const rows = await recomputed(db, 'meter', [id], [], rules);
    expect(rows.map((r) => r.stored)).toEqual(rows.map((r) => r.walked));
  });
});
