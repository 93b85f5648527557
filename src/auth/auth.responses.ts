import { IsIn, IsISO8601, IsString, IsUUID } from 'class-validator';
import { ROLES, type Role } from '../entities/api-key.entity';
import { described, Nullable } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';
import { aboutRole } from './auth.dto';

// What the key endpoints answer; the OpenAPI schema is generated from these decorators, which
// validate nothing here: they only describe.

@described('A key as stored: only its SHA-256 is kept, so the key itself is never shown again.')
export class ApiKeyView {
  @IsUUID() id: string;
  @IsString() @described('Who or what holds the key.') name: string;
  @IsIn(ROLES) @aboutRole role: Role;
  @IsISO8601() createdAt: string;
  @IsISO8601() @Nullable('null while the key is active.') revokedAt: string | null;
}

/** The only moment the key itself exists outside its holder's hands. */
export class CreatedApiKey extends ApiKeyView {
  @IsString() @described('The key; shown this once.') key: string;
}

@described('A device credential as stored: only its SHA-256 is kept, so the token is never shown again.')
export class CredentialView {
  @IsUUID() id: string;
  @IsDeviceId() @described('The one device whose readings it writes.') deviceId: string;
  @IsISO8601() createdAt: string;
  @IsISO8601() @Nullable('null: it does not expire.') expiresAt: string | null;
  @IsISO8601() @Nullable('null while live.') revokedAt: string | null;
}

/** The only moment the token exists outside the device. */
export class IssuedCredential extends CredentialView {
  @IsString()
  @described('The token; shown this once. The device sends it as `Authorization: Bearer <token>`.')
  token: string;
}
