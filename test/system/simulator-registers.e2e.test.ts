import { PassThrough } from 'node:stream';
import type { FleetVehicle } from '../../src/analytics/analytics.responses';
import { main } from '../../tools/simulator/simulate.cli';
import { fleetEfficiency } from '../../tools/simulator/service-reads';
import { SimulatorClient } from '../../tools/simulator/simulator.client';
import { listening } from '../support/listening';
import { createTestApp, type TestApp } from '../support/test-app';

// The counters' width the resetting run and its service agree on.
const WIDTH_KWH = 100_000;
const THRESHOLD = 0.85;

/** A service of the test file's own, over a database of its own, with these settings. */
function servedWith(overrides: Record<string, string>): { url: string } {
  const served = { url: '' };
  let app: TestApp | undefined;
  let server: Awaited<ReturnType<typeof listening>> | undefined;
  beforeAll(async () => {
    app = await createTestApp(overrides);
    server = await listening(app.app);
    served.url = server.url;
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
  });
  return served;
}

const plainService = servedWith({});
const rolloverService = servedWith({ REGISTER_ROLLOVER_KWH: String(WIDTH_KWH) });

/** Half a day of a small depot, a quarter of its vans faulty, the same fleet whatever the options. */
async function depot(url: string, prefix: string, start: string, extra: string[] = []) {
  const out = new PassThrough();
  let printed = '';
  out.on('data', (chunk) => (printed += chunk));
  const outcome = await main(
    [
      ...['--url', url, '--as-fast-as-possible', '--prefix', prefix, '--start', start, '--duration', '12h'],
      ...['--meters', '6', '--vehicles', '8', '--faulty', '25%', '--seed', '21'],
      // No timer raises alarms in the test app: simulator-alarms.e2e.test.ts runs them for the alarm check.
      ...['--report', '--no-alarms', ...extra],
    ],
    out,
    {},
    new PassThrough(),
  );
  return { ...outcome, printed };
}

type Run = Awaited<ReturnType<typeof depot>>;

/** A device id without the run's prefix, to tell the same device of two runs. */
const unprefixed = (id: string) => id.slice(id.lastIndexOf('-') + 1);

/** The run's vehicles in the fleet list over its period, by their id without the run's prefix. */
async function fleetList(url: string, run: Run): Promise<Map<string, FleetVehicle>> {
  const { from, to, vehicles } = run.result!;
  const answer = await fleetEfficiency(new SimulatorClient({ baseUrl: url }), from, to, THRESHOLD);
  if (!answer.ok) throw new Error(`the fleet list answered ${answer.status}`);
  const ours = new Set(vehicles.map((vehicle) => vehicle.vehicleId));
  return new Map(answer.body.filter((v) => ours.has(v.vehicleId)).map((v) => [unprefixed(v.vehicleId), v]));
}

/**
 * The largest difference between two runs' efficiency ratios, vehicle by vehicle. The list gives them to 3
 * decimals, so two true ratios a hair apart may come a thousandth apart.
 */
function maxRatioDifference(a: Map<string, FleetVehicle>, b: Map<string, FleetVehicle>): number {
  const differences = [...a].map(([id, vehicle]) => {
    const [x, y] = [vehicle.efficiencyRatio, b.get(id)?.efficiencyRatio ?? null];
    return x === null || y === null ? (x === y ? 0 : Infinity) : Math.abs(x - y);
  });
  return Math.max(...differences);
}

const flagged = (list: Map<string, FleetVehicle>) =>
  [...list].filter(([, vehicle]) => vehicle.lowEfficiency).map(([id]) => id);
const faulty = (run: Run) =>
  run.result!.vehicles.filter((vehicle) => vehicle.faulty).map(({ vehicleId }) => unprefixed(vehicleId));

describe('the simulator’s registers against the real service', () => {
  let plain: Run;
  let plainList: Map<string, FleetVehicle>;
  beforeAll(async () => {
    plain = await depot(plainService.url, 'REGPLAIN', '2026-07-01T00:00:00Z');
    plainList = await fleetList(plainService.url, plain);
  }, 120_000);

  it('flags exactly the faulty vans when nothing is lost, as the baseline to compare with', () => {
    expect(plain.exitCode).toBe(0);
    expect(faulty(plain).length).toBeGreaterThan(0);
    expect(flagged(plainList).sort()).toEqual(faulty(plain).sort());
    expect(plainList.size).toBe(8);
  });

  it('with a third of the readings lost, gives every van the lossless ratio from the registers, flagging the faulty only', async () => {
    const run = await depot(plainService.url, 'REGLOSS', '2026-07-02T00:00:00Z', ['--loss', '0.3', '--registers']);
    const { result, check, registers } = run;
    expect(result!.readings.dropped).toBeGreaterThan(0.25 * result!.readings.generated);
    // The sessions' last readings were lost on the link too, but queued and sent again.
    expect(result!.readings.queued).toBeGreaterThan(0);
    expect(result!.readings).toMatchObject({ rejected: 0, failed: 0 });

    const list = await fleetList(plainService.url, run);
    expect([...list.keys()].sort()).toEqual([...plainList.keys()].sort());
    expect(maxRatioDifference(plainList, list)).toBeLessThanOrEqual(0.001 + 1e-9);
    for (const [id, lossless] of plainList) {
      const vehicle = list.get(id)!;
      // A session's first and last readings always arrive, so no gap the service spreads crosses its
      // edges: every session has its DC and AC to the last decimal.
      expect(vehicle.totalKwhDeliveredDc).toBeCloseTo(lossless.totalKwhDeliveredDc, 6);
      expect(vehicle.totalKwhConsumedAc).toBeCloseTo(lossless.totalKwhConsumedAc, 6);
      expect(vehicle.dataQuality).toEqual([]);
    }
    expect(flagged(list).sort()).toEqual(faulty(run).sort());
    expect(check!).toMatchObject({ missed: [], unexpected: [], incomplete: [], registers: true, matches: true });

    expect(registers!).toMatchObject({ missingColumns: [], negative: [], beyond: [], energy: [], matches: true });
    expect(registers!.caused).toEqual({});
    expect(registers!.stored).toEqual({});
    expect(run.exitCode).toBe(0);
  }, 120_000);

  it('with resets, replacements and rollovers besides, derives no impossible interval and flags the faulty only', async () => {
    const run = await depot(rolloverService.url, 'REGRESET', '2026-07-03T00:00:00Z', [
      ...['--loss', '0.3', '--registers', '--resets', '0.3', '--register-width', String(WIDTH_KWH)],
    ]);
    const { result, registers } = run;
    // round(0.3 × 14) counters were given a fate, in turn, and each kind of event happened.
    expect(result!.registers!.fates.size).toBe(4);
    expect(Object.keys(registers!.caused).sort()).toEqual(['replaced', 'reset', 'rollover']);

    expect(registers!).toMatchObject({ missingColumns: [], negative: [], beyond: [] });
    // What a reset or replacement costs is idle energy only: every device is at what it counted otherwise.
    expect(registers!).toMatchObject({ energy: [], missedEvents: [], unexpectedEvents: [], matches: true });

    // Resets and replacements wait for a minute outside sessions, and a rollover loses nothing: the ratios
    // are the lossless run's all the same.
    const list = await fleetList(rolloverService.url, run);
    expect(maxRatioDifference(plainList, list)).toBeLessThanOrEqual(0.001 + 1e-9);
    expect(flagged(list).sort()).toEqual(faulty(run).sort());
    expect(run.check!).toMatchObject({ missed: [], unexpected: [], incomplete: [], matches: true });
    expect(run.exitCode).toBe(0);
  }, 120_000);
});
