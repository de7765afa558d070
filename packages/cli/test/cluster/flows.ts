// The flow contract as data: every connection the rendered bundle needs, and a set it must refuse,
// derived from the bundle's own objects (workloads, Services, monitors, Gateways and VirtualServices,
// the URLs in the workloads' environment). The NetworkPolicy half (cyclonus) and the Istio half
// (AuthorizationPolicy + PeerAuthentication) both evaluate these same flows.

import { endpointsOf, type MeshobsConfig } from '@meshobs/config';
import { ENVOY_PROM_PORT } from '@meshobs/model';
import { expect } from 'vitest';

export type Labels = Record<string, string>;

/** One side of a flow: a pod (or a set of pods) with what Istio needs to know about it. */
export interface Peer {
  name: string;
  namespace: string;
  labels: Labels;
  /** Pod template annotations (sidecar capture, probe rewriting). */
  annotations?: Labels;
  /** Has an Istio sidecar (or is itself an Envoy with a mesh identity, like the ingress gateway). */
  sidecar: boolean;
  /** Kubernetes service account, for the mesh identity; `default` when the pod names none. */
  serviceAccount?: string;
  ports?: Array<{ name?: string; containerPort: number }>;
}

export interface Flow {
  why: string;
  from: Peer;
  to: Peer;
  /** The pod's (target) port. */
  port: number;
  protocol?: 'TCP' | 'UDP';
}

export type Obj = {
  apiVersion?: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Labels };
  spec?: any;
};

const matches = (selector: Labels, labels: Labels) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Peers outside the bundle: what a cluster with Istio and kube-prometheus-stack runs. */
export function externalPeers(config: MeshobsConfig) {
  const ns = config.namespaces;
  return {
    /** kube-prometheus-stack's Prometheus, Grafana, and Kiali run without sidecars (their namespaces are not injected; the kiali-server chart sets sidecar.istio.io/inject=false). */
    prometheus: { name: 'prometheus', namespace: ns.monitoring, labels: { 'app.kubernetes.io/name': 'prometheus' }, sidecar: false },
    grafana: { name: 'grafana', namespace: ns.monitoring, labels: { 'app.kubernetes.io/name': 'grafana' }, sidecar: false },
    kiali: { name: 'kiali', namespace: ns.istio, labels: { app: 'kiali' }, sidecar: false },
    istiod: { name: 'istiod', namespace: ns.istio, labels: { app: 'istiod' }, sidecar: false },
    kubeDns: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, sidecar: false },
    /** The user's search engine: it must accept the un-injected retention jobs, so it runs without a sidecar (packages/jaeger/README.md, Caveats). */
    searchEngine: {
      name: 'search-engine',
      namespace: config.elasticsearch.namespace ?? ns.observability,
      labels: config.elasticsearch.podSelector,
      sidecar: false,
    },
    /** ingress-nginx, the Ingress class of the Jaeger UI, as installed by its chart (no sidecar). */
    ingressController: {
      name: 'ingress-nginx',
      namespace: config.jaeger.query.ingress.controllerNamespace,
      labels: { 'app.kubernetes.io/name': 'ingress-nginx' },
      sidecar: false,
    },
    /** A workload of a namespace the bundle knows nothing about, in the mesh. */
    intruder: { name: 'intruder', namespace: 'intruder', labels: { app: 'intruder' }, sidecar: true, serviceAccount: 'intruder' },
  } satisfies Record<string, Peer>;
}

/** The Istio ingress gateway selected by a Gateway, under the service account names of both install methods. */
function ingressGateways(config: MeshobsConfig, selector: Labels): Peer[] {
  const { name } = config.istio.gateways.ingress;
  return [
    {
      name: `${name} (istioctl)`,
      namespace: config.namespaces.istio,
      labels: selector,
      sidecar: true,
      serviceAccount: `${name}-service-account`,
    },
    { name: `${name} (Helm gateway chart)`, namespace: config.namespaces.istio, labels: selector, sidecar: true, serviceAccount: name },
  ];
}

export function podsOf(config: MeshobsConfig, objects: Obj[]): Peer[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((d) => {
      const t = d.spec.template;
      return {
        name: d.metadata.name,
        namespace: d.metadata.namespace!,
        labels: t.metadata.labels,
        annotations: t.metadata.annotations ?? {},
        ports: t.spec.containers.flatMap((c: any) => c.ports ?? []),
        sidecar:
          config.namespaces.injected.includes(d.metadata.namespace!) && t.metadata.annotations?.['sidecar.istio.io/inject'] !== 'false',
        serviceAccount: t.spec.serviceAccountName ?? 'default',
      };
    });
}

