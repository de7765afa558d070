// Validates Kiali CRs against the openAPIV3Schema of the kiali-operator's CRD (vendored, see README.md),
// with Kubernetes' structural-schema semantics: a field the schema does not declare would be pruned
// silently by the API server, so here it is an error instead.

import type { KindValidator, KubeObject } from '@meshobs/kube';
import { Ajv, type ErrorObject } from 'ajv';
import crd from '../schema/kiali.io_v1alpha1_kiali.v2.29.0.json' with { type: 'json' };

export const KIALI_CRD_SOURCE = 'kiali/kiali-operator v2.29.0, crd-docs/crd/kiali.io_kialis.yaml';

/** The vendored openAPIV3Schema of the Kiali CRD (v1alpha1) as the operator ships it (without our comment). */
export function kialiCrdSchema(): Record<string, unknown> {
  const { $comment: _c, ...schema } = crd as Record<string, unknown>;
  return structuredClone(schema);
}

type Schema = Record<string, unknown>;

/** Turns a structural CRD schema into a JSON schema that rejects the fields Kubernetes would prune. */
export function structural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(structural);
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    if (key === 'description' || key === '$comment') continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, structural(v)]));
    } else out[key] = structural(value);
  }
  if (out['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  const preserves = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && !preserves) out.additionalProperties = false;
  return out;
}

function rootSchema(): Schema {
  const root = structural(crd) as Schema;
  const properties = root.properties as Schema;
  return {
    ...root,
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      ...properties,
      apiVersion: { const: 'kiali.io/v1alpha1' },
      kind: { const: 'Kiali' },
      // metadata is checked by the API server's ObjectMeta rules, not by the CRD.
      metadata: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
    },
  };
}

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addVocabulary(['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string']);
const check = ajv.compile(rootSchema());

const describe = (e: ErrorObject): string => {
  const at = e.instancePath || '(root)';
  if (e.keyword === 'additionalProperties')
    return `${at}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}" (the CRD would prune it)`;
  if (e.keyword === 'enum') return `${at}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return `${at}: ${e.message}`;
};

/** Errors of one Kiali CR against the CRD schema; empty when valid. */
export function kialiSchemaErrors(obj: unknown): string[] {
  return check(obj) ? [] : (check.errors ?? []).map(describe);
}

export function validateKiali(obj: KubeObject): void {
  const errors = kialiSchemaErrors(obj);
  if (errors.length) throw new Error(`Kiali CR does not match the CRD schema (${KIALI_CRD_SOURCE}):\n${errors.join('\n')}`);
}

/** The Kiali CR's schema check, for validateObjects (no kubernetes-models package covers kiali.io). */
export const KIALI_VALIDATOR: KindValidator = { apiVersion: 'kiali.io/v1alpha1', kind: 'Kiali', validate: validateKiali };
