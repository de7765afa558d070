// The Istio install snippets of the bundle (istio/istio-operator.yaml, istio/helm-values.yaml and one
// helm-values-<gateway>.yaml per gateway) rendered by Istio's own installers: `istioctl manifest generate`
// (the charts compiled into istioctl) and `helm template` with the istiod and gateway charts of the same
// Istio commit. The generated manifests must carry what the config says: istiod and gateway autoscaling,
// disruption budgets and anti-affinity, the sidecar resources, the certificate lifetimes, and the gateway
// label the bundle's Gateway selects on.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingTools, REPO_ROOT, requireTool } from '@meshobs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import repoConfig from '../../../../meshobs.config.ts';
import { buildBundle } from './cluster-kit.ts';

const CHARTS = join(REPO_ROOT, '.tools', 'charts', 'istio');
const skip = missingTools('istioctl', 'helm') || (!existsSync(CHARTS) && !process.env.CI);

type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any; data?: any };

const ISTIO = {
  istiod: { replicas: { min: 3, max: 7 } },
  sidecar: { resources: { requests: { cpu: '150m', memory: '192Mi' }, limits: { cpu: '1500m', memory: '768Mi' } } },
  certificates: { workloadTtl: '12h', caTtl: '5y' },
  gateways: { ingress: { name: 'edge-gateway', replicas: { min: 3, max: 6 } }, egress: { replicas: { min: 2, max: 4 } } },
  gatewayLabel: 'gateway',
};
/** The same lifetimes in Go's duration spelling, as istiod and the proxy agent read them. */
const TTL = { workload: '12h', ca: '43800h' };

const run = (tool: string, args: string[]) => {
  const r = spawnSync(requireTool(tool), args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);
};
const find = (objs: Obj[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} among ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
};
const envOf = (deployment: Obj, container: string) =>
  Object.fromEntries(
    (deployment.spec.template.spec.containers.find((c: any) => c.name === container).env ?? [])
      .filter((e: any) => 'value' in e)
      .map((e: any) => [e.name, e.value]),
  );
