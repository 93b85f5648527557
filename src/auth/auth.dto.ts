import { IsDefined, IsIn, IsString, Length } from 'class-validator';
import { ROLES, type Role } from '../entities/api-key.entity';
import { described } from '../validation/model-schema';

/** What each role may do, for every role field in the OpenAPI document. */
export const aboutRole = described(
  '`ingest` posts readings, `read` reads live status, analytics and sessions, `admin` does all that and manages sessions, devices and keys.',
);

export class CreateApiKeyDto {
  @IsDefined() @IsString() @Length(1, 100) @described('Who or what holds the key.') name: string;
  @IsDefined() @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` }) @aboutRole role: Role;
}
