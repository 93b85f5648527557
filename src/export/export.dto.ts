import { IsOptional, IsString, MaxLength } from 'class-validator';
import { MAX_WINDOW_HOURS, spanAllowed, type Window } from '../analytics/analytics.public';
import { described } from '../validation/model-schema';
import { cursorFields, encodeCursor } from '../validation/cursor';
import { acceptedTimestamp, IsTimestamp, toDate } from '../validation/timestamp';
import { PageSize, invalidQuery, validateQuery } from '../validation/validate-request';

export const MAX_PAGE_SIZE = 10_000;
const DEFAULT_PAGE_SIZE = 1_000;

export class ReadingsQueryDto {
  @IsOptional()
  @IsTimestamp()
  @described('Window start, excluded: a reading at `from` belongs to the interval before. Required without `cursor`.')
  from?: string;

  @IsOptional() @IsTimestamp() @described('Window end, included; now when omitted.') to?: string;

  @PageSize(MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE, 'Readings per JSON page; not with CSV.')
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  @described("The previous JSON page's `nextCursor`; it carries that page's device and window. Not with CSV.")
  cursor?: string;
}

/** One JSON page: the readings with after < ts <= window.to, oldest first. */
export interface ReadingsPageQuery {
  window: Window;
  limit: number;
  /** The last timestamp of the previous page as the database wrote it, to the microsecond. */
  after?: string;
}

/** The export window, under analytics' span rule so that every export has an analytics answer to agree with. */
function resolveWindow({ from, to }: ReadingsQueryDto, now: Date): Window {
  if (from === undefined) throw invalidQuery('from', 'from is required');
  const window = { from: toDate(from), to: to === undefined ? now : toDate(to) };
  if (window.from.getTime() >= window.to.getTime()) {
    throw invalidQuery('from', 'from must be before to (now when to is omitted)');
  }
  if (!spanAllowed(window)) throw invalidQuery('from', `the window may span at most ${MAX_WINDOW_HOURS} hours`);
  return window;
}

/** The whole window, for CSV: paging parameters have no meaning there and are refused rather than ignored. */
export function parseExportQuery(query: unknown, now: Date): Window {
  const dto = validateQuery(ReadingsQueryDto, query, 'The query is invalid.');
  for (const name of ['limit', 'cursor'] as const) {
    if (dto[name] !== undefined) throw invalidQuery(name, `${name} only applies to JSON pages; a CSV export is whole`);
  }
  return resolveWindow(dto, now);
}

/**
 * A first page fixes the window (`to` defaults to now), and its cursor carries it, so later pages
 * neither slide with the clock nor depend on the client repeating `from` and `to`; when it does
 * repeat them, they must be the cursor's.
 */
export function parsePageQuery(deviceId: string, query: unknown, now: Date): ReadingsPageQuery {
  const dto = validateQuery(ReadingsQueryDto, query, 'The query is invalid.');
  const limit = dto.limit ?? DEFAULT_PAGE_SIZE;
  if (dto.cursor === undefined) return { window: resolveWindow(dto, now), limit };
  const { window, after } = decodeCursor(dto.cursor, deviceId);
  const differs = (given: string | undefined, bound: Date) =>
    given !== undefined && toDate(given).getTime() !== bound.getTime();
  if (differs(dto.from, window.from) || differs(dto.to, window.to)) {
    throw invalidQuery('cursor', 'cursor belongs to another window than from and to');
  }
  return { window, limit, after };
}

export const encodeReadingsCursor = (deviceId: string, window: Window, after: string): string =>
  encodeCursor([deviceId, window.from.toISOString(), window.to.toISOString(), after]);

function decodeCursor(cursor: string, deviceId: string): { window: Window; after: string } {
  const fields = cursorFields(cursor);
  const [device, from, to, after] = fields;
  // Everything in a cursor came back from the client, so its times pass the rule any timestamp does.
  const [fromMs, toMs, afterMs] = [acceptedTimestamp(from), acceptedTimestamp(to), acceptedTimestamp(after)];
  const window =
    fromMs !== undefined && toMs !== undefined ? { from: new Date(fromMs), to: new Date(toMs) } : undefined;
  const valid =
    fields.length === 4 &&
    device === deviceId &&
    window !== undefined &&
    spanAllowed(window) &&
    afterMs !== undefined &&
    afterMs >= window.from.getTime() &&
    afterMs <= window.to.getTime();
  if (!valid || typeof after !== 'string') {
    throw invalidQuery('cursor', `cursor is not one this endpoint issued for ${deviceId}`);
  }
  return { window, after };
}
