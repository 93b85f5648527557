import { isUUID, IsOptional } from 'class-validator';
import { ValidationError } from '../errors/problem';
import { described } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';
import { IsTimestamp, toDate } from '../validation/timestamp';
import { validateQuery, validateRequest } from '../validation/validate-request';

export class NewSessionDto {
  @IsDeviceId() vehicleId: string;
  @IsDeviceId() @described('The meter in front of the charger.') meterId: string;
  @IsTimestamp() startedAt: string;
  @IsOptional() @IsTimestamp() @described('After `startedAt`; omit for an ongoing session.') endedAt?: string;
}

export class SessionEndDto {
  @IsTimestamp() @described("After the session's start.") endedAt: string;
}

export class SessionQueryDto {
  // A charger's view ("who charged here?") needs the meter alone; at least one of the two is given.
  @IsOptional() @IsDeviceId() @described('The vehicle; `vehicleId`, `meterId` or both.') vehicleId?: string;
  @IsOptional() @IsDeviceId() @described('The meter; `vehicleId`, `meterId` or both.') meterId?: string;
  @IsOptional() @IsTimestamp() @described('Only sessions ending after this instant, or ongoing.') from?: string;
  @IsOptional()
  @IsTimestamp()
  @described('Only sessions starting at or before this instant; after `from`.')
  to?: string;
}

export interface NewSession {
  vehicleId: string;
  meterId: string;
  startedAt: Date;
  endedAt: Date | null;
}

/** Sessions of a vehicle, of a meter, or of both together, overlapping [from, to]; a missing bound is open. */
export interface SessionQuery {
  vehicleId: string | null;
  meterId: string | null;
  from: Date | null;
  to: Date | null;
}

const orNull = (timestamp: string | undefined): Date | null => (timestamp === undefined ? null : toDate(timestamp));

export function requireAfter(earlier: Date | null, later: Date | null, path: string, message: string): void {
  if (earlier && later && later.getTime() <= earlier.getTime()) {
    throw new ValidationError(`${message}.`, [{ path, message }]);
  }
}

export function parseNewSession(body: unknown): NewSession {
  const dto = validateRequest(NewSessionDto, body, 'The charging session is invalid; nothing was stored.');
  const session = { ...dto, startedAt: toDate(dto.startedAt), endedAt: orNull(dto.endedAt) };
  requireAfter(session.startedAt, session.endedAt, 'endedAt', 'endedAt must be after startedAt');
  return session;
}

export function parseSessionEnd(body: unknown): Date {
  return toDate(validateRequest(SessionEndDto, body, 'The session end is invalid; nothing was changed.').endedAt);
}

export function parseSessionQuery(query: unknown): SessionQuery {
  const dto = validateQuery(SessionQueryDto, query, 'The session query is invalid.');
  if (dto.vehicleId === undefined && dto.meterId === undefined) {
    throw new ValidationError('The session query is invalid: name a vehicle, a meter or both.', [
      { path: 'vehicleId', message: 'vehicleId or meterId is required' },
    ]);
  }
  const parsed = {
    vehicleId: dto.vehicleId ?? null,
    meterId: dto.meterId ?? null,
    from: orNull(dto.from),
    to: orNull(dto.to),
  };
  requireAfter(parsed.from, parsed.to, 'to', 'to must be after from');
  return parsed;
}

export function sessionIdParam(value: string): string {
  if (!isUUID(value)) {
    throw new ValidationError('id is not a valid session id.', [{ path: 'id', message: 'id must be a UUID' }]);
  }
  return value;
}
