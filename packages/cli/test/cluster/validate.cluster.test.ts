// `meshobs validate` with the cluster tools installed: the server dry-run against a throwaway
// kube-apiserver and istioctl's validate + analyze run, pass on the example config, and a bundle with
// a broken object is reported as failed, naming the object.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingTools, requireTool, tempDir } from '@meshobs/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { SERVER_DRY_RUN, serverDryRun } from '../../src/cluster-check.ts';
import { buildInMemory } from '../../src/commands.ts';
import { MESHOBS_VERSION } from '../../src/version.ts';
import { writeBundleAtomically } from '../../src/write.ts';
import { meshobs, REPO_CONFIG } from '../helpers.ts';
import { CRD_DIR } from './cluster-kit.ts';

const skip = missingTools('etcd', 'kube-apiserver', 'kubectl', 'istioctl', 'promtool', 'amtool');

describe.skipIf(skip)('meshobs validate with the cluster tools', () => {
  const env = { MESHOBS_TOOLS_BIN: process.env.MESHOBS_TOOLS_BIN, MESHOBS_CRDS_DIR: process.env.MESHOBS_CRDS_DIR };
  afterEach(() => {
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('runs the server dry-run and istioctl validate + analyze on the example config, and says so', async () => {
    // A tool folder without checkov and the collector (a minute of lint and an e2e build this test does
    // not need); CRDs found through MESHOBS_CRDS_DIR, as for any tool folder without a crds/ beside it.
    const bin = tempDir('validate-bin');
    for (const tool of ['etcd', 'kube-apiserver', 'kubectl', 'istioctl', 'promtool', 'amtool'])
      symlinkSync(requireTool(tool), join(bin, tool));
    process.env.MESHOBS_TOOLS_BIN = bin;
    process.env.MESHOBS_CRDS_DIR = CRD_DIR;
    const started = performance.now();
    const r = await meshobs(tempDir('validate'), 'validate', '--config', REPO_CONFIG, '--allow-missing', 'checkov,otelcol-meshobs');
    const seconds = (performance.now() - started) / 1000;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(
      /^PASS\s+server dry-run: \d{2,} objects admitted by a throwaway kube-apiserver \(server-side apply, dry run\)/m,
    );
    expect(r.stdout).toMatch(/^PASS\s+istioctl validate: \d+ Istio objects valid$/m);
    expect(r.stdout).toMatch(/^PASS\s+istioctl analyze: \d+ objects with the bundle's meshConfig: no findings$/m);
    console.log(`meshobs validate with the server dry-run: ${seconds.toFixed(1)} s`);
  });

  // The two in-process checks below each start their own API server: run side by side.
  it.concurrent('with optional operators and a name the server warns about: the Kiali CR against its vendored CRD schema, GrafanaDashboard against a stand-in it names, the warning printed in full, not a failure', async () => {
    const dir = tempDir('validate-operators');
    const config = join(dir, 'meshobs.config.yaml');
    const namesAtLimit = parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'valid-edge', 'names-at-limit.yaml'), 'utf8'));
    writeFileSync(config, stringify({ ...namesAtLimit, profile: { operators: { grafana: true, kiali: true } } }));
    const { components, files } = await buildInMemory(config);
    await writeBundleAtomically(join(dir, 'bundle'), files, { cwd: dir, version: MESHOBS_VERSION });
    mkdirSync(join(dir, 'scratch'));
    const v = await serverDryRun(join(dir, 'bundle'), components, join(dir, 'scratch'));
    expect(v.status, v.detail).toBe('warn');
    expect(v.detail).toMatch(
      /^\d+ objects admitted by a throwaway kube-apiserver .*, with \d+ server warnings\nWarning: metadata\.name: .*must be no more than 63 characters/,
    );
    expect(v.detail).toMatch(/CRDs installed: .*meshobs\/Kiali/);
    expect(v.detail).toMatch(/no CRD manifest here for GrafanaDashboard: checked against a schemaless stand-in/);
  });

  it.concurrent('reports a bundle the API server refuses as failed, naming the objects, and leaves nothing running or behind', async () => {
    const { components, files } = await buildInMemory(REPO_CONFIG);
    const dir = tempDir('validate-broken');
    const bundle = join(dir, 'bundle');
    await writeBundleAtomically(bundle, files, { cwd: dir, version: MESHOBS_VERSION });
    // Two refusals only the server makes: a negative replica count (apps validation) and a field the
    // Telemetry CRD does not declare (strict field validation of server-side apply).
    const edit = (file: string, change: (o: Record<string, any>) => void) => {
      const path = join(bundle, file);
      const obj = parse(readFileSync(path, 'utf8')) as Record<string, any>;
      change(obj);
      writeFileSync(path, stringify(obj));
    };
    edit('jaeger/deployment-observability-jaeger-query.yaml', (o) => (o.spec.replicas = -1));
    edit('istio/telemetry-istio-system-mesh-default.yaml', (o) => (o.spec.samplingPercentage = 5));
    const scratch = join(dir, 'scratch');
    mkdirSync(scratch);
    const v = await serverDryRun(bundle, components, scratch);
    expect(v.validator).toBe(SERVER_DRY_RUN);
    expect(v.status, v.detail).toBe('fail');
    expect(v.detail).toMatch(/^kube-apiserver refused the bundle/);
    expect(v.detail).toMatch(/jaeger-query.*spec\.replicas|spec\.replicas.*jaeger-query/s);
    expect(v.detail).toMatch(/mesh-default[\s\S]*samplingPercentage/);
    // The API server's folder (etcd data, keys, kubeconfig) is gone once the check returns.
    expect(existsSync(join(scratch, 'apiserver'))).toBe(false);
  });
});
