import { parseTimestamp, timestampProblem } from '../../src/validation/timestamp';

describe('parseTimestamp reads RFC 3339 and nothing else', () => {
  it.each([
    ['2026-12-01T10:00:00Z', Date.UTC(2026, 11, 1, 10)],
    ['2026-12-01t10:00:00z', Date.UTC(2026, 11, 1, 10)],
    ['2026-12-01T10:00:00.5Z', Date.UTC(2026, 11, 1, 10, 0, 0, 500)],
    ['2026-12-01T10:00:00.123456789Z', Date.UTC(2026, 11, 1, 10, 0, 0, 123)],
    ['2026-12-01T15:30:00+05:30', Date.UTC(2026, 11, 1, 10)],
    ['2026-12-01T06:30:00-03:30', Date.UTC(2026, 11, 1, 10)],
    ['2026-12-01T00:30:00+23:59', Date.UTC(2026, 10, 30, 0, 31)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-01-01T00:00:00Z', Date.UTC(2000, 0, 1)],
    ['9999-12-31T23:59:59.999Z', Date.UTC(9999, 11, 31, 23, 59, 59, 999)],
    ['0050-06-01T00:00:00Z', new Date(Date.UTC(2000, 5, 1)).setUTCFullYear(50)],
  ])('%s is %d ms after the epoch', (text, ms) => {
    expect(parseTimestamp(text)).toBe(ms);
  });

  it.each([
    '2026-12-01T10:00:00+05',
    '2026-12-01T10:00:00+0530',
    '2026-W01-1T10:00:00Z',
    '2026-335T10:00:00Z',
    '20260101T100000Z',
    '2026-12-01T10:00:00,5Z',
    '+002026-12-01T10:00:00Z',
    '2026-12-01 10:00:00Z',
    '2026-12-01T10:00:00',
    '2026-12-01T10:00Z',
    '2026-12-01',
    '2026-12-01T24:00:00Z',
    '2026-12-01T23:60:00Z',
    '2016-12-31T23:59:60Z',
    '2026-02-29T10:00:00Z',
    '2026-04-31T10:00:00Z',
    '2026-00-10T10:00:00Z',
    '2026-13-10T10:00:00Z',
    '0000-01-01T00:00:00Z',
    '2026-12-01T10:00:00+24:00',
    '2026-12-01T10:00:00+05:60',
    '2026-12-01T10:00:00.Z',
    '2026-12-01T10:00:00.1234567890Z',
    '２０２６-12-01T10:00:00Z',
    ' 2026-12-01T10:00:00Z',
    '2026-12-01T10:00:00Z\n',
  ])('%j is refused', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });

  it.each([undefined, null, 1_770_631_200_000, {}, ['2026-12-01T10:00:00Z']])('a %j is not a timestamp', (value) => {
    expect(parseTimestamp(value)).toBeUndefined();
  });

  it('every timestamp the rule admits is a valid Date with a four-digit UTC year', () => {
    for (const text of [
      '2000-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
      '2000-01-01T23:59:00+23:59',
      '2026-12-01T10:00:00.5+14:00',
    ]) {
      expect(timestampProblem(text, 'ts')).toBeUndefined();
      expect(new Date(parseTimestamp(text)!).toISOString()).toMatch(/^\d{4}-/);
    }
  });
});

describe('timestampProblem', () => {
  it('says why a timestamp before 2000 is refused', () => {
    expect(timestampProblem('1999-12-31T23:59:59Z', 'startedAt')).toBe(
      'startedAt must not be before 2000-01-01T00:00:00Z',
    );
  });

  it('refuses a time that is past year 9999 in UTC', () => {
    expect(timestampProblem('9999-12-31T23:59:59-00:01', 'to')).toBe('to must be before year 10000 in UTC');
  });

  it('shows the accepted form for a malformed one', () => {
    expect(timestampProblem('2026-12-01T10:00:00+05', 'from')).toMatch(/^from must be an RFC 3339 timestamp/);
  });
});
