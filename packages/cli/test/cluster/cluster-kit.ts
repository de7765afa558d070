// Shared steps of the cluster tier: build the bundle of a profile, start a real API server that looks
// like the cluster the profile describes (its namespaces and CRDs), and read what kubectl answers.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kialiCrdSchema } from '@meshobs/kiali';
import { REPO_ROOT, requireTool, tempDir } from '@meshobs/testkit';
import { parseAllDocuments, stringify } from 'yaml';
import repoConfig from '../../../../meshobs.config.ts';
import { type ApiServer, startApiServer } from '../../src/apiserver.ts';
import { crdYaml } from '../../src/cluster-check.ts';
import { main } from '../../src/main.ts';

export type { ApiServer } from '../../src/apiserver.ts';

export const CRD_DIR = join(REPO_ROOT, '.tools', 'crds');

/** The product's throwaway API server (src/apiserver.ts) with the tools of scripts/install-tools.sh cluster. */
export const startTestApiServer = (): Promise<ApiServer> =>
  startApiServer(
    { etcd: requireTool('etcd'), kubeApiserver: requireTool('kube-apiserver'), kubectl: requireTool('kubectl') },
    { dir: tempDir('apiserver') },
  );

/** Runs a shell script with the server's kubeconfig as its last argument and $KUBECTL set; returns stdout. */
export const runScript = (api: ApiServer, script: string): string =>
  execFileSync('sh', [script, `--kubeconfig=${api.kubeconfig}`], {
    encoding: 'utf8',
    env: { ...process.env, KUBECTL: api.kubectlBin },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** Namespaces of a cluster with Kubernetes, Istio (istioctl/Helm) and kube-prometheus-stack installed. */
export const PREEXISTING_NAMESPACES = ['default', 'kube-system', 'istio-system', 'monitoring'];

/** Writes the repo's config with `overrides` merged at the top level and builds its bundle; returns the bundle folder. */
export async function buildBundle(name: string, overrides: Record<string, unknown>): Promise<string> {
  const dir = tempDir(`cluster-${name}`);
  const config = join(dir, 'meshobs.config.yaml');
  writeFileSync(config, stringify({ ...repoConfig, ...overrides }));
  const out = join(dir, 'bundle');
  const lines: string[] = [];
  const code = await main(['build', '--config', config, '--out', out], {
    cwd: dir,
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
  });
  if (code !== 0) throw new Error(`meshobs build failed for profile ${name}:\n${lines.join('\n')}`);
  return out;
}

/** CRD manifests of one source installed by scripts/install-tools.sh cluster. */
export function crdFiles(source: string): string[] {
  const dir = join(CRD_DIR, source);
  if (!existsSync(dir)) throw new Error(`${dir} missing: run \`bash scripts/install-tools.sh cluster\``);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

/** A started API server with the namespaces of an Istio + kube-prometheus-stack cluster and the given CRDs established. */
export async function startClusterLike(crdManifests: string[]): Promise<ApiServer> {
  const api = await startTestApiServer();
  try {
    for (const ns of PREEXISTING_NAMESPACES) {
      if (api.kubectlResult(['get', 'namespace', ns]).code !== 0) api.kubectl(['create', 'namespace', ns]);
    }
    addCrds(api, crdManifests);
    return api;
  } catch (e) {
    await api.stop();
    throw e;
  }
}

/** Installs CRD manifests and waits until the server serves every CRD it has. */
export function addCrds(api: ApiServer, crdManifests: string[]): void {
  if (!crdManifests.length) return;
  // create, not apply: server-side apply of megabytes of schema spends seconds on managed fields.
  api.kubectl(['create', ...crdManifests.flatMap((f) => ['-f', f])]);
  api.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
}

/** Every object of a kustomization as `kubectl kustomize` renders it. */
export function renderedObjects(
  api: ApiServer,
  dir: string,
): Array<{ apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }> {
  return parseAllDocuments(api.kubectl(['kustomize', dir]))
    .map((d) => d.toJS())
    .filter((o) => o && typeof o === 'object');
}

/**
 * The kiali-operator's CRD around its vendored openAPIV3Schema (packages/kiali/schema, from
 * kiali/kiali-operator v2.29.0 crd-docs/crd/kiali.io_kialis.yaml; no package registry serves the
 * operator's manifests, so the schema the unit tier checks against is the one installed here).
 */
export function kialiCrdFile(dir: string): string {
  const file = join(dir, 'kiali-crd.yaml');
  writeFileSync(file, crdYaml({ group: 'kiali.io', kind: 'Kiali', version: 'v1alpha1', namespaced: true, schema: kialiCrdSchema() }));
  return file;
}

/**
 * A stand-in for the grafana-operator's GrafanaDashboard CRD, which no package registry reachable here
 * serves: same group, version, kind and scope, but a schema that keeps every field. It proves where
 * the dashboards are placed and that they apply and delete; their schema is checked by the unit tier
 * (@kubernetes-models/grafana-operator), not here.
 */
export function grafanaDashboardStandInCrdFile(dir: string): string {
  const file = join(dir, 'grafana-dashboard-crd.yaml');
  writeFileSync(file, crdYaml({ group: 'grafana.integreatly.org', kind: 'GrafanaDashboard', version: 'v1beta1', namespaced: true }));
  return file;
}

/**
 * A stand-in for the OpenTelemetry Operator's OpenTelemetryCollector CRD (opentelemetry.io/v1beta1,
 * namespaced, plural opentelemetrycollectors), which no package registry reachable here serves (the
 * Go module proxy does not serve github.com/open-telemetry/opentelemetry-operator): a schema that keeps
 * every field, as for the GrafanaDashboard. It proves placement, apply and delete; the CRs' schema is
 * checked by the unit tier (@kubernetes-models/opentelemetry-operator), not here.
 */
export function openTelemetryCollectorStandInCrdFile(dir: string): string {
  const file = join(dir, 'opentelemetry-collector-crd.yaml');
  writeFileSync(file, crdYaml({ group: 'opentelemetry.io', kind: 'OpenTelemetryCollector', version: 'v1beta1', namespaced: true }));
  return file;
}
