// Every object of the full bundle against the schema of the version docs/compatibility.md names.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { buildInMemory } from '../src/commands.ts';
import { validateRendered } from '../src/render.ts';
import { REPO_CONFIG } from './helpers.ts';

const MODEL_PACKAGES = [
  'kubernetes-models',
  '@kubernetes-models/prometheus-operator',
  '@kubernetes-models/istio',
  '@kubernetes-models/grafana-operator',
  '@kubernetes-models/opentelemetry-operator',
];

describe('schemas of the full bundle', () => {
  it.each([REPO_CONFIG, join(import.meta.dirname, 'fixtures', 'valid', 'scaled-out.yaml')])(
    'validates every object built from %s, with no kind left unchecked',
    async (config) => {
      const { components } = await buildInMemory(config);
      const objects = components.flatMap((c) => c.objects);
      expect(objects.length).toBeGreaterThan(0);
      expect(await validateRendered(objects)).toEqual([]);
    },
  );

  it('fails an object that breaks its schema (the check can fail)', async () => {
    const bad = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two' } },
      { apiVersion: 'kiali.io/v1alpha1', kind: 'Kiali', metadata: { name: 'k' }, spec: { auth: { strategy: 'nobody' } } },
      { apiVersion: 'example.com/v1', kind: 'Unknown', metadata: { name: 'u' } },
    ];
    const failures = await validateRendered(bad);
    expect(failures.map((f) => f.object)).toEqual(['apps/v1 Deployment x', 'kiali.io/v1alpha1 Kiali k', 'example.com/v1 Unknown u']);
  });

  it('uses the model versions docs/compatibility.md names', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'compatibility.md'), 'utf8');
    const require = createRequire(join(REPO_ROOT, 'package.json'));
    for (const pkg of MODEL_PACKAGES) {
      const { version } = require(`${pkg}/package.json`) as { version: string };
      expect(doc, `${pkg}@${version} is installed; update docs/compatibility.md`).toContain(`\`${pkg}@${version}\``);
    }
  });
});
