import { INTERVAL_MS } from '../simulator/fleet-model';
import { runSimulation } from '../simulator/simulate';
import { SimulatorClient } from '../simulator/simulator.client';
import { charge, type Charge } from './seed-charging';

export interface SeededFleet {
  /** The simulated vehicles that lose energy on their charging path; each charged, so each is flagged. */
  faulty: string[];
  /** A vehicle whose meter counted less AC than it reported DC (a data-quality problem), charging now. */
  implausible: string;
  /**
   * A vehicle whose modem lost half its readings in its one session: too few to judge, however low its
   * ratio. The session sits in one chart bucket between parked ones, so its ratio is a lone point.
   */
  incomplete: string;
  /** The meter both `implausible` and `incomplete` charged at, one after the other. */
  sharedMeter: string;
  /** A charger losing energy: two vehicles are low on it, and one of them is fine on another meter. */
  chargerSuspect: { meterId: string; vehicles: string[] };
  /** A vehicle whose readings all fall in one bucket of its charts. */
  oneBucket: string;
  vehicles: string[];
  meters: string[];
}

const PREFIX = 'DEMO';
const MINUTES = 120;
// A seed whose faulty vehicle plugs in during the two hours, as the simulator's own end-to-end test knows.
const SEED = 11;
// The charts' bucket over 24 hours or 7 days: a session placed inside one stays one point on the chart.
const BUCKET_MS = 15 * INTERVAL_MS;
const SESSION_MINUTES = 10;
const AC_KWH = 0.5;
const IMPLAUSIBLE_MINUTES = 40;
const PARKED_BEFORE_MINUTES = 20 * 60;

/**
 * A small fleet for the dashboard's test and screenshot, sent through the API like real devices: two
 * simulated hours of 5 meters and 5 vehicles (one faulty) ending now, then a few vehicles written by hand,
 * where the tests must know which vehicle shows what: a meter counting less than the battery takes (no
 * simulated charger does that), a modem losing readings and a charger losing energy, each in the last two
 * hours and placed in the charts' buckets.
 */
export async function seedFleet(baseUrl: string, apiKey?: string): Promise<SeededFleet> {
  const client = new SimulatorClient({ baseUrl, apiKey });
  const now = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
  const result = await runSimulation(client, {
    fleet: {
      meters: 5,
      vehicles: 5,
      faultyShare: 0.2,
      faultyChargerShare: 0,
      start: new Date(now - MINUTES * INTERVAL_MS),
      minutes: MINUTES,
      prefix: PREFIX,
    },
    disorder: { lateShare: 0, retryShare: 0, lossShare: 0 },
    seed: SEED,
    pace: { kind: 'unpaced' },
    mode: 'batch',
    batchSize: 500,
    concurrency: 4,
  });
  if (result.stoppedEarly || result.failures.size > 0) {
    throw new Error(`seeding failed: ${result.stoppedEarly ?? JSON.stringify([...result.failures])}`);
  }

  // Two minutes into the chart bucket `ago` buckets before the current one, so a session stays inside it.
  const bucket = (ago: number) => new Date((Math.floor(now / BUCKET_MS) - ago) * BUCKET_MS + 2 * INTERVAL_MS);
  const [implausible, incomplete, lowTwice, lowOnce] = ['V900', 'V901', 'V902', 'V903'].map((id) => `${PREFIX}-${id}`);
  const [sharedMeter, losing, healthy] = ['M900', 'M901', 'M902'].map((id) => `${PREFIX}-${id}`);
  const charges: Charge[] = [
    {
      vehicleId: incomplete,
      meterId: sharedMeter,
      start: bucket(6),
      dcKwh: 0.45,
      vehicleEvery: 2,
      // Reporting all day, so that its chart is dense with buckets and the session's ratio has no line to join.
      parkedBefore: PARKED_BEFORE_MINUTES,
      parkedAfter: 30,
    },
    { vehicleId: lowTwice, meterId: losing, start: bucket(5), dcKwh: 0.35 },
    { vehicleId: lowOnce, meterId: losing, start: bucket(4), dcKwh: 0.35 },
    { vehicleId: lowTwice, meterId: healthy, start: bucket(3), dcKwh: 0.46 },
  ].map((session) => ({ minutes: SESSION_MINUTES, acKwh: AC_KWH, ...session }));
  // Still charging, and taking more DC than its meter counts AC, which no charger can do.
  const start = new Date(now - IMPLAUSIBLE_MINUTES * INTERVAL_MS);
  charges.push({
    vehicleId: implausible,
    meterId: sharedMeter,
    start,
    minutes: IMPLAUSIBLE_MINUTES,
    acKwh: AC_KWH,
    dcKwh: 0.8,
    open: true,
  });
  // In turn: a vehicle opens its next session only once the one before is closed.
  for (const session of charges) await charge(client, session);

  const vehicles = result.vehicles.map((vehicle) => vehicle.vehicleId);
  return {
    faulty: result.vehicles.filter((vehicle) => vehicle.faulty).map((vehicle) => vehicle.vehicleId),
    implausible,
    incomplete,
    sharedMeter,
    chargerSuspect: { meterId: losing, vehicles: [lowTwice, lowOnce] },
    oneBucket: lowOnce,
    vehicles: [...vehicles, implausible, incomplete, lowTwice, lowOnce],
    meters: [...result.chargers.map((charger) => charger.meterId), sharedMeter, losing, healthy],
  };
}