const antiAffinitySelectors = (deployment: Obj) =>
  (deployment.spec.template.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map(
    (t: any) => t.podAffinityTerm.labelSelector.matchLabels,
  );

/** With metrics-server an HPA over the replica range; without it none (it could never read a metric) and the minimum, fixed. */
function expectReplicas(objs: Obj[], name: string, replicas: { min: number; max: number }, hpa: boolean) {
  const hpas = objs.filter((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === name);
  if (hpa) expect(hpas[0]?.spec).toMatchObject({ minReplicas: replicas.min, maxReplicas: replicas.max });
  else {
    expect(hpas).toEqual([]);
    expect(find(objs, 'Deployment', name).spec.replicas).toBe(replicas.min);
  }
}

function expectIstiod(objs: Obj[], hpa = true) {
  expectReplicas(objs, 'istiod', { min: 3, max: 7 }, hpa);
  expect(find(objs, 'PodDisruptionBudget', 'istiod').spec).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  const istiod = find(objs, 'Deployment', 'istiod');
  expect(antiAffinitySelectors(istiod)).toContainEqual({ app: 'istiod' });
  expect(envOf(istiod, 'discovery')).toMatchObject({ DEFAULT_WORKLOAD_CERT_TTL: TTL.workload, CITADEL_SELF_SIGNED_CA_CERT_TTL: TTL.ca });
  // The sidecar injector renders every istio-proxy container from these values.
  const injector = JSON.parse(find(objs, 'ConfigMap', 'istio-sidecar-injector').data.values);
  expect(injector.global.proxy.resources).toEqual(ISTIO.sidecar.resources);
  const mesh = parse(find(objs, 'ConfigMap', 'istio').data.mesh);
  expect(mesh.defaultConfig.proxyMetadata).toMatchObject({ SECRET_TTL: TTL.workload });
  expect(mesh.extensionProviders.map((p: { name: string }) => p.name)).toContain('otel-tracing');
}

function expectGateway(objs: Obj[], name: string, replicas: { min: number; max: number }, selector: Record<string, string>, hpa = true) {
  expectReplicas(objs, name, replicas, hpa);
  expect(find(objs, 'PodDisruptionBudget', name).spec).toMatchObject({ maxUnavailable: 1 });
  const d = find(objs, 'Deployment', name);
  const podLabels = d.spec.template.metadata.labels as Record<string, string>;
  expect(podLabels).toMatchObject(selector);
  expect(antiAffinitySelectors(d).length).toBeGreaterThan(0);
  for (const s of antiAffinitySelectors(d)) expect(podLabels).toMatchObject(s);
  return d;
}

describe.skipIf(skip)('the Istio install snippets, rendered by istioctl and helm', () => {
  let istioDir: string;
  /** The same config without metrics-server (profile.metricsServer false, the default). */
  let fixedDir: string;
  let gatewaySelector: Record<string, string>;

  beforeAll(async () => {
    const bundle = await buildBundle('istio-install', { istio: { ...repoConfig.istio, ...ISTIO }, profile: { metricsServer: true } });
    fixedDir = join(await buildBundle('istio-install-fixed', { istio: { ...repoConfig.istio, ...ISTIO } }), 'istio');
    istioDir = join(bundle, 'istio');
    // The edge Gateway (ingress.gatewayName) selects the ingress gateway's pods.
    const gw = readdirSync(istioDir)
      .filter((f) => f.startsWith('gateway-'))
      .map((f) => parse(readFileSync(join(istioDir, f), 'utf8')) as Obj);
    expect(gw.length).toBeGreaterThan(0);
    gatewaySelector = gw[0]!.spec.selector;
    expect(gatewaySelector).toEqual({ gateway: 'edge-gateway' });
  });

  it('istioctl manifest generate -f istio-operator.yaml: istiod, sidecars, certificates and both gateways as configured', () => {
    const objs = run('istioctl', ['manifest', 'generate', '-f', join(istioDir, 'istio-operator.yaml')]);
    expectIstiod(objs);
    const edge = expectGateway(objs, 'edge-gateway', ISTIO.gateways.ingress.replicas, gatewaySelector);
    expect(edge.spec.template.metadata.labels).toMatchObject({ app: 'edge-gateway', istio: 'edge-gateway' });
    // Gateways created by the operator are proxies too: the mesh-wide proxyMetadata reaches them.
    expect(envOf(edge, 'istio-proxy')).toMatchObject({ SECRET_TTL: TTL.workload });
    expectGateway(objs, 'istio-egressgateway', ISTIO.gateways.egress.replicas, { istio: 'egressgateway' });
    // The default profile's istio-ingressgateway is replaced by the configured one, not added to it.
    expect(objs.some((o) => o.kind === 'Deployment' && o.metadata.name === 'istio-ingressgateway')).toBe(false);
  });

  it('istioctl rejects a values key its charts do not have (so the keys above are real ones)', () => {
    const r = spawnSync(requireTool('istioctl'), ['manifest', 'generate', '-f', '-'], {
      input: 'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    pilot:\n      autoscaleMinimum: 3\n',
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown field "autoscaleMinimum"/);
  });

  it('helm template istiod -f helm-values.yaml: the same istiod, sidecar and certificate settings', () => {
    const objs = run('helm', [
      'template',
      'istiod',
      join(CHARTS, 'istio-discovery'),
      '-n',
      'istio-system',
      '-f',
      join(istioDir, 'helm-values.yaml'),
    ]);
    expectIstiod(objs);
  });

  it('helm template of the gateway chart with each helm-values-<gateway>.yaml: replicas, budget, anti-affinity, the selected label', () => {
    const files = readdirSync(istioDir)
      .filter((f) => /^helm-values-.+\.yaml$/.test(f))
      .sort();
    expect(files).toEqual(['helm-values-edge-gateway.yaml', 'helm-values-istio-egressgateway.yaml']);
    const render = (release: string, file: string) =>
      run('helm', ['template', release, join(CHARTS, 'gateway'), '-n', 'istio-system', '-f', join(istioDir, file)]);
    expectGateway(render('edge-gateway', files[0]!), 'edge-gateway', ISTIO.gateways.ingress.replicas, gatewaySelector);
    expectGateway(render('istio-egressgateway', files[1]!), 'istio-egressgateway', ISTIO.gateways.egress.replicas, {
      istio: 'egressgateway',
    });
  });

  it('without metrics-server (the default): no HPA in istioctl or helm output, every replica range fixed at its minimum', () => {
    const operator = run('istioctl', ['manifest', 'generate', '-f', join(fixedDir, 'istio-operator.yaml')]);
    expectIstiod(operator, false);
    expectGateway(operator, 'edge-gateway', ISTIO.gateways.ingress.replicas, gatewaySelector, false);
    expectGateway(operator, 'istio-egressgateway', ISTIO.gateways.egress.replicas, { istio: 'egressgateway' }, false);
    expectIstiod(
      run('helm', ['template', 'istiod', join(CHARTS, 'istio-discovery'), '-n', 'istio-system', '-f', join(fixedDir, 'helm-values.yaml')]),
      false,
    );
    const gw = run('helm', [
      'template',
      'edge-gateway',
      join(CHARTS, 'gateway'),
      '-n',
      'istio-system',
      '-f',
      join(fixedDir, 'helm-values-edge-gateway.yaml'),
    ]);
    expectGateway(gw, 'edge-gateway', ISTIO.gateways.ingress.replicas, gatewaySelector, false);
    // Mutation: the HPA check itself sees the one the metrics-server profile renders.
    expect(() => expectIstiod(run('istioctl', ['manifest', 'generate', '-f', join(istioDir, 'istio-operator.yaml')]), false)).toThrow();
  });
});
