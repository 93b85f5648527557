import type { Random } from './random';
import type { WireReading } from './readings';

export interface DisorderSpec {
  /** Share of readings held back (a device out of coverage) and sent a few minutes later. */
  lateShare: number;
  /** Share of readings sent a second time, as a device does when it missed the answer. */
  retryShare: number;
  /** Share of readings lost on a bad cellular link: never sent, never retried. */
  lossShare: number;
}

export type OutgoingKind = 'on-time' | 'late' | 'retry';

export interface Outgoing {
  reading: WireReading;
  kind: OutgoingKind;
}

interface Held {
  dueTick: number;
  item: Outgoing;
}

const LATE_TICKS: [number, number] = [2, 30];
const RETRY_TICKS: [number, number] = [0, 3];
// A queued reading the link lost goes again after the device's retry interval (OCPP's
// TransactionMessageRetryInterval); a fixed one, so that nothing more is drawn for it than for a lost one.
const RESEND_TICKS = 2;
const NOTHING_KEPT: ReadonlySet<WireReading> = new Set();

/** Turns each tick's readings into what devices actually send: mostly on time, some late, some twice, some never. */
export class Delivery {
  /** Readings lost on the way so far. */
  lost = 0;
  /** Readings the link lost that their device had kept queued, and sent again. */
  queued = 0;
  private held: Held[] = [];
  /** The readings the link lost in the latest tick, which a session starting now may still call for. */
  private lostLastTick: WireReading[] = [];

  constructor(
    private readonly spec: DisorderSpec,
    private readonly random: Random,
  ) {}

  /**
   * What goes out during tick `index`: its on-time readings, then whatever held back is due by now.
   * A reading in `kept` is one its device queues until delivered (as a charger queues the meter value
   * that ends a transaction, OCPP's StopTransaction): when the link loses it, it goes again, late, instead
   * of never. The loss is drawn for it all the same, so every other reading fares as it would without.
   */
  schedule(index: number, readings: WireReading[], kept: ReadonlySet<WireReading> = NOTHING_KEPT): Outgoing[] {
    const now: Outgoing[] = [];
    this.lostLastTick = [];
    for (const reading of readings) {
      if (this.random.chance(this.spec.lossShare)) {
        if (kept.has(reading)) this.resend(index, reading);
        else {
          this.lost += 1;
          this.lostLastTick.push(reading);
        }
        continue;
      }
      if (this.random.chance(this.spec.lateShare)) this.hold(index, LATE_TICKS, { reading, kind: 'late' });
      else now.push({ reading, kind: 'on-time' });
      if (this.random.chance(this.spec.retryShare)) this.hold(index, RETRY_TICKS, { reading, kind: 'retry' });
    }
    const due = this.held.filter((held) => held.dueTick <= index);
    this.held = this.held.filter((held) => held.dueTick > index);
    return [...now, ...due.map((held) => held.item)];
  }

  /**
   * The readings of the latest tick that the link lost and that `opens` picks: the meter value that begins
   * a transaction (OCPP's StartTransaction meterStart), which a device queues like the one ending it, so
   * that they go again during tick `index`'s retry interval. Nothing is drawn for them.
   */
  recover(index: number, opens: (reading: WireReading) => boolean): void {
    for (const reading of this.lostLastTick.filter(opens)) {
      this.lost -= 1;
      this.resend(index, reading);
    }
    this.lostLastTick = this.lostLastTick.filter((reading) => !opens(reading));
  }

  private resend(index: number, reading: WireReading): void {
    this.queued += 1;
    this.held.push({ dueTick: index + RESEND_TICKS, item: { reading, kind: 'late' } });
  }

  /** Everything still held, for when simulated time runs out: a device uploads its backlog eventually. */
  drain(): Outgoing[] {
    const rest = this.held.map((held) => held.item);
    this.held = [];
    return rest;
  }

  private hold(index: number, [min, max]: [number, number], item: Outgoing): void {
    this.held.push({ dueTick: index + this.random.int(min, max), item });
  }
}
