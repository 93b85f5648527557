import { plainToInstance, Transform, type ClassConstructor } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, validateSync } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ValidationError } from '../errors/problem';
import { flattenErrors, ID_PATTERN, ID_RULE, inheritedFieldErrors, isPlainObject, VALIDATION } from './rules';

/** Levels of nesting a body may have: none of the service's bodies has more than a few. */
const MAX_DEPTH = 32;

/**
 * Whether `value` nests deeper than MAX_DEPTH, found without recursion: the libraries that walk a body
 * (class-transformer) recurse, and a body nested a few thousand levels would exhaust their stack.
 */
function nestedTooDeep(value: unknown): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= MAX_DEPTH) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * A request body as a validated DTO, under the rules readings follow (unknown fields refused, one
 * message per field); anything else is a 400 problem carrying `detail`.
 */
export function validateRequest<T extends object>(dto: ClassConstructor<T>, plain: unknown, detail: string): T {
  if (!isPlainObject(plain)) throw new ValidationError(detail, [{ path: '', message: 'must be a JSON object' }]);
  if (nestedTooDeep(plain)) {
    throw new ValidationError(detail, [{ path: '', message: `must not nest more than ${MAX_DEPTH} levels deep` }]);
  }
  const inherited = inheritedFieldErrors(plain);
  if (inherited.length > 0) throw new ValidationError(detail, inherited);
  const value = plainToInstance(dto, plain);
  const errors = flattenErrors(validateSync(value, VALIDATION));
  if (errors.length > 0) throw new ValidationError(detail, errors);
  return value;
}

/** A query refused by a rule its DTO cannot state (one field against another, or the clock), as a 400 problem. */
export const invalidQuery = (path: string, message: string): ValidationError =>
  new ValidationError(`The query is invalid: ${message}.`, [{ path, message }]);

/**
 * A query string as a validated DTO. Every parameter is one value: a repeated one (`?from=a&from=b`)
 * has no single meaning, so it is refused rather than resolved by a guess.
 */
export function validateQuery<T extends object>(dto: ClassConstructor<T>, query: unknown, detail: string): T {
  const repeated = Object.entries(isPlainObject(query) ? query : {}).filter(([, value]) => typeof value !== 'string');
  if (repeated.length > 0) {
    throw new ValidationError(
      detail,
      repeated.map(([name]) => ({ path: name, message: `${name} must be given once, as a single value` })),
    );
  }
  return validateRequest(dto, query, detail);
}

/**
 * Query-string numbers arrive as text; plain decimal notation becomes a number and anything else stays
 * as it came, so the number rules report it.
 */
export const decimalFromQuery = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,15}(\.\d{1,15})?$/.test(value) ? Number(value) : value;

/** A page size in a query string: a whole number from 1 to `max`, documented with its default. */
export const PageSize =
  (max: number, byDefault: number, description = 'Page size.'): PropertyDecorator =>
  (target, key) => {
    for (const decorate of [IsOptional(), Transform(decimalFromQuery), IsInt(), Min(1), Max(max)])
      decorate(target, key);
    JSONSchema({ description, default: byDefault })(target, String(key));
  };

/** Path ids follow the same rule as ids in readings, so a typo is a 400 rather than a 404. */
export function deviceIdParam(name: string, value: string): string {
  if (!ID_PATTERN.test(value)) {
    throw new ValidationError(`${name} is not a valid id.`, [{ path: name, message: `${name} must be ${ID_RULE}` }]);
  }
  return value;
}
