import type { WireReading } from './fleet-model';
import type { Random } from './random';

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

/** Turns each tick's readings into what devices actually send: mostly on time, some late, some twice, some never. */
export class Delivery {
  /** Readings lost on the way so far. */
  lost = 0;
  private held: Held[] = [];

  constructor(
    private readonly spec: DisorderSpec,
    private readonly random: Random,
  ) {}

  /** What goes out during tick `index`: its on-time readings, then whatever held back is due by now. */
  schedule(index: number, readings: WireReading[]): Outgoing[] {
    const now: Outgoing[] = [];
    for (const reading of readings) {
      if (this.random.chance(this.spec.lossShare)) {
        this.lost += 1;
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
