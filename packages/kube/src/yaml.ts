import { stringify } from 'yaml';
import { type KubeObject, YAML_COMMENT } from './types.ts';

/** Sets the comment written above the object in its YAML file (never into the object's data). */
export function withComment<T extends object>(obj: T, comment: string): T {
  (obj as Partial<KubeObject>)[YAML_COMMENT] = comment;
  return obj;
}

export const commentOf = (obj: object): string | undefined => (obj as Partial<KubeObject>)[YAML_COMMENT];

const TOP_ORDER = ['apiVersion', 'kind', 'metadata', 'spec', 'data', 'stringData', 'type'];
const META_ORDER = ['name', 'namespace', 'labels', 'annotations'];

function ordered(obj: Record<string, unknown>, first: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of first) if (k in obj) out[k] = obj[k];
  for (const [k, v] of Object.entries(obj)) if (!(k in out)) out[k] = v;
  return out;
}

/** Puts apiVersion/kind/metadata first and name/namespace first in metadata; the rest keeps insertion order. */
export function canonicalObject(obj: KubeObject): Record<string, unknown> {
  const top = ordered(obj, TOP_ORDER);
  top.metadata = ordered(obj.metadata as unknown as Record<string, unknown>, META_ORDER);
  return top;
}

function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = dropUndefined(v);
    return out;
  }
  return value;
}

/**
 * The one YAML serializer of the bundle: no line folding (PromQL stays on one line), block literals
 * for multi-line strings, deterministic output for the same input. Scalars are quoted by YAML 1.1
 * rules: Go programs (the collector, Jaeger, Prometheus) read YAML 1.1, where `2006-01-02`, `on` or
 * `1:30` would silently become a date, a boolean or a number.
 */
export function toYaml(value: unknown, header?: string): string {
  const body = stringify(dropUndefined(value), {
    version: '1.1',
    lineWidth: 0,
    minContentWidth: 0,
    indent: 2,
    indentSeq: true,
    aliasDuplicateObjects: false,
    blockQuote: 'literal',
    defaultKeyType: 'PLAIN',
  });
  const head = header
    ? `${header
        .split('\n')
        .map((l) => (l ? `# ${l}` : '#'))
        .join('\n')}\n`
    : '';
  return head + body;
}

export function objectToYaml(obj: KubeObject): string {
  return toYaml(canonicalObject(obj), commentOf(obj));
}

/** Deterministic JSON (2-space, trailing newline) for dashboards and other JSON artifacts. */
export const toJson = (value: unknown): string => `${JSON.stringify(dropUndefined(value), null, 2)}\n`;
