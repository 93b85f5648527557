import { parse } from 'csv-parse/sync';
import { parseNewDevice, type NewDevice } from '../devices/devices.public';
import { ValidationError, type FieldError } from '../errors/problem';
import { decimalFromQuery } from '../validation/validate-request';
import type { DeviceImportResult } from './auth.responses';
import { IMPORT_MAX_DEVICES } from './device-import.dto';
import type { DeviceImportService } from './device-import.service';

const COLUMNS = ['id', 'kind', 'label', 'reportingIntervalSeconds'];

/** A column named twice would have one of the two silently win. */
function uniqueColumns(header: string[]): string[] {
  const repeated = header.filter((column, index) => header.indexOf(column) !== index);
  if (repeated.length > 0) throw new Error(`the header names ${repeated.join(', ')} more than once`);
  return header;
}

/** A later part failed: the parts before it are committed, and their tokens must still reach the operator. */
export class PartialImportError extends Error {
  constructor(
    readonly done: DeviceImportResult,
    readonly failure: unknown,
  ) {
    super(`the import stopped after ${done.devices.length} devices: ${String(failure)}`);
  }
}

/**
 * A devices file as an operator exports it from a spreadsheet: a header naming `id`, `kind` and
 * optionally `label` and `reportingIntervalSeconds`, one device per line. The whole file is checked
 * before anything is sent, so a mistake on line 900 registers nothing; an empty label means none, an
 * empty interval the service default. An interval is text in a file: written as a plain number it is
 * read as one, and anything else is left as text for the registry's rule to refuse.
 */
export function readDevicesCsv(text: string): NewDevice[] {
  const detail = 'The devices file is invalid; nothing was registered or issued.';
  let records: Array<Record<string, string>>;
  try {
    records = parse(text, { columns: uniqueColumns, skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    throw new ValidationError(detail, [{ path: '', message: (error as Error).message }]);
  }
  const header = Object.keys(records[0] ?? {});
  const unknown = header.filter((column) => !COLUMNS.includes(column));
  if (records.length === 0 || unknown.length > 0 || !header.includes('id') || !header.includes('kind')) {
    throw new ValidationError(detail, [
      {
        path: 'header',
        message:
          'the first line names the columns id, kind and optionally label and reportingIntervalSeconds, and no other',
      },
    ]);
  }
  const errors: FieldError[] = [];
  const lineOf = new Map<string, number>();
  const devices = records.flatMap((record, index) => {
    // Line 1 is the header.
    const line = index + 2;
    try {
      const { id, kind, label, reportingIntervalSeconds: interval } = record;
      const device = parseNewDevice({
        id,
        kind,
        ...(label && { label }),
        ...(interval && { reportingIntervalSeconds: decimalFromQuery({ value: interval }) }),
      });
      const first = lineOf.get(device.id);
      if (first !== undefined) errors.push({ path: `line ${line}`, message: `${device.id} is on line ${first} too` });
      lineOf.set(device.id, line);
      return [device];
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const fields = (error.extensions.errors as FieldError[] | undefined) ?? [];
      errors.push(...fields.map(({ message }) => ({ path: `line ${line}`, message })));
      return [];
    }
  });
  if (errors.length > 0) throw new ValidationError(detail, errors);
  return devices;
}

/**
 * The file in parts of at most IMPORT_MAX_DEVICES, each one transaction; the answers joined. Should a
 * part fail after others committed, PartialImportError carries what they issued.
 */
export async function importDevices(
  imports: DeviceImportService,
  devices: NewDevice[],
  reissue: boolean,
): Promise<DeviceImportResult> {
  const total: DeviceImportResult = { registered: 0, existing: 0, issued: 0, devices: [] };
  for (let start = 0; start < devices.length; start += IMPORT_MAX_DEVICES) {
    let part: DeviceImportResult;
    try {
      part = await imports.run({ devices: devices.slice(start, start + IMPORT_MAX_DEVICES), reissue });
    } catch (error) {
      if (start === 0) throw error;
      throw new PartialImportError(total, error);
    }
    total.registered += part.registered;
    total.existing += part.existing;
    total.issued += part.issued;
    total.devices.push(...part.devices);
  }
  return total;
}

/** The tokens as CSV, for a script to hand each device its own: a header, then one line per token issued. */
export function tokensCsv(result: DeviceImportResult): string {
  const lines = result.devices.flatMap(({ id, kind, credential }) =>
    credential ? [`${id},${kind},${credential.id},${credential.token}`] : [],
  );
  return ['id,kind,credential_id,token', ...lines].join('\n');
}
