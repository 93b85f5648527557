import { validateSync } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import type { FieldError } from '../errors/problem';
import { described } from '../validation/model-schema';
import {
  flattenErrors,
  inheritedFieldErrors,
  isPlainObject,
  IsDeviceId,
  IsMeasurement,
  VALIDATION,
} from '../validation/rules';
import { acceptedTimestamp, IsTimestamp, toDate } from '../validation/timestamp';
import { compileModel } from '../validation/compiled-model';

/**
 * The energy columns carry no upper bound of their own: the most one reading may carry is a setting
 * (MAX_READING_KWH), checked after the decorators. This ceiling only keeps the decorators' own rule
 * finite; the configured bound is always below it.
 */
const ENERGY_CEILING_KWH = 1_000_000;

// The prose of the OpenAPI document; the rules themselves are the validation decorators.
const example = (value: number, description?: string) =>
  JSONSchema({ examples: [value], ...(description && { description }) });
const energy = (value: number) =>
  example(
    value,
    'kWh over the interval that ends at `timestamp`; at most `MAX_READING_KWH` (1,000 by default), a setting ' +
      'checked after these rules. `maximum` is the ceiling that setting cannot exceed.',
  );
const REGISTER_CEILING_KWH = 1_000_000_000;
const register = (value: number, energyField: string) =>
  example(
    value,
    "The device's cumulative energy counter, kWh, with or instead of `" +
      energyField +
      "` (one of the two is required). The interval energy is then the increase since the device's previous " +
      'register reading by timestamp, so lost readings lose no energy (a late reading restates the one after it). ' +
      'Never negative nor a spike: a drop under `REGISTER_DIP_SHARE` (10 %) is a dip, held (0, the higher value ' +
      'kept as the base); a counter of width `REGISTER_ROLLOVER_KWH` going round counts what it took; a drop to ' +
      'under half is a reset, counted from zero when that much could have flowed; any other drop is a replaced ' +
      'counter (0); a rise faster than `MAX_POWER_KW` is quarantined (0). Each is counted in ' +
      '`fleet_register_events_total` and flagged on the device; docs/registers.md.',
  );
const readingTime = described(
  'At most `MAX_CLOCK_SKEW_SECONDS` (300 s by default) ahead of the server clock, and, when `HISTORY_RETENTION` ' +
    'is set, no older than the history kept.',
);

@described('AC energy a smart meter drew from the grid. Measurements are JSON numbers; unknown fields are refused.')
export class MeterReadingDto {
  @IsDeviceId() meterId: string;
  @IsMeasurement(0, ENERGY_CEILING_KWH, { optional: true }) @energy(150.5) kwhConsumedAc?: number;
  @IsMeasurement(0, REGISTER_CEILING_KWH, { optional: true })
  @register(48_213.75, 'kwhConsumedAc')
  kwhRegisterAc?: number;
  @IsMeasurement(0, 2_000) @example(240, 'V.') voltage: number;
  @IsTimestamp() @readingTime timestamp: string;
}

@described('DC energy that reached a vehicle battery. Measurements are JSON numbers; unknown fields are refused.')
export class VehicleReadingDto {
  @IsDeviceId() vehicleId: string;
  @IsMeasurement(0, 100) @example(85.5, 'State of charge, %.') soc: number;
  @IsMeasurement(0, ENERGY_CEILING_KWH, { optional: true }) @energy(45.2) kwhDeliveredDc?: number;
  @IsMeasurement(0, REGISTER_CEILING_KWH, { optional: true })
  @register(12_004.5, 'kwhDeliveredDc')
  kwhRegisterDc?: number;
  @IsMeasurement(-100, 200) @example(28.5, '°C.') batteryTemp: number;
  @IsTimestamp() @readingTime timestamp: string;
}

export interface MeterReading {
  type: 'meter';
  meterId: string;
  /** The interval's energy: as sent (0 when only a register was), then as derived from the register when stored. */
  kwhConsumedAc: number;
  kwhRegisterAc?: number;
  voltage: number;
  timestamp: Date;
}

export interface VehicleReading {
  type: 'vehicle';
  vehicleId: string;
  soc: number;
  kwhDeliveredDc: number;
  kwhRegisterDc?: number;
  batteryTemp: number;
  timestamp: Date;
}

export type Reading = MeterReading | VehicleReading;
export type ReadingType = Reading['type'];

export interface ReadingRules {
  maxClockSkewSeconds: number;
  maxReadingKwh: number;
  /** Readings older than this are refused: retention would drop them at its next run. */
  oldestAllowed?: Date;
  now?: Date;
}

export type ParseResult = { ok: true; reading: Reading } | { ok: false; errors: FieldError[] };

export function readingId(reading: Reading): string {
  return reading.type === 'meter' ? reading.meterId : reading.vehicleId;
}

function detectType(body: Record<string, unknown>): ReadingType | FieldError {
  const hasMeter = 'meterId' in body;
  const hasVehicle = 'vehicleId' in body;
  if (hasMeter && hasVehicle) return { path: '', message: 'a reading has either meterId or vehicleId, not both' };
  if (!hasMeter && !hasVehicle) return { path: '', message: 'a reading needs meterId (meter) or vehicleId (vehicle)' };
  return hasMeter ? 'meter' : 'vehicle';
}

/** The type a body claims by its id key, for counting rejected readings. */
export function claimedType(body: unknown): ReadingType | 'unknown' {
  const type = isPlainObject(body) ? detectType(body) : undefined;
  return typeof type === 'string' ? type : 'unknown';
}

