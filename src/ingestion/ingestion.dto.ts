import {
  IsDefined,
  IsISO8601,
  IsNumber,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  validateSync,
  type ValidationError as ClassValidationError,
} from 'class-validator';
import type { FieldError } from '../errors/problem';

export const ID_MAX_LENGTH = 64;
export const ID_PATTERN = new RegExp(`^[A-Za-z0-9._:-]{1,${ID_MAX_LENGTH}}$`);
export const ZONED_TIMESTAMP = /T.*(Z|[+-]\d{2}(:?\d{2})?)$/i;
export const FINITE = { allowNaN: false, allowInfinity: false };
// One message per bad field is enough for a device author to fix it.
export const VALIDATION = { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true };

export function IsDeviceId(): PropertyDecorator {
  return (target, key) => {
    IsDefined()(target, key);
    IsString()(target, key);
    Length(1, ID_MAX_LENGTH)(target, key);
    Matches(ID_PATTERN, { message: `${String(key)} may only contain letters, digits and . _ : -` })(target, key);
  };
}

export function IsZonedTimestamp(): PropertyDecorator {
  return (target, key) => {
    IsDefined()(target, key);
    IsISO8601({ strict: true, strictSeparator: true })(target, key);
    Matches(ZONED_TIMESTAMP, { message: `${String(key)} must include a time and a zone (Z or ±hh:mm)` })(target, key);
  };
}

function IsMeasurement(min: number, max?: number): PropertyDecorator {
  return (target, key) => {
    IsDefined()(target, key);
    IsNumber(FINITE, { message: `${String(key)} must be a finite JSON number` })(target, key);
    Min(min)(target, key);
    if (max !== undefined) Max(max)(target, key);
  };
}

export class MeterReadingDto {
  @IsDeviceId() meterId: string;
  @IsMeasurement(0) kwhConsumedAc: number;
  @IsMeasurement(0, 2_000) voltage: number;
  @IsZonedTimestamp() timestamp: string;
}

export class VehicleReadingDto {
  @IsDeviceId() vehicleId: string;
  @IsMeasurement(0, 100) soc: number;
  @IsMeasurement(0) kwhDeliveredDc: number;
  @IsMeasurement(-100, 200) batteryTemp: number;
  @IsZonedTimestamp() timestamp: string;
}

export interface MeterReading {
  type: 'meter';
  meterId: string;
  kwhConsumedAc: number;
  voltage: number;
  timestamp: Date;
}

export interface VehicleReading {
  type: 'vehicle';
  vehicleId: string;
  soc: number;
  kwhDeliveredDc: number;
  batteryTemp: number;
  timestamp: Date;
}

export type Reading = MeterReading | VehicleReading;
export type ReadingType = Reading['type'];

export interface ReadingRules {
  maxClockSkewSeconds: number;
  now?: Date;
}

export type ParseResult = { ok: true; reading: Reading } | { ok: false; errors: FieldError[] };

export function readingId(reading: Reading): string {
  return reading.type === 'meter' ? reading.meterId : reading.vehicleId;
}

export function flattenErrors(errors: ClassValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flattenErrors(error.children ?? [], path)];
  });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
 * the validation itself (5 of 13 µs a reading). Fields are defined, not assigned, so no key can
 * replace the prototype that carries the rules.
 */
function asInstance<T extends object>(dto: new () => T, body: Record<string, unknown>): T {
  const instance = Object.create(dto.prototype) as T;
  for (const key of Object.keys(body)) {
    Object.defineProperty(instance, key, { value: body[key], enumerable: true, writable: true, configurable: true });
  }
  return instance;
}

/**
 * Validates one reading as it arrived in JSON. `expected` is the endpoint's type, or 'any' where the
 * id key decides. Numbers must be JSON numbers: no conversion from strings happens here.
 */
export function parseReading(body: unknown, expected: ReadingType | 'any', rules: ReadingRules): ParseResult {
  if (!isPlainObject(body)) return { ok: false, errors: [{ path: '', message: 'a reading must be a JSON object' }] };
  const type = expected === 'any' ? detectType(body) : expected;
  if (typeof type !== 'string') return { ok: false, errors: [type] };

  // class-validator's whitelist looks fields up in a plain object, where "__proto__" always exists.
  if (Object.hasOwn(body, '__proto__')) {
    return { ok: false, errors: [{ path: '__proto__', message: 'property __proto__ should not exist' }] };
  }
  const dtoClass = type === 'meter' ? MeterReadingDto : VehicleReadingDto;
  const dto = asInstance<MeterReadingDto | VehicleReadingDto>(dtoClass, body);
  const errors = flattenErrors(validateSync(dto, VALIDATION));
  if (errors.length > 0) return { ok: false, errors };

  const timestamp = new Date(dto.timestamp);
  const latest = (rules.now ?? new Date()).getTime() + rules.maxClockSkewSeconds * 1_000;
  if (timestamp.getTime() > latest) {
    return {
      ok: false,
      errors: [{ path: 'timestamp', message: `timestamp is more than ${rules.maxClockSkewSeconds}s in the future` }],
    };
  }
  return { ok: true, reading: { ...dto, type, timestamp } as Reading };
}
