// Every valid-edge config (fixtures/valid-edge: limits, extremes, 200 services) through a real
// kube-apiserver with the default profile's CRDs: a config the schema accepts must give a bundle the
// API server admits (name limits, enums, CEL rules and the CRDs' own schemas decide, not ours).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { missingTools, tempDir } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../src/main.ts';
import { KNOWN } from '../known-findings.ts';
import { type ApiServer, crdFiles, renderedObjects, startClusterLike } from './cluster-kit.ts';

const VALID_EDGE = join(import.meta.dirname, '..', 'fixtures', 'valid-edge');
const configs = readdirSync(VALID_EDGE)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const skip = missingTools('etcd', 'kube-apiserver', 'kubectl');

describe.skipIf(skip)('valid-edge configs on a real API server (default profile)', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startClusterLike([...crdFiles('istio'), ...crdFiles('prometheus-operator')]);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('has the corpus', () => expect(configs.length).toBeGreaterThanOrEqual(5));

  it.each(configs)('%s is admitted by a server-side dry-run apply', async (file) => {
    const dir = tempDir('edge-cluster');
    const lines: string[] = [];
    const io = { cwd: dir, out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    expect(await main(['build', '--config', join(VALID_EDGE, file), '--out', 'bundle'], io), lines.join('\n')).toBe(0);
    const bundle = join(dir, 'bundle');
    // A dry run creates nothing: the bundle's own namespaces are created for real first.
    const own = renderedObjects(api, bundle).filter((o) => o.kind === 'Namespace');
    if (own.length)
      api.kubectl(['apply', '--server-side', '--field-manager=meshobs', '-f', '-'], own.map((o) => `---\n${stringify(o)}`).join(''));
    const r = api.kubectlResult(['apply', '--server-side', '--field-manager=meshobs', '--dry-run=server', '-k', bundle]);
    expect(r.code, r.stderr).toBe(0);
    // Server warnings: only the known ones (test/fixtures/known-findings.yaml), each still given.
    const warnings = r.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const known = KNOWN.serverWarnings.filter((k) => k.config === file).map((k) => k.warning);
    expect(warnings.filter((w) => !known.includes(w))).toEqual([]);
    expect(
      known.filter((k) => !warnings.includes(k)),
      'known warnings no longer given: remove them',
    ).toEqual([]);
  });
});
