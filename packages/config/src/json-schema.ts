// The config as a JSON Schema (draft 2020-12), generated from the zod schema so editors can complete and
// check meshobs.config.yaml (`# yaml-language-server: $schema=...`). It describes the input: defaults are
// hints, every field is optional where the config may leave it out. Each field carries
// - its description: the JSDoc comment of the field in the zod schema, the one text TypeScript shows on
//   hover too (collected by scripts/field-docs.ts into field-docs.generated.ts);
// - its default, and its bounds where they are zod checks: minimum/maximum (and integer) of numbers,
//   maxLength and pattern of strings; a duration's bounds, which JSON Schema cannot compare, are a
//   sentence of its description.
// Cross-field rules (collisions, name lengths derived from several fields, request <= limit, ...) cannot
// be said in JSON Schema: meshobs validate still checks those.
import { z } from 'zod';
import { FIELD_DOCS } from './field-docs.generated.ts';
import { DURATION_BOUNDS } from './primitives.ts';
import { configSchema } from './schema.ts';

export const JSON_SCHEMA_FILE = 'meshobs.config.schema.json';

type Node = { [key: string]: unknown };

/** "A duration such as 30s, 5m or 1h, longer than 0s and at most 1h." */
function durationSentence(b: { min?: string; max: string; positive?: boolean }): string {
  const lower = b.min ? `at least ${b.min}` : b.positive ? 'longer than 0s' : undefined;
  return `A duration such as "30s", "5m" or "1h"${lower ? `, ${lower}` : ''} and at most ${b.max}.`;
}

/**
 * Walks the generated schema with the paths of field-docs (`a.b`, `list[].c`, `record.*`) and sets each
 * field's description. Branches of anyOf/oneOf/allOf share their parent's path.
 */
function describe(node: Node, path: string, docs: Record<string, string>): void {
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const)
    for (const branch of (node[key] as Node[] | undefined) ?? []) describe(branch, path, docs);
  if (node.items && typeof node.items === 'object') describe(node.items as Node, `${path}[]`, docs);
  if (node.additionalProperties && typeof node.additionalProperties === 'object')
    describe(node.additionalProperties as Node, `${path}.*`, docs);
  for (const [name, child] of Object.entries((node.properties as Record<string, Node> | undefined) ?? {})) {
    const at = path ? `${path}.${name}` : name;
    const bounds = findBounds(child);
    const text = [docs[at], bounds && durationSentence(bounds)].filter(Boolean).join(' ');
    if (text) child.description = text;
    describe(child, at, docs);
  }
}

/** The duration bounds a field carries (on itself or a union branch), removed from the schema. */
function findBounds(node: Node): { min?: string; max: string; positive?: boolean } | undefined {
  let found = node[DURATION_BOUNDS] as { min?: string; max: string; positive?: boolean } | undefined;
  delete node[DURATION_BOUNDS];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const)
    for (const branch of (node[key] as Node[] | undefined) ?? []) found ??= findBounds(branch);
  return found;
}

/** The config's JSON Schema; `docs` is the field documentation (the generated one unless a test passes its own). */
export function configJsonSchema(docs: Record<string, string> = FIELD_DOCS): Record<string, unknown> {
  // `unrepresentable: 'any'`: a custom check becomes "any value" instead of failing the generation.
  // A deep copy: zod may hand out one object for two places, and each place gets its own description.
  const generated = structuredClone(z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' })) as Node;
  describe(generated, '', docs);
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'meshobs config',
    description: 'One Istio mesh, described for meshobs: every field is optional and takes its documented default.',
    ...rest,
  };
}

/** The schema file as shipped and as `meshobs init` / `meshobs schema` write it: stable, two-space JSON with a final newline. */
export const configJsonSchemaText = (docs?: Record<string, string>): string => `${JSON.stringify(configJsonSchema(docs), null, 2)}\n`;
