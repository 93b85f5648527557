import type * as OpenApi from '../contract/openapi.types';
import { ID_MAX_LENGTH, ID_PATTERN, ID_RULE } from './rules';
import { RFC3339 } from './timestamp';

/** Schemas the generated ones refer to; the compiled reading validator needs them as much as the document does. */
export const commonSchemas: Record<string, OpenApi.Schema> = {
  DeviceId: {
    type: 'string',
    minLength: 1,
    maxLength: ID_MAX_LENGTH,
    pattern: ID_PATTERN.source,
    description: `A meter or vehicle id: ${ID_RULE}.`,
    examples: ['METER-001'],
  },
  ZonedTimestamp: {
    type: 'string',
    format: 'date-time',
    pattern: RFC3339.source,
    description:
      'RFC 3339: `YYYY-MM-DDTHH:MM:SS`, an optional `.` fraction, then `Z` or `±HH:MM`; a real calendar date and ' +
      'time (no 24:00, no second 60), from 2000-01-01 to the end of year 9999 UTC. ISO 8601 week, ordinal and ' +
      'basic forms, comma fractions and hour-only offsets are refused. Kept to the millisecond.',
    examples: ['2026-02-09T10:00:00Z'],
  },
  Instant: {
    type: 'string',
    format: 'date-time',
    description: 'UTC, to the millisecond.',
    examples: ['2026-02-09T10:00:00.000Z'],
  },
  Uuid: { type: 'string', format: 'uuid' },
};
