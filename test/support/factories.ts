import { randomUUID } from 'node:crypto';
import type { MeterReadingBody, VehicleReadingBody } from '../../tools/shared/reading-bodies';

let sequence = 0;

/** A device id no other test uses, so rows can be counted per test without cleaning up. */
export function uniqueId(prefix: string): string {
  sequence += 1;
  return `${prefix}-${sequence}-${randomUUID().slice(0, 8)}`;
}

/** A reading time in the recent past, `minutesAgo` before a fixed hour of today. */
export function minutesAgo(minutes: number, from = new Date()): string {
  return new Date(from.getTime() - minutes * 60_000).toISOString();
}

export function meterReading(overrides: Partial<MeterReadingBody> = {}): MeterReadingBody {
  return { meterId: uniqueId('MTR'), kwhConsumedAc: 1.25, voltage: 230, timestamp: minutesAgo(10), ...overrides };
}

export function vehicleReading(overrides: Partial<VehicleReadingBody> = {}): VehicleReadingBody {
  return {
    vehicleId: uniqueId('VEH'),
    soc: 42.5,
    kwhDeliveredDc: 1.1,
    batteryTemp: 27.5,
    timestamp: minutesAgo(10),
    ...overrides,
  };
}

export interface ChargingSessionBody {
  vehicleId: string;
  meterId: string;
  startedAt: string;
  endedAt?: string;
}

export function chargingSession(overrides: Partial<ChargingSessionBody> = {}): ChargingSessionBody {
  return { vehicleId: uniqueId('VEH'), meterId: uniqueId('MTR'), startedAt: minutesAgo(60), ...overrides };
}

/**
 * A superagent serializer that sends bytes as they are (a JSON content type would otherwise encode the
 * Buffer object itself). Its types promise a string; at run time a Buffer is written unchanged.
 */
export const asBytes = (bytes: Buffer): string => bytes as unknown as string;
