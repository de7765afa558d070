// Every valid-edge config (fixtures/valid-edge: limits, extremes, 200 services) through a real
// kube-apiserver with the default profile's CRDs: a config the schema accepts must give a bundle the
// API server admits (name limits, enums, CEL rules and the CRDs' own schemas decide, not ours).
// The server is prepared as `meshobs validate` prepares it (src/cluster-check.ts prepareCluster: the
// namespaces and the CRDs of the custom kinds the bundles use). The objects are the ones
// `kubectl apply -k` applies (the base kustomization), sent as the same server-side apply dry runs
// through kube-client.ts: kubectl and kustomize on a bundle are under test in the profile chains, and
// take minutes on the 3,000 objects of 200 services.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { missingTools } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseObjects, indexCrds, prepareCluster } from '../../src/cluster-check.ts';
import { loadConfig } from '../../src/load-config.ts';
import { renderComponents } from '../../src/render.ts';
import { KNOWN } from '../known-findings.ts';
import { type ApiServer, CRD_DIR, startClusterLike } from './cluster-kit.ts';
import { KubeClient, type KubeObject } from './kube-client.ts';

const VALID_EDGE = join(import.meta.dirname, '..', 'fixtures', 'valid-edge');
const configs = readdirSync(VALID_EDGE)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const skip = missingTools('etcd', 'kube-apiserver', 'kubectl');

describe.skipIf(skip)('valid-edge configs on a real API server (default profile)', () => {
  let api: ApiServer;
  let client: KubeClient;
  const bundles = new Map<string, KubeObject[]>();
  beforeAll(async () => {
    // Rendered without the build's schema checks (the unit tier runs those on every valid-edge bundle).
    for (const file of configs) bundles.set(file, baseObjects(renderComponents(await loadConfig(join(VALID_EDGE, file)))) as KubeObject[]);
    api = await startClusterLike([]);
    prepareCluster(api, [...bundles.values()].flat(), indexCrds(CRD_DIR));
    client = new KubeClient(api);
    await client.discover();
  });
  afterAll(async () => {
    client?.close();
    await api?.stop();
  });

  it('has the corpus', () => expect(configs.length).toBeGreaterThanOrEqual(5));

  it('can fail: the dry runs report what the server refuses and what it warns about', async () => {
    const [deployment] = bundles.get('bounds.yaml')!.filter((o) => o.kind === 'Deployment') as Array<KubeObject & { spec: any }>;
    const refused = { ...deployment!, spec: { ...deployment!.spec, replicas: -1, unknownField: true } };
    const warned = { ...deployment!, metadata: { ...deployment!.metadata, name: 'd'.repeat(64) } };
    const [r, w] = await client.apply([refused, warned], { dryRun: true });
    expect(r!.error).toMatch(/spec\.replicas|unknownField/);
    expect(w!.error).toBeUndefined();
    expect(w!.warnings.join('\n')).toMatch(/^Warning: metadata\.name: .*must be no more than 63 characters/);
  });

  it.each(configs)('%s is admitted by a server-side dry-run apply', async (file) => {
    const objects = bundles.get(file)!;
    const results = await client.apply(objects, { dryRun: true });
    expect(results.filter((r) => r.error).map((r) => `${r.id}: ${r.error}`)).toEqual([]);
    // Server warnings: only the known ones (test/fixtures/known-findings.yaml), each still given.
    const warnings = [...new Set(results.flatMap((r) => r.warnings))];
    const known = KNOWN.serverWarnings.filter((k) => k.config === file).map((k) => k.warning);
    expect(warnings.filter((w) => !known.includes(w))).toEqual([]);
    expect(
      known.filter((k) => !warnings.includes(k)),
      'known warnings no longer given: remove them',
    ).toEqual([]);
  });
});
