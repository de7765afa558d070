// The server dry-run of `meshobs validate` (src/cluster-check.ts serverDryRun, in process) on bundles
// it must not pass: one the server admits with a warning, one it refuses. Each starts its own API
// server, as `meshobs validate` does.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingTools, tempDir } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { SERVER_DRY_RUN, serverDryRun } from '../../src/cluster-check.ts';
import { buildInMemory } from '../../src/commands.ts';
import { MESHOBS_VERSION } from '../../src/version.ts';
import { writeBundleAtomically } from '../../src/write.ts';
import { REPO_CONFIG } from '../helpers.ts';

const skip = missingTools('etcd', 'kube-apiserver', 'kubectl');

describe.skipIf(skip)('the server dry-run verdicts of meshobs validate', () => {
  it('with optional operators and a name the server warns about: the Kiali CR against its vendored CRD schema, GrafanaDashboard against a stand-in it names, the warning printed in full, not a failure', async () => {
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

  it('reports a bundle the API server refuses as failed, naming the objects, and leaves nothing running or behind', async () => {
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
