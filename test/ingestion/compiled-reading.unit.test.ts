import fc from 'fast-check';
import { compiledReading, decoratedReading, type ReadingType } from '../../src/ingestion/ingestion.dto';

/*
 * The compiled schema decides every valid reading on its own, so it must accept exactly what the
 * decorators accept, and make the same reading of it. Refused bodies go to the decorators anyway.
 */

const nearLimits = [0, -0, 100, 2_000, -100, 200, 1_000_000, 1_000_000.0000001, -1e-300, 5e-324, 1e308, -1e308];
const number = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: 0, max: 100, noNaN: true }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.constantFrom(...nearLimits, Number.MAX_SAFE_INTEGER, 2 ** 63) },
);
const id = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/) },
  fc.string({ maxLength: 80, unit: 'grapheme' }),
  fc.constantFrom(
    '',
    'a'.repeat(64),
    'a'.repeat(65),
    'V-1\n',
    '\nV-1',
    'V 1',
    'Ü',
    '\u0000',
    '😀',
    'null',
    '__proto__',
  ),
);
const instant = fc.integer({ min: Date.UTC(1999, 11, 31), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) });
const timestamp = fc.oneof(
  { weight: 4, arbitrary: instant.map((ms) => new Date(ms).toISOString()) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(instant, fc.integer({ min: -1_439, max: 1_439 }), fc.stringMatching(/^\d{0,9}$/))
      .map(([ms, offset, fraction]) => {
        const local = new Date(ms + offset * 60_000).toISOString().slice(0, 19);
        const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
        return `${local}${fraction ? `.${fraction}` : ''}${zone}`;
      }),
  },
  fc.constantFrom(
    '2000-01-01T00:00:00Z',
    '1999-12-31T23:59:59.999Z',
    '2000-01-01T00:30:00+01:00',
    '9999-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59-00:01',
    '2024-02-29T10:00:00z',
    '2025-02-29T10:00:00Z',
    '2026-12-01T24:00:00Z',
    '2016-12-31T23:59:60Z',
    '2026-02-09t10:00:00Z',
    '2026-02-09T10:00:00+24:00',
    '2026-02-09T10:00:00.1234567890Z',
    '2026-02-09 10:00:00Z',
    '2026-02-09T10:00:00Z\n',
    '+002026-12-01T10:00:00Z',
    '',
  ),
  fc.string({ maxLength: 40 }),
);
const anything = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.anything({ maxDepth: 2 }), number);
const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: anything });
// Mostly complete, sometimes with fields missing.
const fields = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record(model) },
    { weight: 1, arbitrary: fc.record(model, { requiredKeys: [] }) },
  );
const meter = fields({
  meterId: field(id),
  kwhConsumedAc: field(number),
  voltage: field(number),
  timestamp: field(timestamp),
});
const vehicle = fields({
  vehicleId: field(id),
  soc: field(number),
  kwhDeliveredDc: field(number),
  batteryTemp: field(number),
  timestamp: field(timestamp),
});
// Keys that exist on every object's prototype, or that JSON.parse makes own properties of.
const extraKey = fc.oneof(
  fc.constantFrom('constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__', 'meterId', 'vehicleId', 'type'),
  fc.string({ maxLength: 10 }),
);
const bodyOf = (type: ReadingType) =>
  fc
    .tuple(
      type === 'meter' ? meter : vehicle,
      fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, fc.tuple(extraKey, anything)),
    )
    // Through JSON, as a request body arrives: "__proto__" becomes an own key, undefined fields vanish.
    .map(([fields, extra]) => {
      const text = JSON.stringify(fields);
      if (!extra) return JSON.parse(text) as Record<string, unknown>;
      const [key, value] = extra;
      const more = `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`;
      return JSON.parse(text === '{}' ? `{${more}}` : `${text.slice(0, -1)},${more}}`) as Record<string, unknown>;
    });

/**
 * class-validator looks a body's keys up in a plain object, so a key named like a member of
 * Object.prototype can slip past its whitelist (`hasOwnProperty`) or break it (`constructor`). The
 * compiled schema refuses such keys; those bodies still go to the decorators, which decide them as
 * they always did, so only the other direction has to hold for them.
 */
const hasPrototypeKey = (input: object) => Object.keys(input).some((key) => key in Object.prototype);

function decoratorVerdict(type: ReadingType, input: Record<string, unknown>): 'accepted' | 'refused' | 'threw' {
  try {
    return Array.isArray(decoratedReading(type, input)) ? 'refused' : 'accepted';
  } catch {
    return 'threw';
  }
}

describe('the compiled reading schema and the decorators', () => {
  it.each<ReadingType>(['meter', 'vehicle'])('accept the same %s readings and read them alike', (type) => {
    fc.assert(
      fc.property(bodyOf(type), (input) => {
        const compiled = compiledReading(type, input);
        if (compiled !== undefined) {
          expect(compiled).toEqual(decoratedReading(type, input));
        } else if (!hasPrototypeKey(input)) {
          expect(decoratorVerdict(type, input)).toBe('refused');
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('refuses every body with a key named like a member of Object.prototype', () => {
    const valid = { vehicleId: 'V-1', soc: 50, kwhDeliveredDc: 1, batteryTemp: 20, timestamp: '2026-02-09T10:00:00Z' };
    for (const key of Object.getOwnPropertyNames(Object.prototype)) {
      expect(compiledReading('vehicle', JSON.parse(JSON.stringify({ ...valid, [key]: 1 })))).toBeUndefined();
    }
  });

  it('accepts what a device sends', () => {
    const input = { meterId: 'M-1', kwhConsumedAc: 1.5, voltage: 230, timestamp: '2026-02-09T11:59:00.5+01:00' };
    expect(compiledReading('meter', input)).toEqual({
      type: 'meter',
      meterId: 'M-1',
      kwhConsumedAc: 1.5,
      voltage: 230,
      timestamp: new Date('2026-02-09T10:59:00.500Z'),
    });
  });
});
