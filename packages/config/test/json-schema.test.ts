// The JSON Schema editors read carries, for every field, its description (the field's JSDoc in the zod
// schema, the same text TypeScript shows on hover), its default and its bounds, all from the one zod
// schema; the generated files are those of the current schema and comments.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fieldDocs } from '../scripts/field-docs.ts';
import { fieldDocsModule } from '../scripts/schema.ts';
import { FIELD_DOCS } from '../src/field-docs.generated.ts';
import { configJsonSchema, configJsonSchemaText, JSON_SCHEMA_FILE } from '../src/index.ts';

const ROOT = join(import.meta.dirname, '..');
type Node = { [key: string]: any };

/** Every field of the schema: its path, node, and whether it is a leaf (holds no fields of its own). */
function fields(node: Node, path = ''): { path: string; node: Node; leaf: boolean }[] {
  const out: { path: string; node: Node; leaf: boolean }[] = [];
  const branches = (n: Node): Node[] => [n, ...['anyOf', 'oneOf', 'allOf'].flatMap((k) => (n[k] ?? []).flatMap(branches))];
  for (const n of branches(node)) {
    if (n.items) out.push(...fields(n.items, `${path}[]`));
    if (n.additionalProperties && typeof n.additionalProperties === 'object') out.push(...fields(n.additionalProperties, `${path}.*`));
    for (const [name, child] of Object.entries<Node>(n.properties ?? {})) {
      const at = path ? `${path}.${name}` : name;
      const inner = fields(child, at);
      out.push({ path: at, node: child, leaf: inner.length === 0 }, ...inner);
    }
  }
  return out;
}

const schema = configJsonSchema() as Node;
const at = (path: string) => fields(schema).find((f) => f.path === path)!.node;

describe('the config JSON Schema', () => {
  it('is generated from the current field comments (regenerate: npm run schema -w @meshobs/config)', () => {
    const docs = fieldDocs();
    expect(readFileSync(join(ROOT, 'src', 'field-docs.generated.ts'), 'utf8')).toBe(fieldDocsModule(docs));
    expect(readFileSync(join(ROOT, JSON_SCHEMA_FILE), 'utf8')).toBe(configJsonSchemaText(docs));
  }, 60_000);

  it('describes every leaf field and every section with its own comment', () => {
    const all = fields(schema);
    // A comment in the zod schema, not only the generated sentence about a duration's bounds.
    const missing = all.filter((f) => (f.leaf || !f.path.includes('.')) && !FIELD_DOCS[f.path]).map((f) => f.path);
    expect(missing, 'add a JSDoc comment to each of these fields, then npm run schema -w @meshobs/config').toEqual([]);
    for (const f of all.filter((x) => FIELD_DOCS[x.path])) expect(f.node.description, f.path).toContain(FIELD_DOCS[f.path]);
    expect(all.filter((f) => f.leaf).length).toBeGreaterThan(150);
  });

  it('gives every default and the bounds of numbers, as zod checks them', () => {
    expect(at('services[].versions[].weight')).toMatchObject({ type: 'integer', minimum: 0, maximum: 100 });
    expect(at('services[].port')).toMatchObject({ type: 'integer', minimum: 1, maximum: 65535 });
    expect(at('demo.port')).toMatchObject({ type: 'integer', minimum: 1, maximum: 65535, default: 9898 });
    expect(at('alerts.high5xxErrorRate.threshold')).toMatchObject({ type: 'number', minimum: 0, maximum: 1, default: 0.05 });
    expect(at('jaeger.retention.days')).toMatchObject({ type: 'integer', minimum: 1, maximum: 3650, default: 7 });
    // Every number of the config has both bounds.
    const unbounded = fields(schema)
      .filter((f) => f.node.type === 'number' || f.node.type === 'integer')
      .filter((f) => f.node.minimum === undefined || f.node.maximum === undefined)
      .map((f) => f.path);
    expect(unbounded).toEqual([]);
  });

  it('gives a duration its pattern, and its bounds in words', () => {
    const f = at('alerts.high5xxErrorRate.for');
    expect(f).toMatchObject({ type: 'string', default: '5m' });
    expect(new RegExp(f.pattern).test('1h30m')).toBe(true);
    expect(new RegExp(f.pattern).test('')).toBe(false);
    expect(new RegExp(f.pattern).test('5 minutes')).toBe(false);
    expect(f.description).toMatch(/A duration such as "30s", "5m" or "1h" and at most 1h\.$/);
    expect(at('alertmanager.groupInterval').description).toMatch(/longer than 0s and at most 1d\.$/);
    expect(JSON.stringify(schema)).not.toContain('x-meshobs');
  });

  it('carries the same text TypeScript shows on hover: the JSDoc of the field', () => {
    expect(at('services[].versions[].weight').description).toBe(
      "Percent of the service's traffic this version receives (an integer); the versions' weights sum to 100.",
    );
  });
});
