import { ConfigError, loadConfig, type CalendarInterval } from '../../src/config/config';
import { intervalStart, partitionName, shift, uncovered } from '../../src/partitions/partition.calendar';

const iso = (date: Date) => date.toISOString();
const day = (count = 1): CalendarInterval => ({ count, unit: 'day' });
const week = (count = 1): CalendarInterval => ({ count, unit: 'week' });
const month = (count = 1): CalendarInterval => ({ count, unit: 'month' });

describe('interval boundaries (UTC)', () => {
  const at = new Date('2026-08-13T21:15:00-07:00'); // Friday 14 August 2026, 04:15 UTC

  it.each([
    [day(), '2026-08-14T00:00:00.000Z'],
    [week(), '2026-08-10T00:00:00.000Z'], // the Monday
    [week(2), '2026-08-03T00:00:00.000Z'], // fortnights counted from Monday 5 January 1970
    [month(), '2026-08-01T00:00:00.000Z'],
    [month(3), '2026-07-01T00:00:00.000Z'], // quarters
    [month(12), '2026-01-01T00:00:00.000Z'],
  ])('%j starts at %s', (interval, start) => {
    expect(iso(intervalStart(at, interval))).toBe(start);
  });

  it('a boundary is its own interval start', () => {
    expect(iso(intervalStart(new Date('2026-08-10T00:00:00Z'), week()))).toBe('2026-08-10T00:00:00.000Z');
    expect(iso(intervalStart(new Date('2026-08-31T23:59:59.999Z'), month()))).toBe('2026-08-01T00:00:00.000Z');
  });

  it('shifts by months keeping the day where it exists and the month end otherwise', () => {
    expect(iso(shift(new Date('2026-01-31T10:00:00Z'), month(), 1))).toBe('2026-02-28T10:00:00.000Z');
    expect(iso(shift(new Date('2025-03-29T00:00:00Z'), month(13), -1))).toBe('2024-02-29T00:00:00.000Z');
    expect(iso(shift(new Date('2026-12-01T00:00:00Z'), month(), 1))).toBe('2027-01-01T00:00:00.000Z');
    expect(iso(shift(new Date('2026-03-02T00:00:00Z'), week(2), -1))).toBe('2026-02-16T00:00:00.000Z');
  });
});

describe('uncovered', () => {
  const r = (from: number, to: number) => ({ from, to });

  it('lists the parts of a range no existing range covers', () => {
    expect(uncovered(r(0, 10), [])).toEqual([r(0, 10)]);
    expect(uncovered(r(0, 10), [r(0, 10)])).toEqual([]);
    expect(uncovered(r(0, 10), [r(-5, 3), r(6, 8)])).toEqual([r(3, 6), r(8, 10)]);
    expect(uncovered(r(0, 10), [r(8, 20), r(2, 4), r(3, 5)])).toEqual([r(0, 2), r(5, 8)]);
    expect(uncovered(r(0, 10), [r(-Infinity, 1), r(9, Infinity)])).toEqual([r(1, 9)]);
  });
});

describe('partition names', () => {
  it('name the start day, and the time only off midnight', () => {
    expect(partitionName('meter_history', new Date('2026-11-01T00:00:00Z'))).toBe('meter_history_p20261101');
    expect(partitionName('meter_history', new Date('2026-11-01T06:30:00Z'))).toBe('meter_history_p20261101_063000');
  });
});

describe('partition configuration', () => {
  it('defaults to monthly partitions, three ahead, an hourly check and no retention', () => {
    expect(loadConfig({}).partitions).toEqual({
      interval: { count: 1, unit: 'month' },
      ahead: 3,
      retention: undefined,
      maintenanceIntervalMs: 3_600_000,
    });
  });

  it('reads intervals in days, weeks, months and years', () => {
    const config = loadConfig({
      HISTORY_PARTITION_INTERVAL: '1 day',
      HISTORY_RETENTION: '2 Years',
      HISTORY_PARTITIONS_AHEAD: '14',
      PARTITION_MAINTENANCE_INTERVAL_MS: '600000',
    });
    expect(config.partitions).toEqual({
      interval: { count: 1, unit: 'day' },
      ahead: 14,
      retention: { count: 24, unit: 'month' },
      maintenanceIntervalMs: 600_000,
    });
    expect(loadConfig({ HISTORY_PARTITION_INTERVAL: '2 weeks' }).partitions.interval).toEqual({
      count: 2,
      unit: 'week',
    });
  });

  it.each([
    ['HISTORY_PARTITION_INTERVAL', '1 hour'],
    ['HISTORY_PARTITION_INTERVAL', 'monthly'],
    ['HISTORY_PARTITION_INTERVAL', '0 days'],
    ['HISTORY_RETENTION', '13'],
    ['HISTORY_PARTITIONS_AHEAD', '-1'],
    ['PARTITION_MAINTENANCE_INTERVAL_MS', '10'],
  ])('refuses %s=%s', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(variable);
  });
});
