import { IsDefined, IsIn, IsString, Length } from 'class-validator';
import { ROLES, type Role } from '../entities/api-key.entity';

export class CreateApiKeyDto {
  @IsDefined() @IsString() @Length(1, 100) name: string;
  @IsDefined() @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` }) role: Role;
}
