// The flow contract, NetworkPolicy half: flows derived from the rendered default bundle (its
// workloads, Services and monitors), each evaluated by a real NetworkPolicy engine, cyclonus
// (`analyze --mode query-traffic`), against every NetworkPolicy of the bundle. Required flows must
// be allowed, the declared forbidden ones denied (egress of the source and ingress of the
// destination both count). Not modelled here: Istio AuthorizationPolicies and mTLS (layer 7), the
// ingress controller's own pods, and traffic to the Kubernetes API (not a pod).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { endpointsOf, parseConfig } from '@meshobs/spec';
import { missingTools, requireTool, tempDir } from '@meshobs/testkit';
import repoConfig from '../../../../meshobs.config.ts';
import { buildBundle } from './cluster-kit.ts';

const skip = missingTools('cyclonus', 'kubectl');
const config = parseConfig(repoConfig);

type Labels = Record<string, string>;
interface Pod {
  name: string;
  namespace: string;
  labels: Labels;
  ports: Array<{ name?: string; containerPort: number }>;
  injected: boolean;
}
interface Flow {
  why: string;
  from: { namespace: string; labels: Labels };
  to: { namespace: string; labels: Labels };
  port: number;
  protocol?: 'TCP' | 'UDP';
}
type Obj = { kind: string; metadata: { name: string; namespace?: string; annotations?: Labels }; spec?: any };

const matches = (selector: Labels, labels: Labels) => Object.entries(selector).every(([k, v]) => labels[k] === v);
/** Prometheus of kube-prometheus-stack, without a sidecar. */
const prometheus = { namespace: config.namespaces.monitoring, labels: { 'app.kubernetes.io/name': 'prometheus' } };
const istiod = { namespace: config.namespaces.istio, labels: { app: 'istiod' } };
const kubeDns = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };

function podsOf(objects: Obj[]): Pod[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((d) => {
      const t = d.spec.template;
      return {
        name: d.metadata.name,
        namespace: d.metadata.namespace!,
        labels: t.metadata.labels,
        ports: t.spec.containers.flatMap((c: any) => c.ports ?? []),
        injected: config.namespaces.injected.includes(d.metadata.namespace!) && t.metadata.annotations?.['sidecar.istio.io/inject'] !== 'false',
      };
    });
}

/** Every flow the bundle needs, derived from its objects. */
function requiredFlows(objects: Obj[]): Flow[] {
  const pods = podsOf(objects);
  const peer = (p: Pod) => ({ namespace: p.namespace, labels: p.labels });
  const flows: Flow[] = [];
  for (const p of pods) {
    flows.push({ why: `${p.name} resolves names`, from: peer(p), to: kubeDns, port: 53, protocol: 'UDP' });
    if (!p.injected) continue;
    flows.push({ why: `${p.name}'s sidecar reaches istiod`, from: peer(p), to: istiod, port: 15012 });
    flows.push({ why: `Prometheus scrapes ${p.name}'s Envoy stats (envoy-stats PodMonitor)`, from: prometheus, to: peer(p), port: 15090 });
  }
  for (const m of objects.filter((o) => o.kind === 'ServiceMonitor')) {
    const namespaces: string[] = m.spec.namespaceSelector.matchNames;
    const services = objects.filter((s) => s.kind === 'Service' && namespaces.includes(s.metadata.namespace!) && matches(m.spec.selector.matchLabels, (s.metadata as any).labels ?? {}));
    for (const s of services)
      for (const ep of m.spec.endpoints) {
        const sp = s.spec.ports.find((x: any) => x.name === ep.port);
        if (!sp) continue; // a Service of the selection without that port (the sampler): Prometheus skips it
        for (const p of pods.filter((p) => p.namespace === s.metadata.namespace && matches(s.spec.selector, p.labels))) {
          const port = typeof sp.targetPort === 'number' ? sp.targetPort : p.ports.find((c) => c.name === (sp.targetPort ?? sp.name))?.containerPort;
          expect(port, `${s.metadata.name} port ${ep.port} resolves to a container port of ${p.name}`).toBeTypeOf('number');
          flows.push({ why: `ServiceMonitor ${m.metadata.name} scrapes ${p.name}:${ep.port}`, from: prometheus, to: peer(p), port: port! });
        }
      }
  }
  for (const m of objects.filter((o) => o.kind === 'PodMonitor' && o.spec.namespaceSelector.matchNames)) {
    for (const p of pods.filter((p) => m.spec.namespaceSelector.matchNames.includes(p.namespace) && matches(m.spec.selector.matchLabels, p.labels)))
      for (const ep of m.spec.podMetricsEndpoints)
        flows.push({ why: `PodMonitor ${m.metadata.name} scrapes ${p.name}:${ep.portNumber}`, from: prometheus, to: peer(p), port: ep.portNumber });
  }
  const e = endpointsOf(config);
  const byName = (name: string) => pods.find((p) => p.name === name)!;
  const collector = byName(e.collector.service);
  const jaegerCollector = byName(e.jaeger.collectorService);
  const jaegerQuery = byName(e.jaeger.queryService);
  const searchEngine = { namespace: config.namespaces.observability, labels: config.elasticsearch.podSelector };
  const portOf = (address: string) => Number(address.split(':').pop()!.replace(/\/.*$/, ''));
  // Two-tier: the load-balancing tier routes by trace ID to the samplers, and the samplers export to Jaeger.
  const exporter = config.tracing.collector.mode === 'two-tier' ? byName(`${config.tracing.collector.name}-sampler`) : collector;
  if (exporter !== collector)
    flows.push({ why: 'load-balancing tier routes spans to the samplers', from: peer(collector), to: peer(exporter), port: e.collector.otlpGrpcPort });
  flows.push({ why: `${exporter.name} exports spans to Jaeger`, from: peer(exporter), to: peer(jaegerCollector), port: portOf(e.jaeger.collectorOtlpGrpc) });
  flows.push({ why: 'Grafana queries Jaeger', from: { namespace: config.namespaces.monitoring, labels: { 'app.kubernetes.io/name': 'grafana' } }, to: peer(jaegerQuery), port: portOf(e.jaeger.queryHttpUrl) });
  flows.push({ why: 'Kiali queries Jaeger', from: { namespace: config.namespaces.istio, labels: { app: 'kiali' } }, to: peer(jaegerQuery), port: portOf(e.jaeger.queryGrpcAddress) });
  for (const j of [jaegerCollector, jaegerQuery])
    flows.push({ why: `${j.name} writes/reads the search engine`, from: peer(j), to: searchEngine, port: portOf(config.elasticsearch.url) });
  for (const p of pods.filter((p) => p.namespace !== config.namespaces.observability))
    flows.push({ why: `${p.name} sends spans to the collector`, from: peer(p), to: peer(collector), port: e.collector.otlpGrpcPort });
  return flows;
}

