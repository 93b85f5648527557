import type { MeterReadingDto, VehicleReadingDto } from '../../src/ingestion/ingestion.dto';
import type { Random } from './random';

/** Every device reports once a simulated minute, as real meters and vehicles do. */
export const INTERVAL_MS = 60_000;

export type WireReading = MeterReadingDto | VehicleReadingDto;

export type DeviceKind = 'meter' | 'vehicle';

export interface FleetDevice {
  id: string;
  kind: DeviceKind;
}

export interface FleetSpec {
  meters: number;
  vehicles: number;
  /** Share of the vehicles, 0–1, whose charging path loses energy. */
  faultyShare: number;
  start: Date;
  minutes: number;
  /** Starts every device id, so that runs can be told apart (and kept apart) in one database. */
  prefix: string;
}

export interface VehicleProfile {
  vehicleId: string;
  /** The charger (and the meter behind it) at the vehicle's depot bay. */
  meterId: string;
  capacityKwh: number;
  /** DC reaching the battery per AC kWh the meter counts. */
  efficiency: number;
  faulty: boolean;
}

export type SessionEvent =
  { kind: 'plug'; vehicleId: string; meterId: string; at: Date } | { kind: 'unplug'; vehicleId: string; at: Date };

/**
 * One simulated minute, starting at `at`. Plugs and unplugs happen at `at`; readings are stamped with
 * the end of the minute whose energy they carry, as devices report. So each charging minute's DC and
 * AC readings fall in (plug, unplug], the interval the analytics query attributes to the session.
 */
export interface Tick {
  index: number;
  at: Date;
  events: SessionEvent[];
  readings: WireReading[];
}

const CHARGER_KW = [50, 75, 150];
const BATTERY_KWH = [60, 77, 82, 100];
const HEALTHY_EFFICIENCY: [number, number] = [0.88, 0.94];
const FAULTY_EFFICIENCY: [number, number] = [0.75, 0.82];
// Enough to look measured; averaged over a session it moves the ratio by far less than the 0.85 margin.
const AC_JITTER = 0.01;
// About 50 W of charger electronics; outside sessions, so it never counts against a vehicle.
const STANDBY_KWH_PER_MINUTE = 0.0008;
const NOMINAL_VOLTAGE = 400;
// Lithium-ion cells take full power to about 80 % and then the charger backs off towards full.
const TAPER_FROM_SOC = 80;
const MIN_TAPER = 0.1;
const RETURN_BELOW_SOC = 15;
// °C per kW per minute gained while charging, and the share of the gap to ambient lost each minute:
// about +20 °C at 150 kW in equilibrium.
const HEATING = 0.004;
const COOLING = 0.03;

type Phase = 'driving' | 'parked' | 'charging';

interface VehicleState extends VehicleProfile {
  charger: Charger;
  maxChargeKw: number;
  drivingKw: number;
  ambientC: number;
  soc: number;
  batteryTemp: number;
  phase: Phase;
  minutesLeft: number;
  targetSoc: number;
}