/**
 * The body's fields on an instance of the DTO class, as class-validator needs. Readings have no
 * transformations to apply, and on a batch class-transformer's generic plainToInstance cost more than
 * the validation itself (see docs/performance.md). Fields are defined, not assigned, so no key can
 * replace the prototype that carries the rules.
 */
function asInstance<T extends object>(dto: new () => T, body: Record<string, unknown>): T {
  const instance = Object.create(dto.prototype as T) as T;
  for (const key of Object.keys(body)) {
    Object.defineProperty(instance, key, { value: body[key], enumerable: true, writable: true, configurable: true });
  }
  return instance;
}

const COMPILED = {
  meter: compileModel<MeterReadingDto>(MeterReadingDto),
  vehicle: compileModel<VehicleReadingDto>(VehicleReadingDto),
};

/**
 * The reading when the compiled schema and the timestamp rule accept the body as it is, or undefined.
 * Accepted, it has exactly the DTO's fields, so the reading is built from them by name.
 */
export function compiledReading(type: ReadingType, body: Record<string, unknown>): Reading | undefined {
  if (!COMPILED[type](body)) return undefined;
  const ms = acceptedTimestamp(body.timestamp);
  if (ms === undefined) return undefined;
  const timestamp = new Date(ms);
  return fromFields(type, body as unknown as MeterReadingDto & VehicleReadingDto, timestamp);
}

/** The reading of accepted fields; an energy sent only as a register is 0 until derived from it. */
function fromFields(type: ReadingType, dto: MeterReadingDto & VehicleReadingDto, timestamp: Date): Reading {
  if (type === 'meter') {
    const { meterId, kwhConsumedAc = 0, kwhRegisterAc, voltage } = dto;
    return { type, meterId, kwhConsumedAc, voltage, timestamp, ...(kwhRegisterAc !== undefined && { kwhRegisterAc }) };
  }
  const { vehicleId, soc, kwhDeliveredDc = 0, kwhRegisterDc, batteryTemp } = dto;
  return {
    type,
    vehicleId,
    soc,
    kwhDeliveredDc,
    batteryTemp,
    timestamp,
    ...(kwhRegisterDc !== undefined && { kwhRegisterDc }),
  };
}

/** The decorators' verdict, with their messages: the path of every body the compiled schema refuses. */
export function decoratedReading(type: ReadingType, body: Record<string, unknown>): Reading | FieldError[] {
  const inherited = inheritedFieldErrors(body);
  if (inherited.length > 0) return inherited;
  const dto = asInstance<MeterReadingDto | VehicleReadingDto>(
    type === 'meter' ? MeterReadingDto : VehicleReadingDto,
    body,
  );
  const errors = flattenErrors(validateSync(dto, VALIDATION));
  if (errors.length > 0) return errors;
  return fromFields(type, dto as MeterReadingDto & VehicleReadingDto, toDate(dto.timestamp));
}

/**
 * Validates one reading as it arrived in JSON. `expected` is the endpoint's type, or 'any' where the
 * id key decides. Numbers must be JSON numbers: no conversion from strings happens here.
 */
export function parseReading(body: unknown, expected: ReadingType | 'any', rules: ReadingRules): ParseResult {
  if (!isPlainObject(body)) return { ok: false, errors: [{ path: '', message: 'a reading must be a JSON object' }] };
  const type = expected === 'any' ? detectType(body) : expected;
  if (typeof type !== 'string') return { ok: false, errors: [type] };

  const reading = compiledReading(type, body) ?? decoratedReading(type, body);
  if (Array.isArray(reading)) return { ok: false, errors: reading };
  const [energyField, registerField] =
    type === 'meter' ? ['kwhConsumedAc', 'kwhRegisterAc'] : ['kwhDeliveredDc', 'kwhRegisterDc'];
  if (body[energyField] === undefined && body[registerField] === undefined) {
    return {
      ok: false,
      errors: [{ path: energyField, message: `a reading needs ${energyField}, ${registerField} or both` }],
    };
  }
  const problem = boundsProblem(reading, rules);
  if (problem) return { ok: false, errors: [problem] };
  return { ok: true, reading };
}

/** The rules that depend on settings and on the clock rather than on the reading alone. */
function boundsProblem(reading: Reading, rules: ReadingRules): FieldError | undefined {
  const [energyField, energy] =
    reading.type === 'meter' ? ['kwhConsumedAc', reading.kwhConsumedAc] : ['kwhDeliveredDc', reading.kwhDeliveredDc];
  if (energy > rules.maxReadingKwh) {
    return {
      path: energyField,
      message: `${energyField} must not be greater than ${rules.maxReadingKwh} kWh per reading`,
    };
  }
  const timestamp = reading.timestamp.getTime();
  const now = rules.now?.getTime() ?? Date.now();
  if (timestamp > now + rules.maxClockSkewSeconds * 1_000) {
    return { path: 'timestamp', message: `timestamp is more than ${rules.maxClockSkewSeconds}s in the future` };
  }
  if (rules.oldestAllowed && timestamp < rules.oldestAllowed.getTime()) {
    return {
      path: 'timestamp',
      message: `timestamp is older than the history kept (HISTORY_RETENTION): readings from ${rules.oldestAllowed.toISOString()} on are accepted`,
    };
  }
  return undefined;
}
