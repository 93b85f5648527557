import { INTERVAL_MS, type WireReading } from '../simulator/fleet-model';
import type { SimulatorClient } from '../simulator/simulator.client';

/** One charging session written the way devices and a depot's back office would: a session and readings. */
export interface Charge {
  vehicleId: string;
  meterId: string;
  /** Plug-in; readings follow each minute after it, up to and including the last. */
  start: Date;
  minutes: number;
  /** AC the meter counts a minute. */
  acKwh: number;
  /** DC reaching the battery a minute; below `acKwh` by what the charging path loses. */
  dcKwh: number;
  /** The vehicle's modem gets through only every n-th minute: its readings (and their DC) go missing. */
  vehicleEvery?: number;
  /** The vehicle is still plugged in: the session is left open. */
  open?: boolean;
  /** Minutes before the session the vehicle reports while parked, delivering no DC. */
  parkedBefore?: number;
  /** Minutes after the session it does the same. */
  parkedAfter?: number;
}

const at = (start: Date, minute: number) => new Date(start.getTime() + minute * INTERVAL_MS).toISOString();

const FIRST_SOC = 40;
const SOC_PER_MINUTE = 0.9;

const parked = (vehicleId: string, soc: number, timestamp: string): WireReading => ({
  vehicleId,
  soc,
  kwhDeliveredDc: 0,
  batteryTemp: 22,
  timestamp,
});

function readings(charge: Charge): WireReading[] {
  const {
    vehicleId,
    meterId,
    start,
    minutes,
    acKwh,
    dcKwh,
    vehicleEvery = 1,
    parkedBefore = 0,
    parkedAfter = 0,
  } = charge;
  const sent: WireReading[] = [];
  for (let minute = 1 - parkedBefore; minute <= 0; minute++) sent.push(parked(vehicleId, FIRST_SOC, at(start, minute)));
  for (let minute = 1; minute <= minutes; minute++) {
    const timestamp = at(start, minute);
    sent.push({ meterId, kwhConsumedAc: acKwh, voltage: 398.5, timestamp });
    if (minute % vehicleEvery !== 0) continue;
    const soc = FIRST_SOC + minute * SOC_PER_MINUTE;
    sent.push({ vehicleId, soc, kwhDeliveredDc: dcKwh, batteryTemp: 24 + minute * 0.1, timestamp });
  }
  const full = FIRST_SOC + minutes * SOC_PER_MINUTE;
  for (let minute = 1; minute <= parkedAfter; minute++) sent.push(parked(vehicleId, full, at(start, minutes + minute)));
  return sent;
}

/** Opens the session, sends its readings and closes it unless it is still going on; throws on any refusal. */
export async function charge(client: SimulatorClient, charge: Charge): Promise<void> {
  const { vehicleId, meterId, start, minutes } = charge;
  const session = await client.openSession(vehicleId, meterId, start);
  if (!session.ok) throw new Error(`opening a session of ${vehicleId} at ${meterId} failed: ${session.status}`);
  const sent = readings(charge);
  const batch = await client.postBatch(sent);
  if (!batch.ok || batch.body.stored !== sent.length) throw new Error(`storing the readings of ${vehicleId} failed`);
  if (charge.open) return;
  const closed = await client.closeSession(session.body.id, new Date(start.getTime() + minutes * INTERVAL_MS));
  if (!closed.ok) throw new Error(`closing the session of ${vehicleId} at ${meterId} failed: ${closed.status}`);
}
