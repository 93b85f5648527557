import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateIf,
} from 'class-validator';
import { KEY_SCOPES, ROLES, type KeyScope, type Role } from '../entities/api-key.entity';
import { described } from '../validation/model-schema';
import { ID_PATTERN } from '../validation/rules';
import { IsTimestamp, toDate } from '../validation/timestamp';
import { validateRequest } from '../validation/validate-request';
import { ValidationError } from '../errors/problem';

/** What each role may do, for every role field in the OpenAPI document. */
export const aboutRole = described(
  '`ingest` posts readings, `read` reads live status, analytics and sessions, `admin` does all that and manages sessions, devices and keys.',
);

/** A gateway's list: enough for a depot's chargers and vehicles, few enough to show in the key list. */
export const SCOPE_DEVICES_MAX = 1000;

export const aboutScope = described(
  '`fleet`: writes readings of any device (a trusted backend). `devices`: an ingest key that writes readings of ' +
    'the listed devices only, and records charging sessions on the listed meters (a depot gateway, a charging system).',
);

export class CreateApiKeyDto {
  @IsDefined() @IsString() @Length(1, 100) @described('Who or what holds the key.') name: string;
  @IsDefined() @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` }) @aboutRole role: Role;

  // Stated, never assumed, for an ingest key: a key that can write for everyone should be a choice.
  @ValidateIf((dto: CreateApiKeyDto) => dto.role === 'ingest' || dto.scope !== undefined)
  @IsDefined({ message: 'scope is required for an ingest key: fleet, or devices with the devices listed' })
  @IsIn(KEY_SCOPES, { message: 'scope must be fleet or devices' })
  @aboutScope
  scope?: KeyScope;

  @ValidateIf((dto: CreateApiKeyDto) => dto.scope === 'devices' || dto.devices !== undefined)
  @IsArray({ message: 'devices must be a list of device ids, given with scope devices' })
  @ArrayNotEmpty({ message: 'devices must name at least one device' })
  @ArrayMaxSize(SCOPE_DEVICES_MAX)
  @ArrayUnique({ message: 'devices must not repeat a device' })
  @IsString({ each: true })
  @Matches(ID_PATTERN, { each: true, message: 'each device id may only contain letters, digits and . _ : -' })
  @described('With scope `devices`: the registered devices it writes for.')
  devices?: string[];
}

export interface NewApiKey {
  name: string;
  role: Role;
  /** null: fleet-wide. */
  devices: string[] | null;
}

/** A key request: an ingest key states its scope, and only a `devices` scope lists devices. */
export function parseNewKey(body: unknown, detail: string): NewApiKey {
  const dto = validateRequest(CreateApiKeyDto, body, detail);
  if (dto.scope !== 'devices' && dto.devices !== undefined) {
    throw new ValidationError(detail, [{ path: 'devices', message: 'devices are listed with scope devices only' }]);
  }
  return { name: dto.name, role: dto.role, devices: dto.scope === 'devices' ? (dto.devices ?? []) : null };
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
