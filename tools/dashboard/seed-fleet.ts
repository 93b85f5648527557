import { INTERVAL_MS, type WireReading } from '../simulator/fleet-model';
import { runSimulation } from '../simulator/simulate';
import { SimulatorClient } from '../simulator/simulator.client';

export interface SeededFleet {
  /** The simulated vehicles that lose energy on their charging path; each charged, so each is flagged. */
  faulty: string[];
  /** A vehicle whose meter counted less AC than it reported DC (a data-quality problem), charging now. */
  implausible: string;
  vehicles: string[];
  meters: string[];
}

const PREFIX = 'DEMO';
const MINUTES = 120;
// A seed whose faulty vehicle plugs in during the two hours, as the simulator's own end-to-end test knows.
const SEED = 11;
const IMPLAUSIBLE_MINUTES = 40;

/**
 * A small fleet for the dashboard's test and screenshot, sent through the API like real devices: two
 * simulated hours of 5 meters and 5 vehicles (one faulty) ending now, and one more vehicle charging
 * now whose meter counts less than the battery takes, which no charger can do.
 */
export async function seedFleet(baseUrl: string, apiKey?: string): Promise<SeededFleet> {
  const client = new SimulatorClient({ baseUrl, apiKey });
  const now = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
  const result = await runSimulation(client, {
    fleet: {
      meters: 5,
      vehicles: 5,
      faultyShare: 0.2,
      start: new Date(now - MINUTES * INTERVAL_MS),
      minutes: MINUTES,
      prefix: PREFIX,
    },
    disorder: { lateShare: 0, retryShare: 0 },
    seed: SEED,
    pace: { kind: 'unpaced' },
    mode: 'batch',
    batchSize: 500,
    concurrency: 4,
  });
  if (result.stoppedEarly || result.failures.size > 0) {
    throw new Error(`seeding failed: ${result.stoppedEarly ?? JSON.stringify([...result.failures])}`);
  }

  const implausible = `${PREFIX}-V900`;
  const meterId = `${PREFIX}-M900`;
  const started = new Date(now - IMPLAUSIBLE_MINUTES * INTERVAL_MS);
  const session = await client.openSession(implausible, meterId, started);
  if (!session.ok) throw new Error(`opening the session of ${implausible} failed: ${session.status}`);
  const readings: WireReading[] = [];
  for (let minute = 1; minute <= IMPLAUSIBLE_MINUTES; minute++) {
    const timestamp = new Date(started.getTime() + minute * INTERVAL_MS).toISOString();
    readings.push({ meterId, kwhConsumedAc: 0.5, voltage: 398.5, timestamp });
    readings.push({
      vehicleId: implausible,
      soc: 40 + minute * 0.9,
      kwhDeliveredDc: 0.8,
      batteryTemp: 24 + minute * 0.1,
      timestamp,
    });
  }
  const batch = await client.postBatch(readings);
  if (!batch.ok || batch.body.stored !== readings.length)
    throw new Error(`storing the readings of ${implausible} failed`);

  const vehicles = result.vehicles.map((vehicle) => vehicle.vehicleId);
  return {
    faulty: result.vehicles.filter((vehicle) => vehicle.faulty).map((vehicle) => vehicle.vehicleId),
    implausible,
    vehicles: [...vehicles, implausible],
    meters: [...new Set(result.vehicles.map((vehicle) => vehicle.meterId)), meterId],
  };
}
