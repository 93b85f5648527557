import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsDefined, IsOptional } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { parseNewDevice, type NewDevice } from '../devices/devices.public';
import { ValidationError, type FieldError } from '../errors/problem';
import { described } from '../validation/model-schema';
import { isPlainObject } from '../validation/rules';
import { validateRequest } from '../validation/validate-request';

/** Per request: a file of any length is sent in parts of this many devices (the CLI does it). */
export const IMPORT_MAX_DEVICES = 1000;

export class DeviceImportDto {
  @IsDefined()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(IMPORT_MAX_DEVICES)
  @JSONSchema({ items: { $ref: '#/components/schemas/NewDevice' } })
  @described(`The devices, as registered one by one (at most ${IMPORT_MAX_DEVICES}); each id once.`)
  devices: unknown[];

  @IsOptional()
  @IsBoolean()
  @described(
    'Also issue a fresh credential to devices already registered and active. A device keeps at most two live ' +
      'credentials: its newest one stays, older ones are revoked. Without it a re-run issues nothing new.',
  )
  reissue?: boolean;
}

export interface DeviceImport {
  devices: NewDevice[];
  reissue: boolean;
}

/** The import, each device held to the registry's own rules; errors name the item by index. */
export function parseDeviceImport(body: unknown): DeviceImport {
  const detail = 'The import is invalid; nothing was registered or issued.';
  // The list's own rules are checked over placeholders: class-transformer, copying the items themselves,
  // trips over fields such as "constructor", which the registry's rules refuse item by item below.
  const items: unknown = isPlainObject(body) ? body.devices : undefined;
  const dto = validateRequest(
    DeviceImportDto,
    isPlainObject(body) && Array.isArray(items) ? { ...body, devices: items.map(() => null) } : body,
    detail,
  );
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const devices = (items as unknown[]).flatMap((item, index) => {
    try {
      const device = parseNewDevice(item);
      if (seen.has(device.id)) errors.push({ path: `devices[${index}].id`, message: `${device.id} is listed twice` });
      seen.add(device.id);
      return [device];
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const fields = (error.extensions.errors as FieldError[] | undefined) ?? [];
      errors.push(
        ...fields.map(({ path, message }) => ({ path: `devices[${index}]${path ? `.${path}` : ''}`, message })),
      );
      return [];
    }
  });
  if (errors.length > 0) throw new ValidationError(detail, errors);
  return { devices, reissue: dto.reissue ?? false };
}
