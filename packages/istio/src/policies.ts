// Mesh policy that keeps telemetry flowing under STRICT mTLS and a default-deny AuthorizationPolicy.
// The flow contract (packages/cli/test/cluster/istio-authz-flows.cluster.test.ts) evaluates every
// flow the bundle needs, and a set it must refuse, against these objects.
//
// Which traffic needs a policy, and which does not:
// * Prometheus -> sidecars (15090 /stats/prometheus, 15020 merged app+Envoy metrics): the sidecar
//   injector excludes 15090, 15021 and the status port 15020 from inbound capture
//   (istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml,
//   istio-iptables `-d 15090,15021,<statusPort>`), so Envoy's inbound chain, where mTLS and
//   AuthorizationPolicy act, never sees them. Application metrics reach Prometheus through 15020
//   thanks to Istio's metrics merging, which is why the monitoring namespace can stay un-injected.
//   No policy is needed (or possible); NetworkPolicies must leave 15090/15020 open to monitoring.
//   Kubelet probes are rewritten to 15020 the same way (pkg/kube/inject/app_probe.go).
// * Prometheus -> istiod 15014: istiod has no sidecar, so no AuthorizationPolicy applies to it.
// * Prometheus -> collector 8888/8889 and Jaeger 8888 (application ports behind a sidecar): plaintext
//   from an un-injected client is refused under STRICT. Port-level PERMISSIVE PeerAuthentication
//   opens only those ports (portLevelMtls keys are the pod's ports). The ALLOW rule admits a
//   plaintext caller (`notPrincipals: ["*"]`: no peer certificate) or a mesh identity of the
//   monitoring namespace, and no other mesh identity: without a `from`, any workload of the mesh
//   could scrape. A plaintext caller has no identity, so which namespace it comes from is left to
//   the NetworkPolicy beside each workload.
// * Grafana/Kiali (no sidecar) and the UI's ingress controller -> Jaeger query 16686/16685: same
//   treatment, admitting mesh identities of exactly the namespaces the NetworkPolicy admits.
// * Applications, sidecars and gateways -> collector (OTLP/Zipkin/Jaeger ports): mTLS, any mesh identity.
//   Envoy's tracer uses the collector Service's outbound cluster, so spans carry the sending proxy's identity.
// * Collector -> Jaeger collector OTLP, load balancer -> samplers: mTLS, only the collector's service account.
import type { MeshobsConfig } from '@meshobs/config';
import { type KubeObject, standardLabels, withComment } from '@meshobs/kube';
import { JAEGER_METRICS_PORT as METRICS_PORT, type MeshModel } from '@meshobs/model';

const labels = standardLabels({ name: 'istio-mesh-policy', component: 'observability' });

/** Pod selectors of the workloads these policies protect, as the model labels them. */
export function workloadSelectors(model: MeshModel) {
  const p = model.workloads.pipeline;
  return {
    collector: p.collector.selector,
    sampler: p.sampler?.selector,
    jaegerCollector: p.jaegerCollector.selector,
    jaegerQuery: p.jaegerQuery.selector,
  };
}

function peerAuthentication(
  config: MeshobsConfig,
  name: string,
  selector: Record<string, string>,
  ports: number[],
  why: string,
): KubeObject {
  return withComment(
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name, namespace: config.namespaces.observability, labels },
      spec: {
        selector: { matchLabels: selector },
        mtls: { mode: config.istio.mtlsMode },
        portLevelMtls: Object.fromEntries(ports.map((p) => [String(p), { mode: 'PERMISSIVE' }])),
      },
    },
    why,
  );
}

type Rule = { from?: unknown[]; to: unknown[] };
const toPorts = (ports: number[]) => [{ operation: { ports: ports.map(String) } }];

/**
 * Sources of a plaintext-open port: no peer certificate at all (a caller without a sidecar: Envoy's
 * RBAC `authenticated` matcher fails without TLS, so `notPrincipals: ["*"]` is true exactly then;
 * istio pilot/pkg/security/authz/model/generator.go, matcher/string.go) or an mTLS identity from one
 * of `namespaces`. Every other mesh identity is refused.
 */
const plaintextOr = (namespaces: string[]) => [{ source: { notPrincipals: ['*'] } }, { source: { namespaces } }];

