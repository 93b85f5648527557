import {
  IsDefined,
  IsNumber,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  type ValidationError as ClassValidationError,
} from 'class-validator';
import type { FieldError } from '../errors/problem';

/** Device ids travel in paths, logs and CSV: short, and made of characters that need no escaping anywhere. */
export const ID_MAX_LENGTH = 64;
export const ID_PATTERN = new RegExp(`^[A-Za-z0-9._:-]{1,${ID_MAX_LENGTH}}$`);
export const ID_RULE = `1-${ID_MAX_LENGTH} characters of letters, digits and . _ : -`;

/** NaN and Infinity never reach JSON.parse output, but a decoded query value can carry them. */
export const FINITE = { allowNaN: false, allowInfinity: false };

// Unknown fields are refused, and one message per bad field is enough for a device author to fix it.
export const VALIDATION = { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true };

export function IsDeviceId(): PropertyDecorator {
  return (target, key) => {
    IsDefined()(target, key);
    IsString()(target, key);
    Length(1, ID_MAX_LENGTH)(target, key);
    Matches(ID_PATTERN, { message: `${String(key)} may only contain letters, digits and . _ : -` })(target, key);
  };
}

/** A measured value: a finite JSON number within what the device can physically report. */
export function IsMeasurement(min: number, max: number, { optional = false } = {}): PropertyDecorator {
  return (target, key) => {
    // Absent is allowed where optional; null never is, as no measurement is null.
    if (optional) ValidateIf((_, value) => value !== undefined)(target, key);
    else IsDefined()(target, key);
    IsNumber(FINITE, { message: `${String(key)} must be a finite JSON number` })(target, key);
    Min(min)(target, key);
    Max(max)(target, key);
  };
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

/**
 * A body's fields named like what every object inherits ("__proto__", "constructor", "toString"…),
 * refused as unknown fields before any DTO sees them: class-transformer and class-validator look
 * fields and metadata up through the prototype, where such a field would be found, override it
 * ("constructor": null made class-validator throw) or slip past the whitelist ("hasOwnProperty": 1).
 */
export function inheritedFieldErrors(body: Record<string, unknown>): FieldError[] {
  return Object.keys(body)
    .filter((key) => key in Object.prototype)
    .map((key) => ({ path: key, message: `property ${key} should not exist` }));
}
