import { IsDefined, registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * RFC 3339 date-time and nothing looser: the calendar date, 'T', a time to the second with an optional
 * '.'-fraction, and 'Z' or a ±HH:MM offset. ISO 8601 also has week dates, ordinal dates, the basic
 * form without separators, comma fractions, expanded years and hour-only offsets; JavaScript, the
 * validator library and PostgreSQL each read a different subset of those, so a form one of them
 * accepts can fail in another after the request was judged valid. One grammar, checked here, is the
 * only way a timestamp gets in.
 */
export const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Nothing the fleet measures predates this; an earlier time is a device with an unset clock. */
const EARLIEST_TIMESTAMP = Date.UTC(2000, 0, 1);
const EARLIEST_TIMESTAMP_TEXT = '2000-01-01T00:00:00Z';
/** A far offset can carry year 9999 into 10000, which neither ISO strings nor PostgreSQL's input spell alike. */
const LATEST_TIMESTAMP = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const daysInMonth = (year: number, month: number) => (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]);

/**
 * Milliseconds since the epoch for an RFC 3339 timestamp on a real calendar date and clock time, or
 * undefined. Digits below the millisecond are dropped, so two readings a microsecond apart are one.
 * Every reading's timestamp comes through here, so it makes no Date and no array.
 */
export function parseTimestamp(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  if (month < 1 || month > 12 || day < 1 || year < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetHours = match[10] === undefined ? 0 : Number(match[10]);
  const offsetMinutes = match[11] === undefined ? 0 : Number(match[11]);
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const millis = match[7] === undefined ? 0 : Number(`${match[7]}00`.slice(0, 3));
  const sign = match[9] === '-' ? -1 : 1;
  // Date.UTC reads years 0-99 as 1900-1999; setUTCFullYear takes them as they are.
  const local =
    year >= 100
      ? Date.UTC(year, month - 1, day, hour, minute, second, millis)
      : new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millis)).setUTCFullYear(year);
  return local - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

/** The shared rule for every timestamp the API accepts: RFC 3339, on or after 2000-01-01. */
export function timestampProblem(text: unknown, field: string): string | undefined {
  const ms = parseTimestamp(text);
  if (ms === undefined) {
    return `${field} must be an RFC 3339 timestamp with a zone, like 2026-02-09T10:00:00Z or 2026-02-09T11:00:00.250+01:00`;
  }
  if (ms < EARLIEST_TIMESTAMP) return `${field} must not be before ${EARLIEST_TIMESTAMP_TEXT}`;
  if (ms > LATEST_TIMESTAMP) return `${field} must be before year 10000 in UTC`;
  return undefined;
}

/** Milliseconds since the epoch of a timestamp that timestampProblem() finds nothing wrong with, or undefined. */
export function acceptedTimestamp(text: unknown): number | undefined {
  const ms = parseTimestamp(text);
  return ms !== undefined && ms >= EARLIEST_TIMESTAMP && ms <= LATEST_TIMESTAMP ? ms : undefined;
}

/** For values that already passed IsTimestamp(); anything else is a bug in the caller. */
export function toDate(text: string): Date {
  const ms = parseTimestamp(text);
  if (ms === undefined) throw new Error(`toDate called with an unvalidated timestamp ${JSON.stringify(text)}`);
  return new Date(ms);
}

/** The constraint's name, by which the OpenAPI generator maps it to the ZonedTimestamp schema. */
export const IS_TIMESTAMP = 'isTimestamp';

export function IsTimestamp(): PropertyDecorator {
  return (target, key) => {
    IsDefined()(target, key);
    registerDecorator({
      name: IS_TIMESTAMP,
      target: target.constructor,
      propertyName: String(key),
      validator: {
        validate: (value: unknown) => timestampProblem(value, String(key)) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          timestampProblem(args?.value, String(key)) ?? `${String(key)} is not a valid timestamp`,
      },
    });
  };
}
