import { ENERGY_DECIMALS, round } from './decimals';
import { faultyIndices, type Random } from './random';
import type { MeterIntervalReading } from './readings';

/** A charger and the meter behind it, as the run's report knows them. */
export interface ChargerProfile {
  meterId: string;
  /** Share of the energy drawn that the charger passes on to the vehicle's charging path: 1 when healthy. */
  efficiency: number;
  faulty: boolean;
}

export interface Charger extends ChargerProfile {
  powerKw: number;
  /** The vehicle plugged in, if any: a charger feeds one vehicle at a time. */
  vehicleId?: string;
  /** AC drawn and the load on the supply during the current minute, while a vehicle charges. */
  acKwh: number;
  loadKw: number;
}

const CHARGER_KW = [50, 75, 150];
// A healthy 0.88–0.94 vehicle lands at 0.75–0.80 on a faulty charger: below the 0.85 alert threshold by
// about the margin a faulty vehicle has, so the report can expect such sessions to read as low.
const FAULTY_CHARGER_EFFICIENCY = 0.85;
// About 50 W of charger electronics; outside sessions, so it never counts against a vehicle.
const STANDBY_KWH_PER_MINUTE = 0.0008;
const NOMINAL_VOLTAGE = 400;

/**
 * The chargers of a depot, shared by the whole fleet: a vehicle that comes back takes whichever charger
 * is free, so in a day it charges at several of them, and a charger feeds one vehicle at a time.
 */
export class Depot {
  private readonly chargers: Charger[];
  // The free chargers in no meaningful order; a seeded pick among them keeps the run reproducible.
  private readonly free: Charger[];

  constructor(
    meterIds: string[],
    faultyShare: number,
    private readonly random: Random,
  ) {
    const faulty = faultyIndices(meterIds.length, faultyShare, random);
    this.chargers = meterIds.map((meterId, index) => ({
      meterId,
      powerKw: random.pick(CHARGER_KW),
      efficiency: faulty.has(index) ? FAULTY_CHARGER_EFFICIENCY : 1,
      faulty: faulty.has(index),
      acKwh: 0,
      loadKw: 0,
    }));
    this.free = [...this.chargers];
  }

  get profiles(): ChargerProfile[] {
    return this.chargers.map(({ meterId, efficiency, faulty }) => ({ meterId, efficiency, faulty }));
  }

  /** A free charger picked at random, now feeding the vehicle; none when every charger is busy. */
  plug(vehicleId: string): Charger | undefined {
    if (this.free.length === 0) return undefined;
    const index = this.random.int(0, this.free.length - 1);
    const charger = this.free[index];
    // Swap-remove: a plug costs the same in a depot of five chargers or of thousands.
    this.free[index] = this.free[this.free.length - 1];
    this.free.pop();
    charger.vehicleId = vehicleId;
    return charger;
  }

  unplug(charger: Charger): void {
    charger.vehicleId = undefined;
    this.free.push(charger);
  }

  /** A new minute: no charger has drawn anything yet. */
  startMinute(): void {
    for (const charger of this.chargers) {
      charger.acKwh = 0;
      charger.loadKw = 0;
    }
  }

  /** What each meter reports for the minute ending at `reportedAt`: its charger's draw, or standby. */
  meterReadings(reportedAt: Date): MeterIntervalReading[] {
    const { random } = this;
    return this.chargers.map((charger) => {
      const kwh = charger.vehicleId === undefined ? STANDBY_KWH_PER_MINUTE * random.uniform(0.5, 1.5) : charger.acKwh;
      // The supply sags a little under a charger's load.
      const voltage = NOMINAL_VOLTAGE * random.uniform(0.99, 1.01) - charger.loadKw * 0.02;
      return {
        meterId: charger.meterId,
        kwhConsumedAc: round(kwh, ENERGY_DECIMALS),
        voltage: round(voltage, 1),
        timestamp: reportedAt.toISOString(),
      };
    });
  }

  /** What each meter would report at `at` without any energy: the nominal voltage, nothing drawn. */
  baselineReadings(at: Date): MeterIntervalReading[] {
    const timestamp = at.toISOString();
    return this.chargers.map(({ meterId }) => ({ meterId, kwhConsumedAc: 0, voltage: NOMINAL_VOLTAGE, timestamp }));
  }
}
