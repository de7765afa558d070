// Validates the (deprecated) jaegertracing.io/v1 Jaeger CR against the jaeger-operator's own CRD
// schema: test/fixtures/jaeger-operator-v1.65.0-jaegers-v1.schema.json is the openAPIV3Schema of
// config/crd/bases/jaegertracing.io_jaegers.yaml at jaeger-operator v1.65.0 (its last release),
// with the description texts removed. No kubernetes-models package covers this CRD.
import { readFileSync } from 'node:fs';
import type { KubeObject } from '@meshobs/kube';
import { Ajv } from 'ajv';

type Schema = Record<string, any>;

/**
 * Like the API server's strict field validation: an object schema that lists its properties and
 * does not preserve unknown fields rejects any other field (ajv would otherwise accept typos).
 */
function strictFields(schema: Schema): Schema {
  if (Array.isArray(schema)) return schema.map(strictFields) as unknown as Schema;
  if (!schema || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = strictFields(v);
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

const schemaPath = new URL('../fixtures/jaeger-operator-v1.65.0-jaegers-v1.schema.json', import.meta.url);

export function legacyCrValidator(): (obj: KubeObject) => void {
  const schema = strictFields(JSON.parse(readFileSync(schemaPath, 'utf8')));
  // metadata is validated by the API server itself, not by the CRD schema.
  schema.properties.metadata = { type: 'object' };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(schema);
  return (obj) => {
    if (!validate(obj)) throw new Error(ajv.errorsText(validate.errors, { dataVar: 'Jaeger' }));
  };
}
