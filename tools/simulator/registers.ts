import { ENERGY_DECIMALS } from './decimals';
import type { FleetDevice, Tick } from './fleet-model';
import { faultyIndices, type Random } from './random';
import { deviceOf, intervalKwh, type IntervalReading, type RegisterReading, type WireReading } from './readings';

/** --registers: every device sends its lifetime counter instead of each interval's energy. */
export interface RegisterSpec {
  /** Share of the devices, 0–1, whose counter resets, is replaced or rolls over during the run (--resets). */
  resetShare: number;
  /**
   * The counters' width in kWh (--register-width; the service's REGISTER_ROLLOVER_KWH): a counter wraps to
   * 0 there. Without it counters never wrap, and no device is made to roll over.
   */
  widthKwh?: number;
}

/**
 * What happens to a counter picked by --resets. `reset`: it goes back to 0 right after a reading (a
 * firmware reset). `replaced`: the device is swapped, and the new one's counter starts elsewhere.
 * `rollover`: it starts just below the width and wraps to 0 during the run.
 */
export type CounterFate = 'reset' | 'replaced' | 'rollover';

export interface RegisterEvent {
  deviceId: string;
  fate: CounterFate;
  /** The first reading whose register shows it: the one right after a reset or replacement, or the one that wrapped. */
  timestamp: string;
}

/** What the run's counters did, for the report to hold the service's derived energy against. */
export interface RegisterSummary {
  spec: RegisterSpec;
  fates: ReadonlyMap<string, CounterFate>;
  events: RegisterEvent[];
  /**
   * Device → kWh it counted up to its latest reading sent: exactly what its interval readings up to there
   * would have carried. What it counted after that went out with no reading: lost ones at the end of the run.
   */
  countedKwh: ReadonlyMap<string, number>;
  /** Device → kWh it counted after its latest reading sent, which no reading carried to the service. */
  unsentKwh: ReadonlyMap<string, number>;
  /**
   * Device → the most kWh its resets and replacements can cost: the idle energy (standby, never a
   * session's) counted between its last reading sure to arrive and the reset, and for a replacement the
   * first new reading's too, from which the service cannot tell how far the new counter ran.
   */
  idleAtResetsKwh: ReadonlyMap<string, number>;
}

// Counters are kept in whole units of the devices' energy resolution (0.1 Wh), so that a register rises
// by exactly the rounded interval energy the device would otherwise have sent: two registers' difference
// is the sum of the intervals between them to the last decimal, and the decimals on the wire stay four.
const UNITS_PER_KWH = 10 ** ENERGY_DECIMALS;
const toUnits = (kwh: number) => Math.round(kwh * UNITS_PER_KWH);
const toKwh = (units: number) => units / UNITS_PER_KWH;

// Where lifetime counters start: far above what any charger draws between two readings, so that the
// service can tell a counter back at 0 (a reset, counted from zero) from a new one (a replacement).
const START_KWH: [number, number] = [1_000, 500_000];
// With a width, the same idea as shares of it, clear of the wrap for every device not meant to roll over.
const START_SHARE_OF_WIDTH: [number, number] = [0.05, 0.5];
// A rolling-over counter starts this far below the width: a meter's standby wraps it within half an
// hour, a vehicle's in its first charging minute.
const ROLLOVER_HEADROOM_KWH: [number, number] = [0.001, 0.02];
// A replacement counter starts at least this share away from the old one: well outside the band of a
// dip (the service's REGISTER_DIP_SHARE, 0.1 by default), so the service sees a new counter.
const REPLACEMENT_APART = 0.25;

interface Counter {
  units: number;
  fate?: CounterFate;
  /** From this tick on, a reset or replacement is due: at the first reading after which the device idles. */
  dueTick?: number;
  counted: number;
  /** Counted up to the latest of its readings sent. */
  sent: number;
  /** Counted since the device's last reading sure to arrive: what a lost reading could take with it. */
  exposed: number;
  idleAtResets: number;
}

/**
 * The devices' lifetime counters. Everything is drawn from a Random of its own, so the fleet (sessions,
 * energy) and the delivery (lost, late, retried readings) are the same with or without --registers and
 * --resets; and the starts are drawn before anything --resets asks for, so they are the same with or
 * without it.
 */
export class Registers {
  private readonly counters = new Map<string, Counter>();
  private readonly events: RegisterEvent[] = [];
  // What each device had counted when it took a reading: once the reading goes out, that much has.
  private readonly countedAt = new WeakMap<WireReading, number>();
  private readonly startRange: [number, number];
  private readonly width?: number;

