// `meshobs validate` with the cluster tools installed: the server dry-run against a throwaway
// kube-apiserver and istioctl's validate + analyze run and pass on the example config, and say so.
// The server dry-run's other verdicts (warn, fail) are in validate-verdicts.cluster.test.ts.
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { missingTools, requireTool, tempDir } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshobs, REPO_CONFIG } from '../helpers.ts';
import { CRD_DIR } from './cluster-kit.ts';

const skip = missingTools('etcd', 'kube-apiserver', 'kubectl', 'istioctl');

describe.skipIf(skip)('meshobs validate with the cluster tools', () => {
  // A tool folder with the cluster tools only. checkov, the collector, promtool and amtool are allowed
  // missing: a minute of lint, an e2e build and ~11 s of rule unit tests that the strict validate of CI
  // and the unit tier already run;
  // CRDs found through MESHOBS_CRDS_DIR, as for any tool folder without a crds/ beside it.
  const env = { MESHOBS_TOOLS_BIN: process.env.MESHOBS_TOOLS_BIN, MESHOBS_CRDS_DIR: process.env.MESHOBS_CRDS_DIR };
  beforeAll(() => {
    const bin = tempDir('validate-bin');
    for (const tool of ['etcd', 'kube-apiserver', 'kubectl', 'istioctl']) symlinkSync(requireTool(tool), join(bin, tool));
    process.env.MESHOBS_TOOLS_BIN = bin;
    process.env.MESHOBS_CRDS_DIR = CRD_DIR;
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('runs the server dry-run and istioctl validate + analyze on the example config, and says so', async () => {
    const started = performance.now();
    const r = await meshobs(
      tempDir('validate'),
      'validate',
      '--config',
      REPO_CONFIG,
      '--allow-missing',
      'checkov,otelcol-meshobs,promtool,amtool',
    );
    const seconds = (performance.now() - started) / 1000;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(
      /^PASS\s+server dry-run: \d{2,} objects admitted by a throwaway kube-apiserver \(server-side apply, dry run\)/m,
    );
    expect(r.stdout).toMatch(/^PASS\s+istioctl validate: \d+ Istio objects valid$/m);
    expect(r.stdout).toMatch(/^PASS\s+istioctl analyze: \d+ objects with the bundle's meshConfig: no findings$/m);
    console.log(`meshobs validate with the server dry-run: ${seconds.toFixed(1)} s`);
  });
});
