import { parseReading } from '../../src/ingestion/ingestion.dto';

const now = new Date('2026-02-09T12:00:00Z');
const rules = { maxClockSkewSeconds: 300, maxReadingKwh: 1_000, now };
const meter = { meterId: 'M-1', kwhConsumedAc: 1.5, voltage: 230, timestamp: '2026-02-09T11:59:00Z' };

describe('parseReading', () => {
  it('turns a valid reading into a typed value with a Date', () => {
    expect(parseReading(meter, 'any', rules)).toEqual({
      ok: true,
      reading: { type: 'meter', ...meter, timestamp: new Date('2026-02-09T11:59:00Z') },
    });
  });

  it('accepts a timestamp exactly at the clock-skew limit and refuses one a millisecond past it', () => {
    expect(parseReading({ ...meter, timestamp: '2026-02-09T12:05:00.000Z' }, 'meter', rules).ok).toBe(true);
    const late = parseReading({ ...meter, timestamp: '2026-02-09T12:05:00.001Z' }, 'meter', rules);
    expect(late).toEqual({ ok: false, errors: [{ path: 'timestamp', message: expect.stringContaining('300s') }] });
  });

  it('reports one message per bad field', () => {
    const result = parseReading({ ...meter, kwhConsumedAc: '1', voltage: -1 }, 'meter', rules);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.path)).toEqual(['kwhConsumedAc', 'voltage']);
  });

  it('does not let the expected type be overridden by the body', () => {
    const result = parseReading(meter, 'vehicle', rules);
    expect(result.ok).toBe(false);
  });
});

describe('parseReading and prototype keys', () => {
  it('treats a "__proto__" key as an unknown field rather than a new prototype', () => {
    const body = JSON.parse(
      '{"meterId":"M-1","kwhConsumedAc":1,"voltage":230,"timestamp":"2026-02-09T11:59:00Z","__proto__":{"voltage":1}}',
    );
    const result = parseReading(body, 'meter', rules);
    expect(result).toEqual({ ok: false, errors: [{ path: '__proto__', message: expect.any(String) }] });
  });

  it.each(['constructor', 'hasOwnProperty', 'toString', 'valueOf', 'isPrototypeOf'])(
    'refuses a "%s" field, whatever its value, as an unknown field',
    (key) => {
      for (const value of [null, 5, 'x', {}, []]) {
        const body = JSON.parse(JSON.stringify({ ...meter, [key]: value })) as Record<string, unknown>;
        expect(parseReading(body, 'meter', rules)).toEqual({
          ok: false,
          errors: [{ path: key, message: `property ${key} should not exist` }],
        });
      }
    },
  );
});
