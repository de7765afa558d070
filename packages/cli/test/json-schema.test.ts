// The JSON Schema editors use (generated from the zod schema) agrees with meshobs itself: it accepts
// every valid config of the corpus and rejects every invalid one whose fault JSON Schema can express
// (a wrong type, an unknown key, a bound, a pattern, an enum). Faults found by a custom check (two fields
// compared, a name derived from several fields) are meshobs validate's alone.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema, configJsonSchemaText, configSchema, JSON_SCHEMA_FILE } from '@meshobs/config';
import { REPO_ROOT } from '@meshobs/testkit';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const yamlFiles = (dir: string) =>
  readdirSync(join(FIXTURES, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({ file: `${dir}/${file}`, text: readFileSync(join(FIXTURES, dir, file), 'utf8') }));
/** YAML the meshobs loader refuses before the schema (duplicate keys, aliases, depth) is out of scope here. */
const data = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: parse(text, { uniqueKeys: true }) ?? {} };
  } catch {
    return { ok: false };
  }
};

// strict: false: the schema carries keywords ajv does not know (zod's `default` hints are fine, others are not errors).
/** A custom check anywhere in the issue (invalid_key and invalid_union carry the issues of their parts). */
type Issue = { code: string; issues?: Issue[]; errors?: Issue[][] };
const custom = (i: Issue): boolean => i.code === 'custom' || (i.issues ?? []).some(custom) || (i.errors ?? []).flat().some(custom);

const ajv = new Ajv2020({ strict: false, allErrors: true });
const check = ajv.compile(configJsonSchema());

describe('the config JSON Schema', () => {
  it('is the file shipped in the config package (regenerate: npm run schema -w @meshobs/config)', () => {
    expect(readFileSync(join(REPO_ROOT, 'packages', 'config', JSON_SCHEMA_FILE), 'utf8')).toBe(configJsonSchemaText());
  });

  it('accepts the example config of the repository', async () => {
    const example = (await import(join(REPO_ROOT, 'meshobs.config.ts'))).default;
    expect(check(example), JSON.stringify(check.errors)).toBe(true);
  });

  const valid = [...yamlFiles('valid'), ...yamlFiles('valid-edge')];
  it.each(valid.map((v) => [v.file, v.text]))('accepts %s', (file, text) => {
    const d = data(text);
    expect(d.ok, file).toBe(true);
    const value = (d as { value: unknown }).value;
    expect(configSchema.safeParse(value).success, `${file} is valid for meshobs`).toBe(true);
    expect(check(value), JSON.stringify(check.errors)).toBe(true);
  });

  it('rejects every invalid config whose fault it can express', () => {
    const invalid = yamlFiles('invalid');
    let expressible = 0;
    const missed: string[] = [];
    for (const { file, text } of invalid) {
      const d = data(text);
      if (!d.ok) continue;
      const result = configSchema.safeParse(d.value);
      expect(result.success, `${file} is invalid for meshobs`).toBe(false);
      if (result.success || result.error.issues.some((i) => custom(i as Issue))) continue;
      expressible++;
      if (check(d.value)) missed.push(`${file}: ${result.error.issues.map((i) => `${i.path.join('.')} ${i.code}`).join(', ')}`);
    }
    expect(missed).toEqual([]);
    // Guards the filter above: if most faults became "custom", this test would check nothing.
    // (42 of the 168 at the time of writing; most of the corpus tests custom checks on purpose.)
    expect(expressible).toBeGreaterThanOrEqual(40);
  });

  it.each([
    [
      'weight 120',
      { services: [{ name: 'a', namespace: 'a', versions: [{ name: 'v1', weight: 120 }] }] },
      '/services/0/versions/0/weight',
      'maximum',
    ],
    ['port 99999', { services: [{ name: 'a', port: 99999 }] }, '/services/0/port', 'maximum'],
    ['port 80.5', { services: [{ name: 'a', port: 80.5 }] }, '/services/0/port', 'type'],
    ['threshold 5', { alerts: { high5xxErrorRate: { threshold: 5 } } }, '/alerts/high5xxErrorRate/threshold', 'maximum'],
    ['retention days 0', { jaeger: { retention: { days: 0 } } }, '/jaeger/retention/days', 'minimum'],
    ['for "5 minutes"', { alerts: { high5xxErrorRate: { for: '5 minutes' } } }, '/alerts/high5xxErrorRate/for', 'pattern'],
  ])('rejects %s at its field, as meshobs does', (_name, value, instancePath, keyword) => {
    expect(configSchema.safeParse(value).success).toBe(false);
    expect(check(value)).toBe(false);
    expect(check.errors).toContainEqual(expect.objectContaining({ instancePath, keyword }));
  });

  it('accepts the bounds themselves', () => {
    const edge = {
      services: [{ name: 'a', namespace: 'a', port: 65535, versions: [{ name: 'v1', weight: 100 }] }],
      alerts: { high5xxErrorRate: { threshold: 1 } },
    };
    expect(configSchema.safeParse(edge).success).toBe(true);
    expect(check(edge), JSON.stringify(check.errors)).toBe(true);
  });

  it('catches a misspelt field and a wrong type, as an editor would show them', () => {
    expect(check({ tracing: { samplng: {} } })).toBe(false);
    expect(check.errors?.[0]).toMatchObject({ keyword: 'additionalProperties', params: { additionalProperty: 'samplng' } });
    expect(check({ jaeger: { retention: { days: 'seven' } } })).toBe(false);
    expect(check.errors?.[0]).toMatchObject({ instancePath: '/jaeger/retention/days', keyword: 'type' });
  });
});
