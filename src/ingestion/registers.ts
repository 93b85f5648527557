/*
 * Interval energy from cumulative registers. A register reading's interval is the time since its
 * device's previous register reading, by timestamp, and its energy the register's increase over that
 * reading's base: so a gap of any length loses nothing, and its energy is carried by the reading that
 * closes it. Counters misbehave in a few known ways, each of which becomes an event instead of a
 * spike or a negative interval.
 */

import type { RegisterRules } from '../config/config';

export type { RegisterRules };
export type RegisterEvent = 'dip' | 'reset' | 'replaced' | 'rollover' | 'quarantined';
export const REGISTER_EVENTS: RegisterEvent[] = ['dip', 'reset', 'replaced', 'rollover', 'quarantined'];

/** A reading whose gap, if any, counts as lost: it bridges nothing. */
const lost = (energy: number, base: number, event: RegisterEvent | null): Derived => ({
  energy,
  base,
  event,
  bridged: 0,
  gapFromMs: null,
});

/** A stored register reading as the next one is measured against. */
export interface RegisterPoint {
  ms: number;
  register: number;
  /** What the next reading's increase is measured from: the register, or the one a dip held. */
  base: number;
}

/** What is stored with a register reading beside the register itself. */
export interface Derived {
  energy: number;
  base: number;
  event: RegisterEvent | null;
  /** The readings its gap lost and whose energy it carries, for coverage. */
  bridged: number;
  /**
   * Where its gap starts (the previous register reading's time) when it bridges one: answers that cut
   * the gap spread its energy over that time. Null otherwise.
   */
  gapFromMs: number | null;
}

/** history's bound on one reading's energy (migration BoundReadings). */
const MAX_INTERVAL_KWH = 1_000_000;

/**
 * The interval ending at a register reading (`ms`, `register`), after `previous`. `sent` is the
 * interval energy the reading also carried, if any: it stands only where there is nothing to measure
 * from (a device's first register reading). `intervalMs` is the device's reporting interval.
 */
export function derive(
  previous: RegisterPoint | undefined,
  ms: number,
  register: number,
  sent: number | undefined,
  intervalMs: number,
  rules: RegisterRules,
): Derived {
  if (previous === undefined) return lost(sent ?? 0, register, null);
  const gapMs = ms - previous.ms;
  const bridged = Math.max(0, Math.round(gapMs / intervalMs) - 1);
  const covered = (energy: number, base: number, event: RegisterEvent | null): Derived =>
    bridged > 0 ? { energy, base, event, bridged, gapFromMs: previous.ms } : lost(energy, base, event);
  // The most energy the interval can hold: the device at full power all along.
  const possible = Math.min((rules.maxPowerKw * gapMs) / 3_600_000, MAX_INTERVAL_KWH);
  const increase = register - previous.base;
  if (increase >= 0) {
    if (increase > possible) return lost(0, register, 'quarantined');
    return covered(increase, register, null);
  }
  // Jitter and rounding make counters step back a little: nothing flowed, and the higher value stays
  // the base, so the recovery is not counted twice. Checked first, as however long the gap, a small
  // step back is never a counter going round.
  if (-increase < rules.dipShare * previous.base) return covered(0, previous.base, 'dip');
  if (rules.rolloverKwh !== undefined && previous.base <= rules.rolloverKwh) {
    const wrapped = rules.rolloverKwh - previous.base + register;
    if (wrapped <= possible) return covered(wrapped, register, 'rollover');
  }
  // A counter that started again from zero (a reset) shows little: under half what it showed, and no
  // more than could have flowed since. Anything else is a different counter whose starting point is
  // unknown (a replacement), counted from here on. What flowed before the restart is not known either
  // way, so the gap counts as lost.
  if (register < previous.base / 2 && register <= possible) {
    return lost(register, register, 'reset');
  }
  return lost(0, register, 'replaced');
}

/** A device's register reading, stored or new, in the order the device took them. */
export interface SequenceItem {
  ms: number;
  register: number;
  sent?: number;
  /** What is stored for it; absent for a new reading. */
  stored?: Derived;
}

/**
 * Derives every item after `previous` in time order. Answers what each new item is stored with and
 * which stored ones a late reading restates, and whether the last (stored) item's base moved, so that
 * the reading after it has to be looked at too.
 */
export function deriveSequence(
  previous: RegisterPoint | undefined,
  items: SequenceItem[],
  intervalMs: number,
  rules: RegisterRules,
): { derived: Derived[]; restated: boolean[]; baseMoved: boolean } {
  const derived: Derived[] = [];
  const restated: boolean[] = [];
  let before = previous;
  for (const item of items) {
    const now = derive(before, item.ms, item.register, item.sent, intervalMs, rules);
    // A stored reading with nothing before it keeps what it was stored with.
    const next = item.stored && before === undefined ? item.stored : now;
    derived.push(next);
    restated.push(item.stored !== undefined && !sameDerived(item.stored, next));
    before = { ms: item.ms, register: item.register, base: next.base };
  }
  const last = items.at(-1);
  const baseMoved = last?.stored !== undefined && derived.at(-1)!.base !== last.stored.base;
  return { derived, restated, baseMoved };
}

const sameDerived = (a: Derived, b: Derived) =>
  a.energy === b.energy &&
  a.base === b.base &&
  a.event === b.event &&
  a.bridged === b.bridged &&
  a.gapFromMs === b.gapFromMs;
