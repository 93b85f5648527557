import { Transform } from 'class-transformer';
import { IsIn, IsNumber, IsOptional, IsPositive, IsString, Max, MaxLength, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { described } from '../validation/model-schema';
import { FINITE, ID_PATTERN, IsDeviceId } from '../validation/rules';
import { cursorFields, encodeCursor } from '../validation/cursor';
import { acceptedTimestamp, IsTimestamp, toDate } from '../validation/timestamp';
import { decimalFromQuery, PageSize, invalidQuery, validateQuery } from '../validation/validate-request';
import { DATA_QUALITY_FLAGS, SUSPECTS, type DataQualityFlag, type Suspect } from './analytics.responses';

export const MAX_WINDOW_HOURS = 8_760;
const DEFAULT_WINDOW_HOURS = 24;
const HOUR_MS = 3_600_000;
const MAX_PAGE_SIZE = 1_000;
const DEFAULT_PAGE_SIZE = 100;

class WindowQueryDto {
  @IsOptional()
  @Transform(decimalFromQuery)
  @IsNumber(FINITE, { message: 'hours must be a number' })
  @IsPositive()
  @Max(MAX_WINDOW_HOURS)
  @JSONSchema({
    description: 'The window ends now and spans this many hours. Not with `from`/`to`.',
    default: DEFAULT_WINDOW_HOURS,
  })
  hours?: number;

  @IsOptional()
  @IsTimestamp()
  @described('Window start, excluded: a reading at `from` closes an interval before the window. Instead of `hours`.')
  from?: string;

  @IsOptional() @IsTimestamp() @described('Window end, included (needs `from`); now when omitted.') to?: string;
}

export class PerformanceQueryDto extends WindowQueryDto {
  @IsOptional()
  @IsDeviceId()
  @described("Read the AC side from this meter instead of the vehicle's sessions.")
  meterId?: string;
}

/** The query of the answers that judge several vehicles: the meter view, and the fleet list (below). */
export class JudgedQueryDto extends WindowQueryDto {
  @IsOptional()
  @Transform(decimalFromQuery)
  @IsNumber(FINITE, { message: 'threshold must be a number' })
  @Min(0)
  @Max(1)
  @described('Flag ratios below this; `EFFICIENCY_ALERT_THRESHOLD` by default.')
  threshold?: number;
}

export class FleetQueryDto extends JudgedQueryDto {
  @PageSize(MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
  limit?: number;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'lowEfficiency must be true or false' })
  @described('Only the vehicles flagged (`true`), or only those not flagged (`false`).')
  lowEfficiency?: 'true' | 'false';

  @IsOptional()
  @IsIn(DATA_QUALITY_FLAGS, { message: `dataQuality must be one of ${DATA_QUALITY_FLAGS.join(', ')}` })
  @described('Only the vehicles whose `dataQuality` holds this flag.')
  dataQuality?: DataQualityFlag;

  @IsOptional()
  @IsIn(SUSPECTS, { message: `suspect must be one of ${SUSPECTS.join(', ')}` })
  @described('Only the vehicles whose `suspect` is this.')
  suspect?: Suspect;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  @described("The previous page's `nextCursor`; it carries that page's window, threshold and filters.")
  cursor?: string;
}

/** Readings count when from < ts <= to: a reading carries the interval that ends at its timestamp. */
export interface Window {
  from: Date;
  to: Date;
}

/** Where a fleet page ends, in the order (ratio, nulls last; vehicle id). */
export interface FleetPosition {
  ratio: number | null;
  vehicleId: string;
}

export interface PerformanceQuery {
  window: Window;
  meterId?: string;
}

/** Which vehicles a fleet page lists; absent fields filter nothing. */
export interface FleetFilter {
  lowEfficiency?: boolean;
  dataQuality?: DataQualityFlag;
  suspect?: Suspect;
}

export interface FleetQuery {
  window: Window;
  threshold?: number;
  filter: FleetFilter;
  limit: number;
  after?: FleetPosition;
}

/** What a fleet cursor carries besides the position: the first page's question, so later pages keep it. */
interface FleetCursor {
  window: Window;
  threshold?: number;
  filter: FleetFilter;
  after: FleetPosition;
}

/** Non-empty and no longer than MAX_WINDOW_HOURS. */
export const spanAllowed = ({ from, to }: Window) =>
  from.getTime() < to.getTime() && to.getTime() - from.getTime() <= MAX_WINDOW_HOURS * HOUR_MS;