/** Flows default-deny must still deny. */
function forbiddenFlows(objects: Obj[]): Flow[] {
  const pods = podsOf(objects);
  const e = endpointsOf(config);
  const byName = (name: string) => pods.find((p) => p.name === name)!;
  const peer = (p: Pod) => ({ namespace: p.namespace, labels: p.labels });
  const intruder = { namespace: 'intruder', labels: { app: 'intruder' } };
  const app = pods.find((p) => p.namespace !== config.namespaces.observability)!;
  const searchEngine = { namespace: config.namespaces.observability, labels: config.elasticsearch.podSelector };
  return [
    { why: 'an application reaches the search engine', from: peer(app), to: searchEngine, port: 9200 },
    { why: 'the collector reaches the search engine', from: peer(byName(e.collector.service)), to: searchEngine, port: 9200 },
    { why: 'a foreign namespace writes to the Jaeger collector', from: intruder, to: peer(byName(e.jaeger.collectorService)), port: 4317 },
    { why: 'an application queries Jaeger directly', from: peer(app), to: peer(byName(e.jaeger.queryService)), port: 16686 },
    { why: 'a foreign namespace scrapes the collector', from: intruder, to: peer(byName(e.collector.service)), port: e.collector.metricsPort },
    { why: 'a foreign namespace scrapes Envoy stats', from: intruder, to: peer(app), port: 15090 },
  ];
}

const cyclonusPeer = (p: { namespace: string; labels: Labels }) => ({
  Internal: { Namespace: p.namespace, NamespaceLabels: { 'kubernetes.io/metadata.name': p.namespace }, PodLabels: p.labels },
});

describe.skipIf(skip)('NetworkPolicy flow contract (cyclonus)', () => {
  let objects: Obj[];
  let policyDir: string;

  beforeAll(async () => {
    const bundle = await buildBundle('flows', {});
    const rendered = execFileSync(requireTool('kubectl'), ['kustomize', bundle], { encoding: 'utf8', maxBuffer: 64 << 20 });
    objects = parseAllDocuments(rendered).map((d) => d.toJS());
    policyDir = tempDir('netpol');
    // cyclonus reads one policy or one NetworkPolicyList per file, not '---' separated documents.
    const items = objects.filter((o) => o.kind === 'NetworkPolicy');
    writeFileSync(join(policyDir, 'policies.yaml'), stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicyList', items }));
  });

  const verdicts = (flows: Flow[]): boolean[] => {
    const file = join(tempDir('traffic'), 'traffic.json');
    writeFileSync(
      file,
      JSON.stringify(flows.map((f) => ({ Source: cyclonusPeer(f.from), Destination: cyclonusPeer(f.to), ResolvedPort: f.port, ResolvedPortName: '', Protocol: f.protocol ?? 'TCP' }))),
    );
    const out = execFileSync(requireTool('cyclonus'), ['analyze', '--mode=query-traffic', `--policy-path=${policyDir}`, `--traffic-path=${file}`], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const answers = [...out.matchAll(/\| IS ALLOWED\? \|\s+(TRUE|FALSE)\s+\|/g)].map((m) => m[1] === 'TRUE');
    expect(answers).toHaveLength(flows.length);
    return answers;
  };

  it('allows every flow the bundle needs', () => {
    const flows = requiredFlows(objects);
    expect(flows.length).toBeGreaterThan(30);
    const allowed = verdicts(flows);
    expect(flows.filter((_, i) => !allowed[i]).map((f) => `${f.why} (${f.to.namespace}:${f.port})`)).toEqual([]);
  });

  it('denies the declared forbidden flows', () => {
    const flows = forbiddenFlows(objects);
    const allowed = verdicts(flows);
    expect(flows.filter((_, i) => allowed[i]).map((f) => f.why)).toEqual([]);
  });
});
