/**
 * The part of OpenAPI 3.1 this service's document uses. Written out rather than taken from a types
 * package, whose 3.1 typings mix in 3.0 schema objects and reject valid 3.1 (e.g. `const`, `if`).
 */

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/** A JSON Schema 2020-12 schema, the dialect OpenAPI 3.1 uses. */
export interface Schema {
  $ref?: string;
  type?: JsonType | JsonType[];
  description?: string;
  examples?: unknown[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  if?: Schema;
  then?: Schema;
}

export interface MediaType {
  schema: Schema;
}

export interface Header {
  description?: string;
  schema: Schema;
}

export interface Reference {
  $ref: string;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description?: string;
  schema: Schema;
}

export interface RequestBody {
  description?: string;
  required?: boolean;
  content: Record<string, MediaType>;
}

export interface Response {
  description: string;
  headers?: Record<string, Header | Reference>;
  content?: Record<string, MediaType>;
}

/** Scheme name to required roles: OpenAPI 3.1 allows role names for non-OAuth schemes. */
export type SecurityRequirement = Record<string, string[]>;

export interface Operation {
  tags?: string[];
  summary: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: RequestBody;
  responses: Record<string, Response>;
  security?: SecurityRequirement[];
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type PathItem = Partial<Record<Method, Operation>>;

export interface SecurityScheme {
  type: 'http' | 'apiKey';
  description?: string;
  scheme?: string;
  in?: 'header';
  name?: string;
}

export interface Tag {
  name: string;
  description?: string;
}

/** A share of the document written by hand: the routes outside the route tables. */
export interface Section {
  tag: Tag;
  paths: Record<string, PathItem>;
  schemas?: Record<string, Schema>;
}

export interface Document {
  openapi: '3.1.0';
  info: { title: string; version: string; summary?: string; description?: string };
  tags?: Tag[];
  security?: SecurityRequirement[];
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<string, Schema>;
    headers?: Record<string, Header>;
    securitySchemes?: Record<string, SecurityScheme>;
  };
}
