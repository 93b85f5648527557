import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../src/api';

// The whole document is registered as one schema so that its internal $refs resolve; OpenAPI 3.1
// schemas are JSON Schema 2020-12. Strict mode stays on, so the top-level OpenAPI members are
// declared as keywords that validate nothing.
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
ajv.addVocabulary(['openapi', 'info', 'tags', 'security', 'paths', 'components']);
ajv.addSchema(openApiDocument, 'openapi.json');

const pointer = (...segments: string[]) =>
  segments.map((segment) => `/${segment.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

/** The compiled schema at a place in the document, e.g. ('components', 'schemas', 'MeterReading'). */
export function validatorAt(...segments: string[]) {
  const validate = ajv.getSchema(`openapi.json#${pointer(...segments)}`);
  if (!validate) throw new Error(`no schema at ${segments.join(' ')}`);
  return validate;
}
