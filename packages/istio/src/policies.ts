// Mesh policy that keeps telemetry flowing under STRICT mTLS and a default-deny AuthorizationPolicy.
//
// Which traffic needs a policy, and which does not:
// * Prometheus -> sidecars (15090 /stats/prometheus, 15020 merged app+Envoy metrics): served by
//   Envoy's own listeners and pilot-agent, not by the inbound listener chain, so neither mTLS nor
//   AuthorizationPolicy applies. Application metrics reach Prometheus through 15020 thanks to
//   Istio's metrics merging, which is why the monitoring namespace can stay un-injected.
//   No policy is needed (or possible); NetworkPolicies must leave 15090/15020 open to monitoring.
// * Prometheus -> istiod 15014: istiod has no sidecar, so no AuthorizationPolicy applies to it.
// * Prometheus -> collector 8888/8889 and Jaeger 8888 (application ports behind a sidecar): plaintext
//   from an un-injected client is refused under STRICT. Port-level PERMISSIVE PeerAuthentication
//   opens only those ports, and an ALLOW rule admits them. A plaintext caller has no identity, so
//   the rule cannot name the monitoring namespace; the NetworkPolicy beside each workload does.
// * Grafana/Kiali (no sidecar) -> Jaeger query 16686/16685: same treatment.
// * Applications, sidecars and gateways -> collector (OTLP/Zipkin/Jaeger ports): mTLS, any mesh identity.
//   Envoy's tracer uses the collector Service's outbound cluster, so spans carry the sending proxy's identity.
// * Collector -> Jaeger collector OTLP, load balancer -> samplers: mTLS, only the collector's service account.
import type { MeshobsConfig } from '@meshobs/spec';
import { endpointsOf } from '@meshobs/spec';
import { standardLabels, withComment, type KubeObject } from '@meshobs/kube';
import { layoutOf, METRICS_PORT } from '@meshobs/jaeger';
import { tierSelector } from '@meshobs/otel-collector';

const labels = standardLabels({ name: 'istio-mesh-policy', component: 'observability' });

/** Pod selectors of the workloads these policies protect, as the collector and jaeger packages label them. */
export function workloadSelectors(config: MeshobsConfig) {
  const jaeger = layoutOf(config);
  return {
    collector: tierSelector(config, { component: 'collector' }),
    sampler: tierSelector(config, { component: 'sampler' }),
    jaegerCollector: jaeger.collector.selector,
    jaegerQuery: jaeger.query.selector,
  };
}

const portOf = (hostPort: string) => Number(hostPort.split(':').pop());

function peerAuthentication(config: MeshobsConfig, name: string, selector: Record<string, string>, ports: number[], why: string): KubeObject {
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

export function meshPolicies(config: MeshobsConfig): KubeObject[] {
  const e = endpointsOf(config);
  const ns = config.namespaces.observability;
  const sel = workloadSelectors(config);
  const c = e.collector;
  // Suffix match: independent of the trust domain.
  const collectorPrincipal = `*/ns/${ns}/sa/${config.tracing.collector.name}`;
  const receiverPorts = [c.otlpGrpcPort, c.otlpHttpPort, c.zipkinPort, 14250, 14268];
  const jaegerOtlp = portOf(e.jaeger.collectorOtlpGrpc);
  const jaegerMetrics = METRICS_PORT;
  const queryPorts = [portOf(e.jaeger.queryHttpUrl), portOf(e.jaeger.queryGrpcAddress)];
  const twoTier = config.tracing.collector.mode === 'two-tier';

  const objects: KubeObject[] = [
    peerAuthentication(config, `${c.service}-metrics`, sel.collector, [c.metricsPort, c.spanMetricsPort], 'Prometheus (monitoring namespace, no sidecar) scrapes these two ports in plaintext.'),
    allow(
      config,
      c.service,
      sel.collector,
      [
        { from: [{ source: { principals: ['*'] } }], to: toPorts(receiverPorts) },
        { to: toPorts([c.metricsPort, c.spanMetricsPort]) },
      ],
      'Spans from any workload with a mesh identity (apps, sidecars, gateways); metrics from Prometheus (plaintext, limited by NetworkPolicy).',
    ),
    allow(
      config,
      `${config.jaeger.name}-collector`,
      sel.jaegerCollector,
      [
        { from: [{ source: { principals: [collectorPrincipal] } }], to: toPorts([jaegerOtlp]) },
        { to: toPorts([jaegerMetrics]) },
      ],
      'Only the OpenTelemetry Collector writes spans to Jaeger; Prometheus scrapes its metrics.',
    ),
    peerAuthentication(config, `${config.jaeger.name}-collector-metrics`, sel.jaegerCollector, [jaegerMetrics], 'Prometheus scrapes Jaeger collector metrics in plaintext.'),
    peerAuthentication(config, `${config.jaeger.name}-query`, sel.jaegerQuery, [...queryPorts, jaegerMetrics], 'Grafana and Kiali (no sidecar) query Jaeger; Prometheus scrapes it.'),
    allow(
      config,
      `${config.jaeger.name}-query`,
      sel.jaegerQuery,
      [{ to: toPorts([...queryPorts, jaegerMetrics]) }],
      'Jaeger query API/UI: from Grafana, Kiali and the ingress gateway; access is limited by NetworkPolicy and the Ingress auth.',
    ),
  ];
  if (twoTier)
    objects.push(
      peerAuthentication(config, `${c.samplerHeadlessService}-metrics`, sel.sampler, [c.metricsPort], 'Prometheus scrapes the samplers in plaintext.'),
      allow(
        config,
        c.samplerHeadlessService,
        sel.sampler,
        [
          { from: [{ source: { principals: [collectorPrincipal] } }], to: toPorts([c.otlpGrpcPort]) },
          { to: toPorts([c.metricsPort]) },
        ],
        'Only the load-balancing tier sends spans to the samplers.',
      ),
    );
  return objects;
}
