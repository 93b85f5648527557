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

/** A meter's register reading as sent: the counter instead of the interval energy. */
export interface MeterRegisterBody extends Omit<MeterReadingBody, 'kwhConsumedAc' | 'kwhRegisterAc'> {
  kwhRegisterAc: number;
}

/** A vehicle's register reading as sent: the counter instead of the interval energy. */
export interface VehicleRegisterBody extends Omit<VehicleReadingBody, 'kwhDeliveredDc' | 'kwhRegisterDc'> {
  kwhRegisterDc: number;
}

export type RegisterBody = MeterRegisterBody | VehicleRegisterBody;

/** How often a register device reports: once a minute, the service's default reporting interval. */
export const REGISTER_INTERVAL_MS = 60_000;

/** A small seeded generator (mulberry32), so that every run sends the same fleet's readings. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface RegisterMeter {
  /** The counter in Wh, so that it only ever moves by whole steps; sent as kWh with 3 decimals. */
  wh: number;
  /** The premises' average demand, kW. */
  kw: number;
  /** Its fixed second within the minute: a fleet's clocks are not in step. */
  offsetMs: number;
}

interface RegisterVehicle {
  wh: number;
  /** The power of the charger it uses, kW, and the minutes left of the session under way (0: not charging). */
  chargerKw: number;
  charging: number;
  soc: number;
  capacityKwh: number;
  offsetMs: number;
}

/**
 * Register readings of a fleet of its own (RM-…, RV-…, FLEET of each): no plain reading ever falls
 * between two of its readings. Like ReadingSource, the fleet reports round after round, each device
 * once per round, but a round here is one minute: every device's readings come in time order, one
 * minute apart, so each is measured against the one before it and no stored reading is restated, as
 * from a fleet whose readings arrive on time. Each counter advances by what the device plausibly drew
 * or took in that minute: a meter its premises' demand (0.3 to 12 kW on average, ±40 % minute to
 * minute); a vehicle nothing while it drives or stands, and its charger's power (7 to 150 kW) during a
 * charging session of 15 to 60 minutes, which starts about once every two hours of simulated time.
 */
export class RegisterReadingSource {
  private count = 0;
  /** A whole minute a day back, as ReadingSource, so that no run comes near the clock-skew limit. */
  private readonly start = Math.floor((Date.now() - 24 * 3_600_000) / REGISTER_INTERVAL_MS) * REGISTER_INTERVAL_MS;
  private readonly random = seeded(0x5eed);
  private readonly meters: RegisterMeter[];
  private readonly vehicles: RegisterVehicle[];

  constructor() {
    const between = (low: number, high: number) => low + (high - low) * this.random();
    const offsetMs = () => Math.floor(this.random() * 60) * 1_000;
    this.meters = Array.from({ length: FLEET }, () => ({
      wh: Math.round(between(2_000, 90_000) * 1_000),
      kw: between(0.3, 12),
      offsetMs: offsetMs(),
    }));
    this.vehicles = Array.from({ length: FLEET }, () => ({
      wh: Math.round(between(500, 40_000) * 1_000),
      chargerKw: [7.4, 11, 22, 50, 150][Math.floor(this.random() * 5)],
      charging: 0,
      soc: Math.round(between(20, 90)),
      capacityKwh: [40, 60, 77, 100][Math.floor(this.random() * 4)],
      offsetMs: offsetMs(),
    }));
  }

  body(): RegisterBody {
    const k = this.count++;
    const device = Math.floor(k / 2) % FLEET;
    const minute = this.start + Math.floor(k / (2 * FLEET)) * REGISTER_INTERVAL_MS;
    // A device's first reading only sets its counter; every later one adds the minute before it.
    const first = k < 2 * FLEET;
    if (k % 2 === 0) {
      const meter = this.meters[device];
      if (!first) meter.wh += Math.round(((meter.kw * 1_000) / 60) * (0.6 + 0.8 * this.random()));
      const timestamp = new Date(minute + meter.offsetMs).toISOString();
      return { meterId: `RM-${device}`, kwhRegisterAc: meter.wh / 1_000, voltage: 228 + (k % 5), timestamp };
    }
    const vehicle = this.vehicles[device];
    if (!first) this.advance(vehicle);
    return {
      vehicleId: `RV-${device}`,
      soc: Math.round(vehicle.soc * 10) / 10,
      kwhRegisterDc: vehicle.wh / 1_000,
      batteryTemp: vehicle.charging > 0 ? 32 : 21,
      timestamp: new Date(minute + vehicle.offsetMs).toISOString(),
    };
  }

  bodies(n: number): RegisterBody[] {
    return Array.from({ length: n }, () => this.body());
  }

  /** A vehicle's minute: charging (the energy into its battery counted) or not, and its charge. */
  private advance(vehicle: RegisterVehicle): void {
    if (vehicle.charging === 0 && vehicle.soc < 80 && this.random() < 1 / 120) {
      vehicle.charging = 15 + Math.floor(this.random() * 46);
    }
    if (vehicle.charging > 0) {
      const wh = Math.round(((vehicle.chargerKw * 1_000) / 60) * (0.85 + 0.15 * this.random()));
      vehicle.wh += wh;
      vehicle.soc = Math.min(100, vehicle.soc + (wh / 1_000 / vehicle.capacityKwh) * 100);
      vehicle.charging = vehicle.soc >= 100 ? 0 : vehicle.charging - 1;
    } else {
      vehicle.soc = Math.max(5, vehicle.soc - 0.2 * this.random());
    }
  }
}
