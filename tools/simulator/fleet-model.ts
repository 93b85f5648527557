import { Depot, type ChargerProfile } from './depot';
import { faultyIndices, type Random } from './random';
import type { IntervalReading } from './readings';
import { baselineReading, newVehicle, runMinute, type VehicleProfile, type VehicleState } from './vehicle';

export { deviceOf, type WireReading } from './readings';

/** Every device reports once a simulated minute, as real meters and vehicles do. */
export const INTERVAL_MS = 60_000;

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
  /** Share of the chargers, 0–1, that lose energy whichever vehicle they feed. */
  faultyChargerShare: number;
  start: Date;
  minutes: number;
  /** Starts every device id, so that runs can be told apart (and kept apart) in one database. */
  prefix: string;
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
  readings: IntervalReading[];
  /** The devices in a session during the minute: each charging vehicle and the meter feeding it. */
  charging: string[];
  /**
   * The devices whose reading of this minute closes a session: stamped at the unplug instant (the vehicle
   * unplugs as the next minute starts, or simulated time runs out), it is the session's last reading on
   * both sides, the vehicle's and its meter's.
   */
  closing: string[];
}

// A driver heads back to the depot early rather than run the battery flat.
const RETURN_BELOW_SOC = 15;

/** A charging vehicle is unplugged once it reached its target or its time at the depot ran out. */
const unplugDue = (vehicle: VehicleState) => vehicle.soc >= vehicle.targetSoc || vehicle.minutesLeft <= 0;

const deviceId = (prefix: string, kind: string, index: number, count: number) =>
  `${prefix}-${kind}${String(index + 1).padStart(Math.max(3, String(count).length), '0')}`;

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

/** A fleet whose state advances one simulated minute per tick(); pure apart from the Random it draws on. */
export class FleetModel {
  private readonly depot: Depot;
  private readonly states: VehicleState[];
  private index = 0;

  constructor(
    readonly spec: FleetSpec,
    private readonly random: Random,
  ) {
    const meterIds = Array.from({ length: spec.meters }, (_, i) => deviceId(spec.prefix, 'M', i, spec.meters));
    this.depot = new Depot(meterIds, spec.faultyChargerShare, random);
    const faulty = faultyIndices(spec.vehicles, spec.faultyShare, random);
    this.states = Array.from({ length: spec.vehicles }, (_, i) =>
      newVehicle(deviceId(spec.prefix, 'V', i, spec.vehicles), faulty.has(i), random),
    );
  }

  get vehicles(): VehicleProfile[] {
    return this.states.map(({ vehicleId, capacityKwh, efficiency, faulty }) => ({
      vehicleId,
      capacityKwh,
      efficiency,
      faulty,
    }));
  }

  get chargers(): ChargerProfile[] {
    return this.depot.profiles;
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
    this.depot.startMinute();
    const vehicleReadings = this.states.map((vehicle) => {
      this.transition(vehicle, at, events);
      return runMinute(vehicle, reportedAt, this.random);
    });
    const meterReadings = this.depot.meterReadings(reportedAt);
    const charging: string[] = [];
    const closing: string[] = [];
    // Whether each session ends with this minute is known now: nothing changes a vehicle between the end
    // of its minute and the transition that starts the next one. Nothing is drawn for it.
    const last = index + 1 >= this.spec.minutes;
    for (const vehicle of this.states) {
      if (!vehicle.charger) continue;
      charging.push(vehicle.vehicleId, vehicle.charger.meterId);
      if (last || unplugDue(vehicle)) closing.push(vehicle.vehicleId, vehicle.charger.meterId);
    }
    this.index += 1;
    return { index, at, events, readings: [...meterReadings, ...vehicleReadings], charging, closing };
  }

  /**
   * What every device would report at this instant without a minute's energy: nothing drawn, so the fleet
   * plays the same with or without it. --registers sends it at the start, as the counters' baseline.
   */
  baseline(): IntervalReading[] {
    const at = this.timeOf(this.index);
    return [...this.depot.baselineReadings(at), ...this.states.map((vehicle) => baselineReading(vehicle, at))];
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

  private transition(vehicle: VehicleState, at: Date, events: SessionEvent[]): void {
    if (vehicle.phase === 'charging' && unplugDue(vehicle)) {
      this.unplug(vehicle, at, events);
    }
    if (vehicle.phase === 'driving' && (vehicle.minutesLeft <= 0 || vehicle.soc < RETURN_BELOW_SOC)) {
      vehicle.phase = 'parked';
      vehicle.minutesLeft = this.random.int(30, 120);
      vehicle.targetSoc = this.random.uniform(80, 95);
    }
    if (vehicle.phase !== 'parked') return;
    if (vehicle.minutesLeft <= 0) {
      vehicle.phase = 'driving';
      vehicle.minutesLeft = this.random.int(30, 100);
      return;
    }
    // With every charger busy the vehicle waits parked, and tries again the next minute: a meter's
    // readings must belong to one session at a time.
    const charger = vehicle.soc < vehicle.targetSoc ? this.depot.plug(vehicle.vehicleId) : undefined;
    if (charger === undefined) return;
    vehicle.charger = charger;
    vehicle.phase = 'charging';
    events.push({ kind: 'plug', vehicleId: vehicle.vehicleId, meterId: charger.meterId, at });
  }

  private unplug(vehicle: VehicleState, at: Date, events: SessionEvent[]): void {
    if (vehicle.charger) this.depot.unplug(vehicle.charger);
    vehicle.charger = undefined;
    vehicle.phase = 'parked';
    events.push({ kind: 'unplug', vehicleId: vehicle.vehicleId, at });
  }
}
