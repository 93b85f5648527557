import { ValidationError } from '../errors/problem';
import { ID_MAX_LENGTH, ID_PATTERN } from '../ingestion/ingestion.dto';

/** Path ids follow the same rule as ids in readings, so a typo is a 400 rather than a 404. */
export function deviceIdParam(name: string, value: string): string {
  if (!ID_PATTERN.test(value)) {
    throw new ValidationError(`${name} is not a valid id.`, [
      { path: name, message: `${name} must be 1-${ID_MAX_LENGTH} characters of letters, digits and . _ : -` },
    ]);
  }
  return value;
}
