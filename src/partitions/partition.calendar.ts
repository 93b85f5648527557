import type { CalendarInterval } from '../config/config';

/** A half-open span [from, to) in epoch milliseconds; ±Infinity for an unbounded side. */
export interface TimeRange {
  from: number;
  to: number;
}

const DAY_MS = 86_400_000;
// 1970-01-01 was a Thursday: weeks start on the Monday four days later, as ISO weeks do.
const FIRST_MONDAY_MS = 4 * DAY_MS;

const floorTo = (value: number, step: number) => Math.floor(value / step) * step;

/**
 * The start of the interval holding `at`, in UTC. Intervals are counted from a fixed origin, so every
 * replica and every run cuts time at the same boundaries: 1 month at each month's first day, 3 months
 * at the quarters, 1 week at Mondays, 1 day at midnight.
 */
export function intervalStart(at: Date, interval: CalendarInterval): Date {
  const time = at.getTime();
  switch (interval.unit) {
    case 'day':
      return new Date(floorTo(time, interval.count * DAY_MS));
    case 'week':
      return new Date(floorTo(time - FIRST_MONDAY_MS, interval.count * 7 * DAY_MS) + FIRST_MONDAY_MS);
    case 'month': {
      const months = floorTo(at.getUTCFullYear() * 12 + at.getUTCMonth(), interval.count);
      return new Date(Date.UTC(Math.floor(months / 12), months % 12, 1));
    }
  }
}

/**
 * `at` moved by `times` intervals (negative: back). A month step keeps the day of the month where it
 * exists and otherwise takes the month's last day, as PostgreSQL's interval arithmetic does.
 */
export function shift(at: Date, interval: CalendarInterval, times: number): Date {
  if (interval.unit !== 'month') {
    const days = interval.unit === 'week' ? 7 : 1;
    return new Date(at.getTime() + times * interval.count * days * DAY_MS);
  }
  const target = at.getUTCFullYear() * 12 + at.getUTCMonth() + times * interval.count;
  const year = Math.floor(target / 12);
  const month = target - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const moved = new Date(at.getTime());
  moved.setUTCFullYear(year, month, Math.min(at.getUTCDate(), lastDay));
  return moved;
}

/** The parts of `wanted` that no range of `existing` covers, in time order. */
export function uncovered(wanted: TimeRange, existing: TimeRange[]): TimeRange[] {
  const gaps: TimeRange[] = [];
  let cursor = wanted.from;
  for (const range of [...existing].sort((a, b) => a.from - b.from)) {
    if (range.to <= cursor || range.from >= wanted.to) continue;
    if (range.from > cursor) gaps.push({ from: cursor, to: range.from });
    cursor = Math.max(cursor, range.to);
  }
  if (cursor < wanted.to) gaps.push({ from: cursor, to: wanted.to });
  return gaps;
}

/**
 * meter_history_p20261101 for a partition starting on 1 November 2026 at midnight UTC; a start off
 * midnight (only a gap next to partitions made by hand) adds the time, so names stay unique.
 */
export function partitionName(table: string, from: Date): string {
  const iso = from.toISOString();
  const day = iso.slice(0, 10).replace(/-/g, '');
  const time = iso.slice(11, 19).replace(/:/g, '');
  return `${table}_p${day}${time === '000000' ? '' : `_${time}`}`;
}
