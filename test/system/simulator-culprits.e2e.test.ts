import { PassThrough } from 'node:stream';
import { main } from '../../tools/simulator/simulate.cli';
import { servedTestApp } from '../support/listening';

const served = servedTestApp();

/** A day of a depot with faulty vans and faulty chargers, vans moving between chargers, and a report. */
async function depotDay(prefix: string, start: string, extra: string[] = []) {
  const out = new PassThrough();
  let printed = '';
  out.on('data', (chunk) => (printed += chunk));
  const outcome = await main(
    [
      ...['--url', served.url, '--as-fast-as-possible', '--prefix', prefix, '--start', start, '--duration', '1d'],
      ...['--meters', '8', '--vehicles', '12', '--faulty', '25%', '--faulty-chargers', '25%', '--seed', '21'],
      // No timer raises alarms in the test app: simulator-alarms.e2e.test.ts runs them for the alarm check.
      ...['--report', '--no-alarms', ...extra],
    ],
    out,
    {},
    new PassThrough(),
  );
  return { ...outcome, printed };
}

describe('the simulator’s faulty vans and chargers, told apart by the service', () => {
  it('names every faulty charger and van that has the evidence, and no healthy one', async () => {
    const { exitCode, check, suspects, printed } = await depotDay('CUL', '2026-06-01T00:00:00Z');
    expect(printed).toContain('progress 100%');
    const { vehicles, chargers } = suspects!;
    expect(vehicles.faulty.length).toBeGreaterThan(0);
    expect(chargers.faulty.length).toBeGreaterThan(0);
    expect({ vehicles, chargers }).toMatchObject({
      vehicles: { missed: [], wronglyNamed: [] },
      chargers: { missed: [], wronglyNamed: [] },
    });
    // Every faulty device had the evidence: nobody was left unjudged, so the check says something.
    expect(vehicles.named.sort()).toEqual(vehicles.faulty.sort());
    expect(chargers.named.sort()).toEqual(chargers.faulty.sort());
    expect(check!).toMatchObject({ missed: [], unexpected: [], incomplete: [] });
    expect(exitCode).toBe(0);
  }, 180_000);

  it('with a third of the readings lost, flags no healthy vehicle and marks the affected ones incomplete', async () => {
    const { exitCode, check, result } = await depotDay('LOSS', '2026-06-03T00:00:00Z', ['--loss', '0.3']);
    expect(result!.readings.dropped).toBeGreaterThan(0);
    const healthy = new Set(result!.vehicles.filter((v) => !v.faulty).map((v) => v.vehicleId));
    expect(check!.flagged.filter((v) => healthy.has(v.vehicleId))).toEqual([]);
    expect(check!.incomplete.length).toBeGreaterThan(0);
    expect(check!.unexpected).toEqual([]);
    expect(exitCode).toBe(0);
  }, 180_000);
});