  constructor(
    devices: FleetDevice[],
    private readonly spec: RegisterSpec,
    minutes: number,
    private readonly random: Random,
  ) {
    const { widthKwh } = spec;
    this.width = widthKwh === undefined ? undefined : toUnits(widthKwh);
    const [min, max] =
      widthKwh === undefined ? START_KWH : (START_SHARE_OF_WIDTH.map((share) => share * widthKwh) as [number, number]);
    this.startRange = [toUnits(min), toUnits(max)];
    for (const { id } of devices) {
      this.counters.set(id, { units: this.start(), counted: 0, sent: 0, exposed: 0, idleAtResets: 0 });
    }
    const fates: CounterFate[] = this.width === undefined ? ['reset', 'replaced'] : ['reset', 'replaced', 'rollover'];
    // The chosen devices take the fates in turn, in the random order they were drawn: any three of them
    // see every kind, and which device gets which is still the seed's.
    [...faultyIndices(devices.length, spec.resetShare, random)].forEach((index, turn) => {
      const counter = this.counters.get(devices[index].id)!;
      counter.fate = fates[turn % fates.length];
      if (counter.fate === 'rollover') {
        const [low, high] = ROLLOVER_HEADROOM_KWH.map(toUnits);
        counter.units = this.width! - random.int(low, high);
      } else {
        counter.dueTick = random.int(0, minutes - 1);
      }
    });
  }

  /** Every device's register before the first minute: sent at the start, the baseline of its first interval. */
  baseline(readings: IntervalReading[]): RegisterReading[] {
    return readings.map((reading) => toRegister(reading, this.counter(deviceOf(reading)).units));
  }

  /**
   * The tick's readings with registers instead of interval energy, and those a device keeps queued until
   * delivered, which the link may delay but never lose: a session's last (see Delivery), and the first
   * after a reset or replacement, by which the device announces its new counter. A reset or replacement
   * waits for a minute in which the device is in no session: the energy a lost reading before it could
   * take along is then standby, as the session before ended on a kept reading.
   */
  convert(tick: Tick): { readings: RegisterReading[]; kept: Set<WireReading> } {
    const charging = new Set(tick.charging);
    const closing = new Set(tick.closing);
    const kept = new Set<WireReading>();
    const readings = tick.readings.map((reading) => {
      const id = deviceOf(reading);
      const counter = this.counter(id);
      const energy = toUnits(intervalKwh(reading));
      let keep = closing.has(id);
      const { fate, dueTick } = counter;
      if (fate !== undefined && dueTick !== undefined && tick.index >= dueTick && !charging.has(id)) {
        // Right after the device's previous reading, stamped at the start of this minute.
        counter.idleAtResets += counter.exposed + (fate === 'replaced' ? energy : 0);
        counter.units = fate === 'reset' ? 0 : this.replacement(counter.units);
        counter.dueTick = undefined;
        this.events.push({ deviceId: id, fate, timestamp: reading.timestamp });
        keep = true;
      }
      counter.units += energy;
      counter.counted += energy;
      counter.exposed = keep ? 0 : counter.exposed + energy;
      if (this.width !== undefined && counter.units >= this.width) {
        counter.units -= this.width;
        this.events.push({ deviceId: id, fate: 'rollover', timestamp: reading.timestamp });
      }
      const sent = toRegister(reading, counter.units);
      this.countedAt.set(sent, counter.counted);
      if (keep) kept.add(sent);
      return sent;
    });
    return { readings, kept };
  }

  /** A reading went out: its device's counted energy up to it reaches the service. */
  sent(reading: WireReading): void {
    const counted = this.countedAt.get(reading);
    if (counted === undefined) return;
    const counter = this.counter(deviceOf(reading));
    // A late reading goes out after later ones: what counts is the latest by time, which counted the most.
    counter.sent = Math.max(counter.sent, counted);
  }

  summary(): RegisterSummary {
    const entries = [...this.counters];
    return {
      spec: this.spec,
      fates: new Map(entries.flatMap(([id, { fate }]) => (fate === undefined ? [] : [[id, fate] as const]))),
      events: [...this.events],
      countedKwh: new Map(entries.map(([id, counter]) => [id, toKwh(counter.sent)])),
      unsentKwh: new Map(entries.map(([id, counter]) => [id, toKwh(counter.counted - counter.sent)])),
      idleAtResetsKwh: new Map(entries.map(([id, counter]) => [id, toKwh(counter.idleAtResets)])),
    };
  }

  private counter(id: string): Counter {
    const counter = this.counters.get(id);
    if (!counter) throw new Error(`no register for ${id}: not a device of the fleet`);
    return counter;
  }

  private start(): number {
    return this.random.int(...this.startRange);
  }

  /** A new device's counter: anywhere counters start, but well apart from the old one. */
  private replacement(old: number): number {
    for (let attempt = 0; attempt < 100; attempt++) {
      const units = this.start();
      if (Math.abs(units - old) >= old * REPLACEMENT_APART) return units;
    }
    const [min, max] = this.startRange;
    return old > (min + max) / 2 ? min : max;
  }
}

/** The reading with `units` as its register in place of the interval's energy, to the devices' decimals. */
function toRegister(reading: IntervalReading, units: number): RegisterReading {
  const register = toKwh(units);
  if ('meterId' in reading) {
    const { meterId, voltage, timestamp } = reading;
    return { meterId, kwhRegisterAc: register, voltage, timestamp };
  }
  const { vehicleId, soc, batteryTemp, timestamp } = reading;
  return { vehicleId, soc, kwhRegisterDc: register, batteryTemp, timestamp };
}
