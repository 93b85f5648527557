import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { main } from '../../tools/simulator/simulate.cli';
import { servedTestApp } from '../support/listening';

const served = servedTestApp();

const DAY_MS = 86_400_000;
// The alarm check looks for the evidence of a suspect over the month before now, so the runs are recent.
const daysAgo = (days: number) => new Date((Math.floor(Date.now() / DAY_MS) - days) * DAY_MS).toISOString();

/**
 * The timers of a served service (src/server.ts), which the test app leaves out: the rollup seal counts
 * the closed sessions, then the alarm check judges them, over and over until stopped.
 */
function serviceTimers(): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await served.t.services.rollups.seal();
      await served.t.services.alarmCheck.check();
      await sleep(200);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

/**
 * A day of a depot with a quarter of its vans faulty, and a report that waits for the alarms the timers
 * raise meanwhile: unchanged for a few seconds, several rounds of the timers, they are final.
 */
async function depotDay(prefix: string, days: number, extra: string[] = []) {
  const out = new PassThrough();
  let printed = '';
  out.on('data', (chunk) => (printed += chunk));
  const stopTimers = serviceTimers();
  try {
    const outcome = await main(
      [
        ...['--url', served.url, '--as-fast-as-possible', '--prefix', prefix, '--start', daysAgo(days)],
        ...['--duration', '1d', '--meters', '8', '--vehicles', '12', '--faulty', '25%', '--seed', '21'],
        ...['--report', '--alarm-wait', '3s', ...extra],
      ],
      out,
      {},
      new PassThrough(),
    );
    return { ...outcome, printed };
  } finally {
    await stopTimers();
  }
}

const faultyVans = ({ result }: Awaited<ReturnType<typeof depotDay>>) =>
  result!.vehicles.filter((vehicle) => vehicle.faulty).map((vehicle) => vehicle.vehicleId);

describe('the simulator’s faulty vans, alarmed by the service', () => {
  it.each([
    ['no reading lost', 'ALARM0', 8, '0'],
    ['2 % of the readings lost', 'ALARM2', 7, '0.02'],
  ])(
    'with %s, raises a low-efficiency alarm for every faulty van and none for a healthy one',
    async (_, prefix, days, loss) => {
      const run = await depotDay(prefix, days, ['--loss', loss]);
      const { exitCode, alarms, result, printed } = run;
      const faulty = faultyVans(run);
      expect(faulty.length).toBeGreaterThan(0);
      expect(result!.readings.dropped > 0).toBe(loss !== '0');
      expect(alarms!).toMatchObject({
        alarmed: faulty,
        missed: [],
        unjudged: [],
        wronglyAlarmed: [],
        onFaultyChargers: [],
        wait: { settled: true },
      });
      expect(printed).toContain('alarms exactly the vehicles the complete sessions give away');
      expect(exitCode).toBe(0);
    },
    60_000,
  );

  it('with a third of the readings lost, alarms no healthy van, and says the faulty ones could not be judged', async () => {
    const run = await depotDay('ALARM30', 6, ['--loss', '0.3']);
    const { exitCode, alarms, printed } = run;
    expect(alarms!).toMatchObject({ wronglyAlarmed: [], onFaultyChargers: [], missed: [], unjudged: faultyVans(run) });
    expect(printed).toMatch(/faulty vehicles with fewer than 2 complete sessions, so not judged: \S+-V\d+ \(\d\)/);
    expect(exitCode).toBe(0);
  }, 60_000);
});

describe('the simulator’s faulty chargers, alarmed through the vans they feed', () => {
  let run: Awaited<ReturnType<typeof depotDay>>;
  beforeAll(async () => {
    run = await depotDay('ALARMCH', 5, ['--faulty-chargers', '25%']);
  }, 60_000);

  it('alarms every faulty van, and healthy vans only after sessions on faulty chargers alone', () => {
    expect(run.alarms!).toMatchObject({ alarmed: faultyVans(run), missed: [], unjudged: [], wronglyAlarmed: [] });
    expect(run.alarms!.onFaultyChargers.length).toBeGreaterThan(0);
    expect(run.printed).toMatch(/healthy vehicles alarmed: wrongly 0 · after faulty chargers only [1-9]/);
  });

  it('suspects the charger in the alarms of those healthy vans', () => {
    expect(run.alarms!.chargerNotSuspected).toEqual([]);
    expect(run.exitCode).toBe(0);
  });
});
