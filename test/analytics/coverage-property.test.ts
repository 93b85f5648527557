import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import request from 'supertest';
import { RollupRepository } from '../../src/analytics/rollup.repository';
import { createTestApp, type TestApp } from '../support/test-app';
import { uniqueId } from '../support/factories';
import { fleetMembers, judged, judgement, type Judgement, type Settings } from './coverage-oracle';
import { accepted, HOUR, readings, scenario, type Scenario, type Session } from './coverage-scenario';

/**
 * Coverage and the flags it raises decide whether a low ratio is a fault or missing data. Whatever the
 * fleet did (sessions shared between meters, ongoing ones, lost, late and repeated readings, devices
 * with their own interval) and however far the rollups were sealed, every vehicle's coverage, flags,
 * ratio and low mark must be what the contract's definitions give over history (coverage-oracle.ts).
 */
let t: TestApp;
let settings: Settings;
beforeAll(async () => {
  t = await createTestApp();
  settings = {
    interval: t.config.analytics.readingIntervalSeconds,
    minCoverage: t.config.analytics.minCoverage,
    threshold: t.config.analytics.efficiencyAlertThreshold,
  };
  // Nothing sealed from the first run's day on: each run seals, or not, its own hours.
  await t.db.dataSource.query(`UPDATE rollup_seal SET hours_until = $1, days_until = $1`, [
    new Date(FIRST - 20 * HOUR),
  ]);
});
afterAll(() => t.close());

const DAY = 24 * HOUR;
/**
 * A past run's fleet reports for about six hours from 20:00 of its own day, across its midnight. Runs
 * start years back, so that a long shrink never reaches readings too far in the future to be taken.
 */
const FIRST = Date.parse('2021-04-01T20:00:00.000Z');
const RUN_STRIDE = 2 * DAY;
const wholeHour = (ms: number) => ms - (ms % HOUR);

/**
 * Whether a span's newest reading may still be on its way depends on now(), which moves between the
 * answer and its judgement: the answer must be the judgement just before it or the one just after.
 */
const either = (answer: Judgement, before: Judgement, after: Judgement) =>
  isDeepStrictEqual(answer, after) ? after : before;

