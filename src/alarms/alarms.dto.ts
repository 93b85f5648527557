import { IsIn, IsOptional, IsString, isUUID, Matches, MaxLength } from 'class-validator';
import { ValidationError } from '../errors/problem';
import { cursorFields, encodeCursor } from '../validation/cursor';
import { described } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';
import { PageSize, validateQuery, validateRequest } from '../validation/validate-request';
import { ALARM_STATES, ALARM_TYPES, type AlarmState, type AlarmType } from './alarms.responses';

const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 100;
/** `open`: active or acknowledged, what still needs someone. */
const STATE_FILTERS = ['open', ...ALARM_STATES] as const;
export type StateFilter = (typeof STATE_FILTERS)[number];

export class AlarmQueryDto {
  @IsOptional()
  @IsIn(STATE_FILTERS, { message: `state must be one of ${STATE_FILTERS.join(', ')}` })
  @described('`open` (active or acknowledged), `active`, `acknowledged` or `cleared`; absent, every state.')
  state?: StateFilter;

  @IsOptional()
  @IsIn(ALARM_TYPES, { message: `type must be one of ${ALARM_TYPES.join(', ')}` })
  @described('Only alarms of this type.')
  type?: AlarmType;

  @IsOptional() @IsDeviceId() @described('Only alarms about this device (or webhook endpoint id).') deviceId?: string;

  @PageSize(MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
  limit?: number;

  @IsOptional() @IsString() @MaxLength(512) @described("The previous page's `nextCursor`.") cursor?: string;
}

export class AcknowledgeDto {
  @IsOptional()
  @IsString()
  @Matches(/^[^\p{Cc}\p{Cs}]{1,500}$/u, { message: 'note must be 1-500 characters, no control characters' })
  @described('What the person acknowledging has to say: 1-500 characters.')
  note?: string;
}

/** Where a page ends: the last alarm's raise time (in microseconds, as stored) and id. */
export interface AlarmPosition {
  raisedAt: string;
  id: string;
}

export interface AlarmQuery {
  states: AlarmState[];
  type?: AlarmType;
  deviceId?: string;
  limit: number;
  after?: AlarmPosition;
}

const statesOf = (state: StateFilter | undefined): AlarmState[] =>
  state === undefined ? [...ALARM_STATES] : state === 'open' ? ['active', 'acknowledged'] : [state];

const badCursor = () =>
  new ValidationError('The alarm query is invalid.', [
    { path: 'cursor', message: 'cursor is not one this service gave' },
  ]);

/** A cursor holds where the page ended; the filters travel in the query as given on the first page. */
export const encodeAlarmCursor = ({ raisedAt, id }: AlarmPosition): string => encodeCursor([raisedAt, id]);

/**
 * The raise time to the microsecond, as the repository writes it, and a real instant PostgreSQL takes
 * (no 30 February, no year 0): nothing was raised before 1970.
 */
function isRaiseTime(text: unknown): text is string {
  if (typeof text !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(text)) return false;
  const date = new Date(text);
  return date.getUTCFullYear() >= 1970 && date.toISOString().slice(0, 19) === text.slice(0, 19);
}

function decodeAlarmCursor(cursor: string): AlarmPosition {
  const [raisedAt, id, ...rest] = cursorFields(cursor);
  if (rest.length > 0 || !isRaiseTime(raisedAt) || typeof id !== 'string' || !isUUID(id)) throw badCursor();
  return { raisedAt, id };
}

export function parseAlarmQuery(query: unknown): AlarmQuery {
  const dto = validateQuery(AlarmQueryDto, query, 'The alarm query is invalid.');
  const limit = dto.limit ?? DEFAULT_PAGE_SIZE;
  return {
    states: statesOf(dto.state),
    type: dto.type,
    deviceId: dto.deviceId,
    limit,
    after: dto.cursor === undefined ? undefined : decodeAlarmCursor(dto.cursor),
  };
}

/** An acknowledgement may come with no body at all: a button press with nothing to say. */
export function parseAcknowledge(body: unknown): { note: string | null } {
  const dto = validateRequest(AcknowledgeDto, body ?? {}, 'The acknowledgement is invalid; nothing was changed.');
  return { note: dto.note ?? null };
}

export function alarmIdParam(value: string): string {
  if (!isUUID(value))
    throw new ValidationError('id is not a valid alarm id.', [{ path: 'id', message: 'id must be a UUID' }]);
  return value;
}