/** `hours` back from now by default; `from` (and optionally `to`, else now) instead of `hours`. */
function resolveWindow({ hours, from, to }: WindowQueryDto, now: Date): Window {
  if (hours !== undefined && (from !== undefined || to !== undefined)) {
    throw invalidQuery('hours', 'hours cannot be combined with from or to');
  }
  if (to !== undefined && from === undefined) throw invalidQuery('from', 'from is required when to is given');
  const end = to === undefined ? now : toDate(to);
  const span = Math.round((hours ?? DEFAULT_WINDOW_HOURS) * HOUR_MS);
  const start = from === undefined ? new Date(end.getTime() - span) : toDate(from);
  const window = { from: start, to: end };
  if (start.getTime() >= end.getTime()) throw invalidQuery('from', 'from must be before to (now when to is omitted)');
  if (!spanAllowed(window)) throw invalidQuery('from', `the window may span at most ${MAX_WINDOW_HOURS} hours`);
  return window;
}

export function parseJudgedQuery(query: unknown, now: Date): { window: Window; threshold?: number } {
  const dto = validateQuery(JudgedQueryDto, query, 'The query is invalid.');
  return { window: resolveWindow(dto, now), threshold: dto.threshold };
}

export function parsePerformanceQuery(query: unknown, now: Date): PerformanceQuery {
  const dto = validateQuery(PerformanceQueryDto, query, 'The query is invalid.');
  return { window: resolveWindow(dto, now), meterId: dto.meterId };
}

/**
 * A cursor carries the window, threshold and filters of the first page, so that later pages neither
 * slide with the clock nor change the question half way.
 */
export function parseFleetQuery(query: unknown, now: Date): FleetQuery {
  const dto = validateQuery(FleetQueryDto, query, 'The query is invalid.');
  const cursor = dto.cursor === undefined ? undefined : decodeCursor(dto.cursor);
  const filter: FleetFilter = {
    ...(dto.lowEfficiency !== undefined && { lowEfficiency: dto.lowEfficiency === 'true' }),
    ...(dto.dataQuality !== undefined && { dataQuality: dto.dataQuality }),
    ...(dto.suspect !== undefined && { suspect: dto.suspect }),
  };
  return {
    window: cursor?.window ?? resolveWindow(dto, now),
    threshold: cursor ? cursor.threshold : dto.threshold,
    filter: cursor?.filter ?? filter,
    limit: dto.limit ?? DEFAULT_PAGE_SIZE,
    after: cursor?.after,
  };
}

export const encodeFleetCursor = ({ window, threshold, filter, after }: FleetCursor): string =>
  encodeCursor([
    window.from.toISOString(),
    window.to.toISOString(),
    after.ratio,
    after.vehicleId,
    threshold ?? null,
    filter.lowEfficiency ?? null,
    filter.dataQuality ?? null,
    filter.suspect ?? null,
  ]);

const isFlag = (value: unknown): value is DataQualityFlag => DATA_QUALITY_FLAGS.some((flag) => flag === value);
const isSuspect = (value: unknown): value is Suspect => SUSPECTS.some((suspect) => suspect === value);

function decodeCursor(cursor: string): FleetCursor {
  const fields = cursorFields(cursor);
  const [from, to, ratio, vehicleId, threshold, lowEfficiency, dataQuality, suspect] = fields;
  // A cursor comes back from the client, so its times pass the same rule as any other timestamp.
  const fromMs = acceptedTimestamp(from);
  const toMs = acceptedTimestamp(to);
  const window =
    fromMs !== undefined && toMs !== undefined ? { from: new Date(fromMs), to: new Date(toMs) } : undefined;
  const valid =
    fields.length === 8 &&
    window !== undefined &&
    spanAllowed(window) &&
    (ratio === null || (typeof ratio === 'number' && Number.isFinite(ratio))) &&
    typeof vehicleId === 'string' &&
    ID_PATTERN.test(vehicleId) &&
    (threshold === null || (typeof threshold === 'number' && threshold >= 0 && threshold <= 1)) &&
    (lowEfficiency === null || typeof lowEfficiency === 'boolean') &&
    (dataQuality === null || isFlag(dataQuality)) &&
    (suspect === null || isSuspect(suspect));
  if (!valid || !window) throw invalidQuery('cursor', 'cursor is not one this endpoint issued');
  return {
    window,
    ...(threshold !== null && { threshold }),
    filter: {
      ...(lowEfficiency !== null && { lowEfficiency }),
      ...(dataQuality !== null && { dataQuality }),
      ...(suspect !== null && { suspect }),
    },
    after: { ratio, vehicleId },
  };
}