async function check(s: Scenario, origin: number) {
  const at = (ms: number) => new Date(origin + ms).toISOString();
  const rollups = new RollupRepository(t.db.dataSource, t.config.db.lockTimeoutMs);
  const vehicleIds = s.vehicles.map(() => uniqueId('COVP-V'));
  const meterIds = s.meters.map(() => uniqueId('COVP-M'));
  const devices = [
    ...s.vehicles.map((d, i) => ({ d, id: vehicleIds[i], kind: 'vehicle' as const })),
    ...s.meters.map((d, i) => ({ d, id: meterIds[i], kind: 'meter' as const })),
  ];
  for (const { d, id, kind } of devices) {
    if (d.registered === 'no') continue;
    const reportingIntervalSeconds = d.registered === 'default' ? undefined : d.registered;
    await request(t.app).post('/v1/devices').send({ id, kind, reportingIntervalSeconds }).expect(201);
  }
  const sessions = accepted(s.sessions, vehicleIds.length, meterIds.length);
  const writeSessions = async () => {
    for (const x of sessions) {
      const body = { vehicleId: vehicleIds[x.vehicle], meterId: meterIds[x.meter], startedAt: at(x.start * 1000) };
      const endedAt = x.end === 'closed' ? { endedAt: at(x.stop * 1000) } : {};
      x.id = (
        await request(t.app)
          .post('/v1/charging-sessions')
          .send({ ...body, ...endedAt })
          .expect(201)
      ).body.id;
    }
  };
  const end = (x: Session, stop: number) =>
    request(t.app)
      .patch(`/v1/charging-sessions/${x.id}`)
      .send({ endedAt: at(stop) })
      .expect(200);
  const ingest = async (batch: object[]) => {
    if (batch.length > 0) await request(t.app).post('/v1/ingestion/batch').send(batch).expect(201);
  };
  const batches = readings(s, devices, at);

  if (s.sessionsWritten === 'first') await writeSessions();
  await ingest(batches[0]);
  if (s.sealedHour !== null) {
    const hours = wholeHour(origin + s.sealedHour * HOUR);
    await rollups.seal(new Date(hours), new Date(hours - (hours % DAY)));
  }
  if (s.sessionsWritten === 'between') await writeSessions();
  await ingest(batches[1]);
  if (s.sessionsWritten === 'last') await writeSessions();
  for (const x of sessions) if (x.end === 'later') await end(x, x.stop * 1000);
  if (s.countedAtEnd) {
    // Sealed hours are not sealed again: this only counts the closed sessions that have no energy yet.
    const hours = wholeHour(origin - 20 * HOUR);
    await rollups.seal(new Date(hours), new Date(hours - (hours % DAY)));
  }

  const window = { from: at(s.window[0]), to: at(s.window[1]) };
  const expected = (vehicleId: string, meterId: string | null, judgedBy = settings) =>
    judgement(t.db.dataSource, window, vehicleId, meterId, judgedBy);
  // A meter that never reported stands for the charger all the same: no AC, nothing covered.
  const silent = uniqueId('COVP-M');
  for (const vehicleId of vehicleIds) {
    for (const meterId of [null, ...meterIds, silent]) {
      const before = await expected(vehicleId, meterId);
      const res = await request(t.app)
        .get(`/v1/analytics/performance/${vehicleId}`)
        .query(meterId === null ? window : { ...window, meterId });
      if (res.status === 404) {
        // Only a vehicle none of whose readings arrived is unknown.
        expect(batches.flat().some((r) => 'vehicleId' in r && r.vehicleId === vehicleId)).toBe(false);
        continue;
      }
      expect(res.status).toBe(200);
      const answer = judged(res.body);
      const after = await expected(vehicleId, meterId);
      expect({ vehicleId, meterId, ...answer }).toEqual({ vehicleId, meterId, ...either(answer, before, after) });
    }
  }

  const fleetSettings = { ...settings, threshold: s.threshold ?? settings.threshold };
  const members = await fleetMembers(t.db.dataSource, window);
  const before = new Map<string, Judgement>();
  for (const vehicleId of members) before.set(vehicleId, await expected(vehicleId, null, fleetSettings));
  const page = await request(t.app)
    .get('/v1/analytics/fleet/efficiency')
    .query({ ...window, limit: '1000', ...(s.threshold === undefined ? {} : { threshold: s.threshold }) })
    .expect(200);
  const listed = page.body.vehicles as Array<Judgement & { vehicleId: string }>;
  expect(listed.map((v) => v.vehicleId).sort()).toEqual(members);
  for (const item of listed) {
    const answer = judged(item);
    const after = await expected(item.vehicleId, null, fleetSettings);
    expect({ vehicleId: item.vehicleId, ...answer }).toEqual({
      vehicleId: item.vehicleId,
      ...either(answer, before.get(item.vehicleId) as Judgement, after),
    });
  }
  // Ongoing sessions end after the run, so that a past run's window sees none of an earlier one.
  for (const x of sessions) if (x.end === 'ongoing') await end(x, 8 * HOUR);
}

describe('coverage, data-quality flags and the low mark against a plain SQL over history', () => {
  it('agree for every vehicle, with and without a meter, and in the fleet list, on past days', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, (s) => check(s, FIRST + run++ * RUN_STRIDE)),
      { numRuns: 25 },
    );
  }, 300_000);

  it('agree just now, where the newest reading of a span ending less than an interval ago is not owed yet', async () => {
    // The window's latest end is half a minute ago; these runs share the last day, each with its own devices.
    await fc.assert(
      fc.asyncProperty(scenario, (s) => check(s, Date.now() - 7 * HOUR - 30_000)),
      { numRuns: 6 },
    );
  }, 120_000);
});
