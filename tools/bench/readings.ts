import type { Reading, ReadingType } from '../../src/ingestion/ingestion.dto';
import type { MeterReadingBody, VehicleReadingBody } from '../shared/reading-bodies';

export type ReadingBody = MeterReadingBody | VehicleReadingBody;

/** Devices per type: enough that concurrent writers rarely meet on one live row, few enough that live rows get updated. */
export const FLEET = 10_000;

const meterId = (device: number) => `M-${device}`;
const vehicleId = (device: number) => `V-${device}`;

/**
 * Every reading of a run is new: the fleet reports round after round, one simulated second apart,
 * so history only grows and the live upsert moves rows forward as it would in production. The clock
 * starts a day back so that no run comes near the service's clock-skew limit.
 */
export class ReadingSource {
  private count = 0;
  private readonly start = Date.now() - 24 * 3_600_000;

  body(): ReadingBody {
    const k = this.count++;
    const device = Math.floor(k / 2) % FLEET;
    const timestamp = new Date(this.start + Math.floor(k / (2 * FLEET)) * 1_000).toISOString();
    if (k % 2 === 0) {
      return { meterId: meterId(device), kwhConsumedAc: (k % 500) / 100, voltage: 228 + (k % 5), timestamp };
    }
    return {
      vehicleId: vehicleId(device),
      soc: k % 100,
      kwhDeliveredDc: (k % 700) / 100,
      batteryTemp: 20 + (k % 15),
      timestamp,
    };
  }

  bodies(n: number): ReadingBody[] {
    return Array.from({ length: n }, () => this.body());
  }

  /** Readings as the service has them after validation, for the writers that skip HTTP. */
  readings(n: number): Reading[] {
    return this.bodies(n).map((body) =>
      'meterId' in body
        ? { type: 'meter', ...body, timestamp: new Date(body.timestamp) }
        : { type: 'vehicle', ...body, timestamp: new Date(body.timestamp) },
    );
  }
}

export const ingestionPath = (body: ReadingBody): string =>
  'meterId' in body ? '/v1/ingestion/meter' : '/v1/ingestion/vehicle';

/** Every device a ReadingSource reports for, with its kind: what a bench registers when the service must know them. */
export const fleetDevices = (): Array<{ id: string; kind: ReadingType }> =>
  Array.from({ length: FLEET }, (_, device) => [
    { id: meterId(device), kind: 'meter' as const },
    { id: vehicleId(device), kind: 'vehicle' as const },
  ]).flat();

export const deviceOf = (body: ReadingBody): string => ('meterId' in body ? body.meterId : body.vehicleId);