interface Charger {
  meterId: string;
  powerKw: number;
  vehicleId?: string;
  acKwh: number;
  loadKw: number;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const deviceId = (prefix: string, kind: string, index: number, count: number) =>
  `${prefix}-${kind}${String(index + 1).padStart(Math.max(3, String(count).length), '0')}`;

/** The device a reading speaks for: meter and vehicle ids never clash, as deviceId() spells the kind. */
export const deviceOf = (reading: WireReading): string => ('meterId' in reading ? reading.meterId : reading.vehicleId);

/** Every device a fleet of this spec has, with the ids its readings carry: what the registry must hold. */
export function fleetDevices({
  meters,
  vehicles,
  prefix,
}: Pick<FleetSpec, 'meters' | 'vehicles' | 'prefix'>): FleetDevice[] {
  return [
    ...Array.from({ length: meters }, (_, i) => ({ id: deviceId(prefix, 'M', i, meters), kind: 'meter' as const })),
    ...Array.from({ length: vehicles }, (_, i) => ({
      id: deviceId(prefix, 'V', i, vehicles),
      kind: 'vehicle' as const,
    })),
  ];
}

/** Which vehicle indices are faulty: round(share × fleet) of them, drawn without repeats. */
function faultyIndices(vehicles: number, share: number, random: Random): Set<number> {
  const order = Array.from({ length: vehicles }, (_, index) => index);
  const count = Math.round(vehicles * share);
  for (let i = 0; i < count; i++) {
    const j = random.int(i, vehicles - 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return new Set(order.slice(0, count));
}

/** A fleet whose state advances one simulated minute per tick(); pure apart from the Random it draws on. */
export class FleetModel {
  private readonly chargers: Charger[];
  private readonly states: VehicleState[];
  private index = 0;

  constructor(
    readonly spec: FleetSpec,
    private readonly random: Random,
  ) {
    this.chargers = Array.from({ length: spec.meters }, (_, i) => ({
      meterId: deviceId(spec.prefix, 'M', i, spec.meters),
      powerKw: random.pick(CHARGER_KW),
      acKwh: 0,
      loadKw: 0,
    }));
    const faulty = faultyIndices(spec.vehicles, spec.faultyShare, random);
    this.states = Array.from({ length: spec.vehicles }, (_, i) => this.newVehicle(i, faulty.has(i)));
  }

  get vehicles(): VehicleProfile[] {
    return this.states.map(({ vehicleId, meterId, capacityKwh, efficiency, faulty }) => ({
      vehicleId,
      meterId,
      capacityKwh,
      efficiency,
      faulty,
    }));
  }

  get done(): boolean {
    return this.index >= this.spec.minutes;
  }

  get end(): Date {
    return this.timeOf(this.spec.minutes);
  }

  tick(): Tick {
    const index = this.index;
    const at = this.timeOf(index);
    const reportedAt = this.timeOf(index + 1);
    const events: SessionEvent[] = [];
    for (const charger of this.chargers) {
      charger.acKwh = 0;
      charger.loadKw = 0;
    }
    const vehicleReadings = this.states.map((vehicle) => {
      this.transition(vehicle, at, events);
      return this.runMinute(vehicle, reportedAt);
    });
    const meterReadings = this.chargers.map((charger) => this.meterReading(charger, reportedAt));
    this.index += 1;
    return { index, at, events, readings: [...meterReadings, ...vehicleReadings] };
  }

  /** Unplugs whatever still charges when simulated time runs out, so that no session stays open. */
  finish(): SessionEvent[] {
    const events: SessionEvent[] = [];
    for (const vehicle of this.states) if (vehicle.phase === 'charging') this.unplug(vehicle, this.end, events);
    return events;
  }

  /** When the tick of that index starts in simulated time. */
  timeOf(index: number): Date {
    return new Date(this.spec.start.getTime() + index * INTERVAL_MS);
  }

  private newVehicle(index: number, faulty: boolean): VehicleState {
    const { random, spec } = this;
    const charger = this.chargers[index % this.chargers.length];
    const capacityKwh = random.pick(BATTERY_KWH);
    const ambientC = random.uniform(12, 24);
    const soc = random.uniform(20, 80);
    // Some start the run already back at the depot, so that short runs see charging from the first minute.
    const parked = soc < 50 && random.chance(0.5);
    return {
      vehicleId: deviceId(spec.prefix, 'V', index, spec.vehicles),
      meterId: charger.meterId,
      charger,
      capacityKwh,
      efficiency: random.uniform(...(faulty ? FAULTY_EFFICIENCY : HEALTHY_EFFICIENCY)),
      faulty,
      maxChargeKw: capacityKwh * random.uniform(1.2, 2),
      drivingKw: random.uniform(8, 20),
      ambientC,
      soc,
      batteryTemp: ambientC + random.uniform(0, 3),
      phase: parked ? 'parked' : 'driving',
      minutesLeft: parked ? random.int(10, 90) : random.int(5, 90),
      targetSoc: random.uniform(80, 95),
    };
  }

  private transition(vehicle: VehicleState, at: Date, events: SessionEvent[]): void {
    if (vehicle.phase === 'charging' && (vehicle.soc >= vehicle.targetSoc || vehicle.minutesLeft <= 0)) {
      this.unplug(vehicle, at, events);
    }
    if (vehicle.phase === 'driving' && (vehicle.minutesLeft <= 0 || vehicle.soc < RETURN_BELOW_SOC)) {
      vehicle.phase = 'parked';
      vehicle.minutesLeft = this.random.int(30, 120);
      vehicle.targetSoc = this.random.uniform(80, 95);
    }
    if (vehicle.phase !== 'parked') return;
    const { charger } = vehicle;
    if (vehicle.minutesLeft <= 0) {
      vehicle.phase = 'driving';
      vehicle.minutesLeft = this.random.int(30, 100);
    } else if (vehicle.soc < vehicle.targetSoc && charger.vehicleId === undefined) {
      // Vehicles sharing a charger queue for it: a meter's readings must belong to one session at a time.
      charger.vehicleId = vehicle.vehicleId;
      vehicle.phase = 'charging';
      events.push({ kind: 'plug', vehicleId: vehicle.vehicleId, meterId: vehicle.meterId, at });
    }
  }

  private unplug(vehicle: VehicleState, at: Date, events: SessionEvent[]): void {
    vehicle.charger.vehicleId = undefined;
    vehicle.phase = 'parked';
    events.push({ kind: 'unplug', vehicleId: vehicle.vehicleId, at });
  }

  private runMinute(vehicle: VehicleState, reportedAt: Date): VehicleReadingDto {
    const { random } = this;
    let dcKwh = 0;
    let ambient = vehicle.ambientC;
    if (vehicle.phase === 'driving') {
      const used = (vehicle.drivingKw / 60) * random.uniform(0.6, 1.4);
      vehicle.soc = Math.max(0, vehicle.soc - (used / vehicle.capacityKwh) * 100);
      ambient += 5;
    } else if (vehicle.phase === 'charging') {
      const { charger } = vehicle;
      const taper =
        vehicle.soc < TAPER_FROM_SOC ? 1 : Math.max(MIN_TAPER, (100 - vehicle.soc) / (100 - TAPER_FROM_SOC));
      const powerKw = Math.min(charger.powerKw, vehicle.maxChargeKw) * taper;
      dcKwh = Math.min(powerKw / 60, ((100 - vehicle.soc) / 100) * vehicle.capacityKwh);
      vehicle.soc = Math.min(100, vehicle.soc + (dcKwh / vehicle.capacityKwh) * 100);
      vehicle.batteryTemp += powerKw * HEATING;
      charger.acKwh = (dcKwh / vehicle.efficiency) * random.uniform(1 - AC_JITTER, 1 + AC_JITTER);
      charger.loadKw = powerKw / vehicle.efficiency;
    }
    vehicle.batteryTemp += (ambient - vehicle.batteryTemp) * COOLING;
    vehicle.minutesLeft -= 1;
    return {
      vehicleId: vehicle.vehicleId,
      soc: round(vehicle.soc, 2),
      kwhDeliveredDc: round(dcKwh, 4),
      batteryTemp: round(vehicle.batteryTemp, 1),
      timestamp: reportedAt.toISOString(),
    };
  }

  private meterReading(charger: Charger, reportedAt: Date): MeterReadingDto {
    const { random } = this;
    const kwh = charger.vehicleId === undefined ? STANDBY_KWH_PER_MINUTE * random.uniform(0.5, 1.5) : charger.acKwh;
    // The supply sags a little under a charger's load.
    const voltage = NOMINAL_VOLTAGE * random.uniform(0.99, 1.01) - charger.loadKw * 0.02;
    return {
      meterId: charger.meterId,
      kwhConsumedAc: round(kwh, 4),
      voltage: round(voltage, 1),
      timestamp: reportedAt.toISOString(),
    };
  }
}
