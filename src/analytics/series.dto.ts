import { IsIn, IsOptional, IsString, MaxLength, ValidateBy } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { described } from '../validation/model-schema';
import { IsTimestamp, toDate } from '../validation/timestamp';
import { invalidQuery, validateQuery } from '../validation/validate-request';
import type { Window } from './analytics.dto';

export const SERIES_BUCKETS = ['1m', '15m', '1h', '1d'] as const;
export type SeriesBucket = (typeof SERIES_BUCKETS)[number];

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
export const MAX_SERIES_DAYS = 366;
/** More points than a chart can show; a request for more is a mistake, not a bigger chart. */
export const MAX_SERIES_POINTS = 5_000;
const DEFAULT_SPAN_MS = DAY_MS;

const BUCKET_MS: Record<SeriesBucket, number> = { '1m': MINUTE_MS, '15m': 15 * MINUTE_MS, '1h': HOUR_MS, '1d': DAY_MS };

/** The finest bucket for the span that keeps the series near 1,000 points at most. */
const DEFAULT_BUCKETS: Array<[maxSpanMs: number, bucket: SeriesBucket]> = [
  [16 * HOUR_MS, '1m'],
  [10 * DAY_MS, '15m'],
  [41 * DAY_MS, '1h'],
];

/** An IANA zone name the JavaScript runtime knows; PostgreSQL is asked too, by the service. */
function knownToIntl(zone: unknown): boolean {
  if (typeof zone !== 'string') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export class SeriesQueryDto {
  @IsOptional()
  @IsTimestamp()
  @described(
    'Series start, excluded (a reading at `from` belongs to the bucket before). 24 hours before `to` by default.',
  )
  from?: string;

  @IsOptional() @IsTimestamp() @described('Series end, included; now when omitted.') to?: string;

  @IsOptional()
  @IsIn(SERIES_BUCKETS)
  @JSONSchema({
    description:
      'Bucket size. By default the finest that keeps the series near 1,000 points: 1m up to 16 h, ' +
      `15m up to 10 days, 1h up to 41 days, else 1d. At most ${MAX_SERIES_POINTS} buckets.`,
  })
  bucket?: SeriesBucket;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  @ValidateBy(
    {
      name: 'isTimeZone',
      validator: { validate: knownToIntl, defaultMessage: () => 'tz must be an IANA time zone name' },
    },
    { message: 'tz must be an IANA time zone name, like Europe/Berlin' },
  )
  @JSONSchema({
    description:
      'IANA time zone whose calendar days make the 1d buckets (23 or 25 hours across a DST change). ' +
      'Shorter buckets are aligned on UTC whatever the zone.',
    default: 'UTC',
    examples: ['Europe/Berlin'],
  })
  tz?: string;
}

export interface SeriesQuery {
  window: Window;
  bucket: SeriesBucket;
  tz: string;
}

/** Buckets the window touches at most: a partial one at each end besides the whole ones. */
const pointsAtMost = (spanMs: number, bucket: SeriesBucket) => Math.ceil(spanMs / BUCKET_MS[bucket]) + 1;

export function parseSeriesQuery(query: unknown, now: Date): SeriesQuery {
  const dto = validateQuery(SeriesQueryDto, query, 'The query is invalid.');
  const to = dto.to === undefined ? now : toDate(dto.to);
  const from = dto.from === undefined ? new Date(to.getTime() - DEFAULT_SPAN_MS) : toDate(dto.from);
  const span = to.getTime() - from.getTime();
  if (span <= 0) throw invalidQuery('from', 'from must be before to (now when to is omitted)');
  if (span > MAX_SERIES_DAYS * DAY_MS)
    throw invalidQuery('from', `the series may span at most ${MAX_SERIES_DAYS} days`);
  const bucket = dto.bucket ?? DEFAULT_BUCKETS.find(([maxSpan]) => span <= maxSpan)?.[1] ?? '1d';
  if (pointsAtMost(span, bucket) > MAX_SERIES_POINTS) {
    throw invalidQuery(
      'bucket',
      `${bucket} buckets over this window exceed ${MAX_SERIES_POINTS} points; take a larger one`,
    );
  }
  return { window: { from, to }, bucket, tz: dto.tz ?? 'UTC' };
}
