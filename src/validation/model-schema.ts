import { IS_ISO8601, IS_POSITIVE, IsArray, MATCHES, MAX, MIN, ValidationTypes } from 'class-validator';
import { JSONSchema, targetConstructorToSchema } from 'class-validator-jsonschema';
import type { ISchemaConverters } from 'class-validator-jsonschema/build/defaultConverters';
import type * as OpenApi from '../contract/openapi.types';
import { ID_PATTERN, VALIDATION } from './rules';
import { IS_TIMESTAMP } from './timestamp';

/**
 * Component schemas and query parameters generated from the decorated classes: the request DTOs, whose
 * decorators are what the API enforces, and the response classes the services return. Only prose and
 * examples (@JSONSchema) are written by hand, on the classes themselves.
 */

export type Model = abstract new (...args: never[]) => object;

/** A reference to a schema in `components.schemas`. */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** How this project's own rules read as JSON Schema; the library's converters cover the rest. */
const additionalConverters: ISchemaConverters = {
  // `required` already says a field must be present; the library's `not: null` only repeats it.
  [ValidationTypes.IS_DEFINED]: {},
  // Bounds only: the number's type comes from IsNumber or IsInt, which the library's `type: number`
  // here would override.
  [MIN]: ({ constraints }) => ({ minimum: constraints[0] as number }),
  [MAX]: ({ constraints }) => ({ maximum: constraints[0] as number }),
  [IS_POSITIVE]: { exclusiveMinimum: 0 },
  // IsDeviceId's pattern stands for the whole id rule, stated once as the DeviceId component.
  [MATCHES]: ({ constraints: [pattern] }) =>
    pattern === ID_PATTERN ? ref('DeviceId') : { type: 'string', pattern: (pattern as RegExp).source },
  [IS_TIMESTAMP]: () => ref('ZonedTimestamp'),
  // Responses write instants with toISOString(), described once as the Instant component.
  [IS_ISO8601]: () => ref('Instant'),
};

const options = { additionalConverters, refPointerPrefix: '#/components/schemas/' };

/**
 * A schema that refers to a shared one keeps only the reference and its own prose: IsDeviceId's other
 * decorators add `type` and lengths that DeviceId already states.
 */
function tidy(schema: OpenApi.Schema): OpenApi.Schema {
  if (schema.$ref !== undefined) {
    const kept = ['$ref', 'description', 'examples', 'default'] as const;
    return Object.fromEntries(kept.filter((key) => schema[key] !== undefined).map((key) => [key, schema[key]]));
  }
  return {
    ...schema,
    ...(schema.items && { items: tidy(schema.items) }),
    ...(schema.anyOf && { anyOf: schema.anyOf.map(tidy) }),
    ...(schema.properties && {
      properties: Object.fromEntries(
        Object.entries(schema.properties).map(([name, property]) => [name, tidy(property)]),
      ),
    }),
  };
}

/** Component names drop the `Dto` suffix: the document speaks of a MeterReading, not of a class. */
const modelName = (model: Model): string => model.name.replace(/Dto$/, '');

export const modelRef = (model: Model) => ref(modelName(model));

/** Inherited fields first, as the classes read; the library lists a class's own fields before its parent's. */
function inheritedFirst(model: Model, schema: OpenApi.Schema): OpenApi.Schema {
  const parent: unknown = Object.getPrototypeOf(model);
  if (!schema.properties || typeof parent !== 'function' || !parent.name) return schema;
  const inherited = Object.keys(modelSchema(parent as Model).properties ?? {});
  const rank = (name: string) => (inherited.includes(name) ? inherited.indexOf(name) : inherited.length);
  return {
    ...schema,
    properties: Object.fromEntries(Object.entries(schema.properties).sort(([a], [b]) => rank(a) - rank(b))),
  };
}

/** The generated schema: unknown fields are refused (forbidNonWhitelisted), and a response carries no others. */
function modelSchema(model: Model): OpenApi.Schema {
  const generated = tidy(targetConstructorToSchema(model, options) as unknown as OpenApi.Schema);
  return { ...inheritedFirst(model, generated), additionalProperties: !VALIDATION.forbidNonWhitelisted };
}

/** Component schemas for `components.schemas`, by model name. */
export const modelSchemas = (...models: Model[]): Record<string, OpenApi.Schema> =>
  Object.fromEntries(models.map((model) => [modelName(model), modelSchema(model)]));

/** A query DTO as OpenAPI query parameters; each property's description becomes the parameter's. */
export function queryParameters(dto: Model): OpenApi.Parameter[] {
  const { properties = {}, required = [] } = modelSchema(dto);
  return Object.entries(properties).map(([name, { description, ...schema }]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    ...(description !== undefined && { description }),
    schema,
  }));
}

/** Prose for a field or class in the document. */
export const described = (description: string) => JSONSchema({ description });

/** A response field that is always present and may be null; its other decorators give the non-null schema. */
export const Nullable = (description: string) =>
  JSONSchema((source) => ({ anyOf: [source, { type: 'null' }], description }));

/** A response field holding a list of another response class. */
export function ArrayOf(model: Model, description: string): PropertyDecorator {
  return (target, key) => {
    IsArray()(target, key);
    JSONSchema({ items: modelRef(model), description })(target, String(key));
  };
}