/** The container port a Service port reaches on a pod. */
/**
 * The port a PodMonitor endpoint connects to: the one its `__address__` relabeling rewrites to (the app
 * metrics, moved to pilot-agent's 15020), else the named container port (Envoy's http-envoy-prom, which
 * the injected istio-proxy container declares; the stand-in pods may not).
 */
function podMonitorPort(ep: any, pod: Peer): number {
  const rewrite = (ep.relabelings ?? []).find((r: any) => r.targetLabel === '__address__');
  const to = /:(\d+)$/.exec(rewrite?.replacement ?? '');
  if (to) return Number(to[1]);
  if (typeof ep.portNumber === 'number') return ep.portNumber;
  return pod.ports?.find((c) => c.name === ep.port)?.containerPort ?? (ep.port === ENVOY_PROM_PORT.name ? ENVOY_PROM_PORT.number : NaN);
}

function targetPort(servicePort: any, pod: Peer): number | undefined {
  if (typeof servicePort.targetPort === 'number') return servicePort.targetPort;
  const name = servicePort.targetPort ?? servicePort.name;
  return pod.ports?.find((c) => c.name === name)?.containerPort ?? (servicePort.targetPort === undefined ? servicePort.port : undefined);
}

/** Pods and target port behind `host:port`, `host` being a Service of the bundle (short, .ns, .ns.svc or FQDN). */
function behind(objects: Obj[], pods: Peer[], host: string, port: number, fromNamespace: string): Array<{ pod: Peer; port: number }> {
  const [name, ns = fromNamespace] = host.split('.');
  const svc = objects.find((s) => s.kind === 'Service' && s.metadata.name === name && s.metadata.namespace === ns);
  if (!svc) return [];
  const sp = svc.spec.ports.find((p: any) => p.port === port);
  if (!sp) return [];
  return pods.filter((p) => p.namespace === ns && matches(svc.spec.selector, p.labels)).map((pod) => ({ pod, port: targetPort(sp, pod)! }));
}

/** Whether a pod belongs to the DestinationRule subset a route names (or the route names none). */
function inSubset(objects: Obj[], destination: { host: string; subset?: string }, pod: Peer): boolean {
  if (!destination.subset) return true;
  const dr = objects.find((o) => o.kind === 'DestinationRule' && o.spec.host === destination.host);
  const subset = dr?.spec.subsets?.find((s: any) => s.name === destination.subset);
  expect(subset, `subset ${destination.subset} of ${destination.host} is defined`).toBeDefined();
  return matches(subset.labels ?? {}, pod.labels);
}

