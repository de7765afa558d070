// Every config in fixtures/valid-edge sits on an edge the schema allows (weights 0 and 100, sampling
// 0 and 100, names exactly at their derived limits, 200 services, durations at their bounds) and must
// build a bundle the consumers accept. Fast tier: the build, the Kubernetes schemas, the name rules of
// the API server, promtool check rules, amtool and the workload audit. The slow validators (promtool
// unit tests, checkov) run on the same configs in valid-edge.e2e.test.ts.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '@meshobs/kube';
import { tempDir } from '@meshobs/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { buildInMemory } from '../src/commands.ts';
import { VALIDATORS } from '../src/validators.ts';
import { meshobs } from './helpers.ts';

export const VALID_EDGE = join(import.meta.dirname, 'fixtures', 'valid-edge');
export const edgeConfigs = readdirSync(VALID_EDGE)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const FAST = ['kubernetes schemas', 'promtool check rules', 'amtool check-config', 'workload posture'];
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
/** Longest names the API server and controllers accept (see packages/config/src/names.ts). */
const LIMITS: Record<string, number> = { Service: 63, CronJob: 52, StatefulSet: 52, Job: 63, Namespace: 63 };

/** Problems the API server, or a controller deriving names from it, would have with an object. */
function nameProblems(o: KubeObject): string[] {
  const id = `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const out: string[] = [];
  const name = o.metadata.name;
  if (name.length > (LIMITS[o.kind] ?? 253)) out.push(`${id}: name longer than ${LIMITS[o.kind] ?? 253}`);
  if (o.kind === 'Service' && !DNS_1035.test(name)) out.push(`${id}: not a DNS-1035 Service name`);
  const labelSets = [o.metadata.labels ?? {}];
  const template = (o as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }).spec?.template?.metadata?.labels;
  if (template) labelSets.push(template);
  for (const labels of labelSets)
    for (const [k, v] of Object.entries(labels))
      if (v.length > 63 || !LABEL_VALUE.test(v)) out.push(`${id}: label ${k}=${JSON.stringify(v)} is not a label value`);
  return out;
}

describe('valid-edge configs', () => {
  const work = tempDir('valid-edge');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('covers weights, sampling, names at the limit, 200 services and bounds', () => {
    expect(edgeConfigs).toEqual(
      expect.arrayContaining([
        'canary-weights-0-and-100.yaml',
        'sampling-0.yaml',
        'sampling-100.yaml',
        'names-at-limit.yaml',
        'services-200.yaml',
        'bounds.yaml',
      ]),
    );
  });

  it.each(edgeConfigs)('%s builds, with names and labels the API server accepts and no two objects alike', async (file) => {
    const config = join(VALID_EDGE, file);
    const out = join(work, file.replace(/\.yaml$/, ''));
    const r = await meshobs(work, 'build', '--config', config, '--out', out);
    expect(r.stderr).not.toMatch(/invalid meshobs config|internal error/);
    expect(r.code).toBe(0);

    const { components } = await buildInMemory(config);
    const objects = components.flatMap((c) => c.objects);
    expect(objects.flatMap(nameProblems)).toEqual([]);
    const ids = objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);

    for (const v of VALIDATORS.filter((v) => FAST.includes(v.name))) {
      const verdict = await v.check(out, components, tempDir('edge-scratch'));
      expect(verdict.status, `${v.name}: ${verdict.detail}`).not.toBe('fail');
    }
  });
});