function allow(config: MeshobsConfig, name: string, selector: Record<string, string>, rules: Rule[], why: string): KubeObject {
  return withComment(
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name, namespace: config.namespaces.observability, labels },
      spec: { selector: { matchLabels: selector }, action: 'ALLOW', rules },
    },
    why,
  );
}

export function meshPolicies(model: MeshModel): KubeObject[] {
  const config = model.config;
  const e = model.endpoints;
  const ns = config.namespaces.observability;
  const sel = workloadSelectors(model);
  const c = e.collector;
  // Suffix match: independent of the trust domain.
  const collectorPrincipal = `*/ns/${ns}/sa/${config.tracing.collector.name}`;
  const receiverPorts = c.receiverPorts;
  const jaegerOtlp = e.jaeger.collector.otlpGrpcPort;
  const jaegerMetrics = METRICS_PORT;
  const queryPorts = [e.jaeger.query.httpPort, e.jaeger.query.grpcPort];
  const twoTier = config.tracing.collector.mode === 'two-tier';
  // Prometheus and its peers run in the monitoring namespace; the query clients as the NetworkPolicy of
  // packages/jaeger/src/network.ts lists them (UI ingress controller, Grafana, Kiali).
  const scrapers = () => plaintextOr([config.namespaces.monitoring]); // fresh objects: no YAML aliases
  // The ingress gateway (ingress.ui) is in the Istio namespace, with Kiali; ingress-nginx only when its Ingress is on.
  const ingressNginx = config.jaeger.query.ingress.enabled ? [config.jaeger.query.ingress.controllerNamespace] : [];
  const queryClients = [...new Set([...ingressNginx, model.namespaces.grafana, config.namespaces.istio])];

  const objects: KubeObject[] = [
    peerAuthentication(
      config,
      `${c.service}-metrics`,
      sel.collector,
      [c.metricsPort, c.spanMetricsPort],
      'Prometheus (monitoring namespace, no sidecar) scrapes these two ports in plaintext.',
    ),
    allow(
      config,
      c.service,
      sel.collector,
      [
        { from: [{ source: { principals: ['*'] } }], to: toPorts(receiverPorts) },
        { from: scrapers(), to: toPorts([c.metricsPort, c.spanMetricsPort]) },
      ],
      'Spans from any workload with a mesh identity (apps, sidecars, gateways); metrics from Prometheus (plaintext, limited by NetworkPolicy, or a mesh identity of the monitoring namespace).',
    ),
    allow(
      config,
      `${config.jaeger.name}-collector`,
      sel.jaegerCollector,
      [
        { from: [{ source: { principals: [collectorPrincipal] } }], to: toPorts([jaegerOtlp]) },
        { from: scrapers(), to: toPorts([jaegerMetrics]) },
      ],
      'Only the OpenTelemetry Collector writes spans to Jaeger; Prometheus scrapes its metrics.',
    ),
    peerAuthentication(
      config,
      `${config.jaeger.name}-collector-metrics`,
      sel.jaegerCollector,
      [jaegerMetrics],
      'Prometheus scrapes Jaeger collector metrics in plaintext.',
    ),
    peerAuthentication(
      config,
      `${config.jaeger.name}-query`,
      sel.jaegerQuery,
      [...queryPorts, jaegerMetrics],
      'Grafana and Kiali (no sidecar) query Jaeger; Prometheus scrapes it.',
    ),
    allow(
      config,
      `${config.jaeger.name}-query`,
      sel.jaegerQuery,
      [
        { from: plaintextOr(queryClients), to: toPorts(queryPorts) },
        { from: scrapers(), to: toPorts([jaegerMetrics]) },
      ],
      'Jaeger query API/UI: from Grafana, Kiali, the ingress gateway and the ingress controller when its Ingress is on (plaintext, limited by NetworkPolicy and the sign-in, or mesh identities of their namespaces); Prometheus scrapes it.',
    ),
  ];
  if (twoTier && sel.sampler)
    objects.push(
      peerAuthentication(
        config,
        `${c.samplerHeadlessService}-metrics`,
        sel.sampler,
        [c.metricsPort],
        'Prometheus scrapes the samplers in plaintext.',
      ),
      allow(
        config,
        c.samplerHeadlessService,
        sel.sampler,
        [
          { from: [{ source: { principals: [collectorPrincipal] } }], to: toPorts([c.otlpGrpcPort]) },
          { from: scrapers(), to: toPorts([c.metricsPort]) },
        ],
        'Only the load-balancing tier sends spans to the samplers.',
      ),
    );
  return objects;
}