/** Every flow the bundle needs, derived from its objects. */
export function requiredFlows(config: MeshobsConfig, objects: Obj[]): Flow[] {
  const pods = podsOf(config, objects);
  const ext = externalPeers(config);
  const { prometheus } = ext;
  const flows: Flow[] = [];
  for (const p of pods) {
    flows.push({ why: `${p.name} resolves names`, from: p, to: ext.kubeDns, port: 53, protocol: 'UDP' });
    if (!p.sidecar) continue;
    flows.push({ why: `${p.name}'s sidecar reaches istiod`, from: p, to: ext.istiod, port: 15012 });
    flows.push({ why: `Prometheus scrapes ${p.name}'s Envoy stats (envoy-stats PodMonitor)`, from: prometheus, to: p, port: 15090 });
  }
  for (const m of objects.filter((o) => o.kind === 'ServiceMonitor')) {
    const namespaces: string[] = m.spec.namespaceSelector.matchNames;
    const services = objects.filter(
      (s) =>
        s.kind === 'Service' && namespaces.includes(s.metadata.namespace!) && matches(m.spec.selector.matchLabels, s.metadata.labels ?? {}),
    );
    for (const s of services)
      for (const ep of m.spec.endpoints) {
        const sp = s.spec.ports.find((x: any) => x.name === ep.port);
        if (!sp) continue; // a Service of the selection without that port (the sampler): Prometheus skips it
        for (const p of pods.filter((p) => p.namespace === s.metadata.namespace && matches(s.spec.selector, p.labels))) {
          const port = targetPort(sp, p);
          expect(port, `${s.metadata.name} port ${ep.port} resolves to a container port of ${p.name}`).toBeTypeOf('number');
          flows.push({ why: `ServiceMonitor ${m.metadata.name} scrapes ${p.name}:${ep.port}`, from: prometheus, to: p, port: port! });
        }
      }
  }
  for (const m of objects.filter((o) => o.kind === 'PodMonitor' && o.spec.namespaceSelector.matchNames)) {
    for (const p of pods.filter(
      (p) => m.spec.namespaceSelector.matchNames.includes(p.namespace) && matches(m.spec.selector.matchLabels, p.labels),
    ))
      for (const ep of m.spec.podMetricsEndpoints) {
        const port = podMonitorPort(ep, p);
        flows.push({ why: `PodMonitor ${m.metadata.name} scrapes ${p.name}:${port}`, from: prometheus, to: p, port });
      }
  }
  // Istio Gateways: the ingress gateway reaches every destination of the VirtualServices bound to them.
  for (const gw of objects.filter((o) => o.kind === 'Gateway' && /\.istio\.io\//.test(o.apiVersion ?? ''))) {
    const vss = objects.filter(
      (v) =>
        v.kind === 'VirtualService' &&
        (v.spec.gateways ?? []).some((g: string) => g === gw.metadata.name || g === `${gw.metadata.namespace}/${gw.metadata.name}`),
    );
    for (const vs of vss)
      for (const route of vs.spec.http ?? [])
        for (const { destination: d } of route.route ?? [])
          for (const gateway of ingressGateways(config, gw.spec.selector))
            for (const { pod, port } of behind(objects, pods, d.host, d.port.number, vs.metadata.namespace!).filter(({ pod }) =>
              inSubset(objects, d, pod),
            ))
              flows.push({ why: `${gateway.name} routes ${vs.metadata.name} to ${pod.name}`, from: gateway, to: pod, port });
  }
  // URLs in the workloads' environment (backends, OTLP endpoints).
  for (const d of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
    const from = pods.find((p) => p.name === d.metadata.name && p.namespace === d.metadata.namespace)!;
    for (const c of d.spec.template.spec.containers)
      for (const env of c.env ?? []) {
        const url = /^[a-z]+:\/\/([a-z0-9.-]+):(\d+)/.exec(env.value ?? '');
        if (!url) continue;
        const targets = behind(objects, pods, url[1]!, Number(url[2]), from.namespace);
        for (const { pod, port } of targets) flows.push({ why: `${from.name} calls ${pod.name} (${env.name})`, from, to: pod, port });
      }
  }
  const e = endpointsOf(config);
  const byName = (name: string) => pods.find((p) => p.name === name)!;
  const collector = byName(e.collector.service);
  const jaegerCollector = byName(e.jaeger.collectorService);
  const jaegerQuery = byName(e.jaeger.queryService);
  const portOf = (address: string) => Number(address.split(':').pop()!.replace(/\/.*$/, ''));
  // Two-tier: the load-balancing tier routes by trace ID to the samplers, and the samplers export to Jaeger.
  const exporter = config.tracing.collector.mode === 'two-tier' ? byName(`${config.tracing.collector.name}-sampler`) : collector;
  if (exporter !== collector)
    flows.push({ why: 'load-balancing tier routes spans to the samplers', from: collector, to: exporter, port: e.collector.otlpGrpcPort });
  flows.push({
    why: `${exporter.name} exports spans to Jaeger`,
    from: exporter,
    to: jaegerCollector,
    port: portOf(e.jaeger.collectorOtlpGrpc),
  });
  flows.push({ why: 'Grafana queries Jaeger', from: ext.grafana, to: jaegerQuery, port: portOf(e.jaeger.queryHttpUrl) });
  flows.push({ why: 'Kiali queries Jaeger', from: ext.kiali, to: jaegerQuery, port: portOf(e.jaeger.queryGrpcAddress) });
  if (config.jaeger.query.ingress.enabled)
    flows.push({
      why: 'the ingress controller serves the Jaeger UI',
      from: ext.ingressController,
      to: jaegerQuery,
      port: portOf(e.jaeger.queryHttpUrl),
    });
  for (const j of [jaegerCollector, jaegerQuery])
    flows.push({ why: `${j.name} writes/reads the search engine`, from: j, to: ext.searchEngine, port: portOf(config.elasticsearch.url) });
  // Sidecars and gateways export their spans over the collector's OTLP gRPC port (the meshConfig extension provider).
  const gateways = ingressGateways(config, { istio: 'ingressgateway' });
  for (const p of [...pods.filter((p) => p.namespace !== config.namespaces.observability), ...gateways])
    flows.push({ why: `${p.name} sends spans to the collector`, from: p, to: collector, port: e.collector.otlpGrpcPort });
  // Routes and subsets overlap (the canary by header and by weight): one flow per source, pod and port.
  const seen = new Set<string>();
  return flows.filter((f) => {
    const key = `${f.why}|${f.from.name}|${f.to.namespace}/${f.to.name}:${f.port}`;
    return !seen.has(key) && !!seen.add(key);
  });
}

/**
 * Kubelet probes, with Istio's probe rewriting (pkg/kube/inject/app_probe.go: httpGet, tcpSocket
 * and grpc probes of an injected pod go to pilot-agent's status port unless
 * sidecar.istio.io/rewriteAppHTTPProbers is false). They come from the node, which NetworkPolicies
 * do not filter, so only the Istio half evaluates them.
 */
export function probeFlows(config: MeshobsConfig, objects: Obj[]): Flow[] {
  const kubelet: Peer = { name: 'kubelet', namespace: 'kube-system', labels: {}, sidecar: false };
  const flows: Flow[] = [];
  for (const d of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
    const pod = podsOf(config, [d])[0]!;
    const rewrite = pod.annotations?.['sidecar.istio.io/rewriteAppHTTPProbers'] !== 'false';
    const status = Number(pod.annotations?.['status.sidecar.istio.io/port'] ?? 15020);
    for (const c of d.spec.template.spec.containers)
      for (const kind of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
        const probe = c[kind];
        if (!probe) continue;
        const target = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
        const port = typeof target === 'number' ? target : pod.ports?.find((p) => p.name === target)?.containerPort;
        expect(port, `${pod.name} ${kind} port resolves`).toBeTypeOf('number');
        flows.push({ why: `kubelet ${kind} of ${pod.name}`, from: kubelet, to: pod, port: pod.sidecar && rewrite ? status : port! });
      }
  }
  return flows;
}

/** Flows default-deny must still deny. */
export function forbiddenFlows(config: MeshobsConfig, objects: Obj[]): Flow[] {
  const pods = podsOf(config, objects);
  const e = endpointsOf(config);
  const ext = externalPeers(config);
  const byName = (name: string) => pods.find((p) => p.name === name)!;
  const { intruder, searchEngine } = ext;
  const app = pods.find((p) => p.namespace !== config.namespaces.observability)!;
  const appPort = app.ports![0]!.containerPort;
  const collector = byName(e.collector.service);
  return [
    // The search engine is the user's: its ingress is the bundle's to police only when asked (elasticsearch.networkPolicy).
    ...(config.elasticsearch.networkPolicy
      ? [{ why: 'an application reaches the search engine', from: app, to: searchEngine, port: 9200 }]
      : []),
    { why: 'the collector reaches the search engine', from: collector, to: searchEngine, port: 9200 },
    { why: 'a foreign namespace writes to the Jaeger collector', from: intruder, to: byName(e.jaeger.collectorService), port: 4317 },
    { why: 'an application writes spans straight to the Jaeger collector', from: app, to: byName(e.jaeger.collectorService), port: 4317 },
    { why: 'an application queries Jaeger directly', from: app, to: byName(e.jaeger.queryService), port: 16686 },
    { why: 'a foreign namespace queries Jaeger', from: intruder, to: byName(e.jaeger.queryService), port: 16685 },
    { why: 'a foreign namespace scrapes the collector', from: intruder, to: collector, port: e.collector.metricsPort },
    { why: 'a foreign namespace scrapes Jaeger', from: intruder, to: byName(e.jaeger.collectorService), port: 8888 },
    { why: 'a foreign namespace scrapes Envoy stats', from: intruder, to: app, port: 15090 },
    { why: 'a foreign namespace calls an application', from: intruder, to: app, port: appPort },
    { why: 'the collector calls an application', from: collector, to: app, port: appPort },
    { why: "Prometheus calls an application's own port, around metrics merging", from: ext.prometheus, to: app, port: appPort },
  ];
}

/** Istio's explicit protocol selection: Service port name `<protocol>[-suffix]` or appProtocol. */
export function isHttp(config: MeshobsConfig, objects: Obj[], to: Peer, port: number): boolean {
  const pods = podsOf(config, objects);
  const pod = pods.find((p) => p.name === to.name && p.namespace === to.namespace);
  for (const s of objects.filter((o) => o.kind === 'Service' && o.metadata.namespace === to.namespace)) {
    if (!Object.entries(s.spec.selector ?? {}).every(([k, v]) => to.labels[k] === v)) continue;
    for (const sp of s.spec.ports) {
      const target =
        typeof sp.targetPort === 'number' ? sp.targetPort : pod?.ports?.find((c) => c.name === (sp.targetPort ?? sp.name))?.containerPort;
      if (target !== port) continue;
      const proto = (sp.appProtocol ?? String(sp.name ?? '').split('-')[0]).toLowerCase();
      return ['http', 'http2', 'grpc', 'grpc-web'].includes(proto);
    }
  }
  return false;
}
