import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ValidationError } from '../errors/problem';
import { flattenErrors, isPlainObject, VALIDATION } from '../ingestion/ingestion.dto';

/**
 * A request body or query string as a validated DTO, under the rules readings follow (unknown fields
 * refused, one message per field); anything else is a 400 problem carrying `detail`.
 */
export function validateRequest<T extends object>(dto: ClassConstructor<T>, plain: unknown, detail: string): T {
  if (!isPlainObject(plain)) throw new ValidationError(detail, [{ path: '', message: 'must be a JSON object' }]);
  const value = plainToInstance(dto, plain);
  const errors = flattenErrors(validateSync(value, VALIDATION));
  if (errors.length > 0) throw new ValidationError(detail, errors);
  return value;
}

/**
 * Query-string numbers arrive as text; plain decimal notation becomes a number and anything else stays
 * as it came, so the number rules report it.
 */
export const decimalFromQuery = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
