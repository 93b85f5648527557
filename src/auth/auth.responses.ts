import { Allow, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { KEY_SCOPES, ROLES, type KeyScope, type Role } from '../entities/api-key.entity';
import { ArrayOf, described, modelRef, Nullable } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';
import { aboutRole, aboutScope } from './auth.dto';

const LAST_USED =
  'When it last authenticated a request, as recorded so far: each process records its uses about once a minute ' +
  '(and when it stops), so this may be that far behind. null: not used yet.';

// What the key endpoints answer; the OpenAPI schema is generated from these decorators, which
// validate nothing here: they only describe.

@described('A key as stored: only its SHA-256 is kept, so the key itself is never shown again.')
export class ApiKeyView {
  @IsUUID() id: string;
  @IsString() @described('Who or what holds the key.') name: string;
  @IsIn(ROLES) @aboutRole role: Role;
  @IsIn(KEY_SCOPES) @aboutScope scope: KeyScope;
  @IsArray()
  @IsString({ each: true })
  @Nullable(
    'The devices of a `devices` scope, as listed at creation (retired ones included, though not written for); null for `fleet`.',
  )
  devices: string[] | null;
  @IsISO8601() createdAt: string;
  @IsISO8601() @Nullable('null while the key is active.') revokedAt: string | null;
  @IsISO8601() @Nullable(LAST_USED) lastUsedAt: string | null;
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
  @IsISO8601() @Nullable(LAST_USED) lastUsedAt: string | null;
}

/** The only moment the token exists outside the device. */
export class IssuedCredential extends CredentialView {
  @IsString()
  @described('The token; shown this once. The device sends it as `Authorization: Bearer <token>`.')
  token: string;
}

@described('One device of an import, in the order sent.')
export class ImportedDevice {
  @IsDeviceId() id: string;
  @IsIn(['meter', 'vehicle']) @described('Its kind as registered.') kind: 'meter' | 'vehicle';
  @IsBoolean()
  @described('true: registered by this import; false: registered before, left as it was.')
  registered: boolean;
  @IsIn(['active', 'decommissioned']) state: 'active' | 'decommissioned';
  // Allow() only lists the field: the schema generator knows fields by their class-validator decorators.
  @Allow()
  @JSONSchema({
    anyOf: [modelRef(IssuedCredential), { type: 'null' }],
    description: 'The credential issued by this import, with its token (shown this once); null when none was.',
  })
  credential: IssuedCredential | null;
  @IsOptional()
  @IsString()
  @described('Why nothing was issued: the id is registered with the other kind.')
  error?: string;
}

export class DeviceImportResult {
  @IsInt() @described('Devices registered by this import.') registered: number;
  @IsInt() @described('Devices that were registered already.') existing: number;
  @IsInt() @described('Credentials issued.') issued: number;
  @ArrayOf(ImportedDevice, 'In the order sent.') devices: ImportedDevice[];
}
