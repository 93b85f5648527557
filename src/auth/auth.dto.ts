import { IsDefined, IsIn, IsOptional, IsString, Length } from 'class-validator';
import { ROLES, type Role } from '../entities/api-key.entity';
import { described } from '../validation/model-schema';
import { IsTimestamp, toDate } from '../validation/timestamp';
import { validateRequest } from '../validation/validate-request';
import { ValidationError } from '../errors/problem';

/** What each role may do, for every role field in the OpenAPI document. */
export const aboutRole = described(
  '`ingest` posts readings, `read` reads live status, analytics and sessions, `admin` does all that and manages sessions, devices and keys.',
);

export class CreateApiKeyDto {
  @IsDefined() @IsString() @Length(1, 100) @described('Who or what holds the key.') name: string;
  @IsDefined() @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` }) @aboutRole role: Role;
}

export class NewCredentialDto {
  @IsOptional()
  @IsTimestamp()
  @described('When it stops working, in the future; omit for a credential that lasts until revoked.')
  expiresAt?: string | null;
}

/** When a new credential expires (null: never); a moment already past is refused. */
export function parseNewCredential(body: unknown, now: Date): Date | null {
  const detail = 'The credential request is invalid; nothing was issued.';
  const dto = validateRequest(NewCredentialDto, body, detail);
  // null, as the credential views show "never", means the same as leaving it out.
  if (dto.expiresAt === undefined || dto.expiresAt === null) return null;
  const expiresAt = toDate(dto.expiresAt);
  if (expiresAt <= now) {
    throw new ValidationError(detail, [{ path: 'expiresAt', message: 'expiresAt must be in the future' }]);
  }
  return expiresAt;
}
