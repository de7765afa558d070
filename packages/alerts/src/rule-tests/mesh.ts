// The label sets real Istio, kube-state-metrics and cAdvisor series carry through this bundle's scrape config.
import type { MeshobsConfig } from '@meshobs/config';
import { gatewayPodLabelValue } from '@meshobs/kube';
import { envoyTargetLabels, gatewayPodLabels, istiodTargetLabels, type MeshModel, type ServiceModel } from '@meshobs/model';
import { type Gateway, gatewaysOf } from '@meshobs/signals';
import type { Labels } from './notation.ts';

/**
 * The service the per-service scenarios send traffic to: the first the model names (its own thresholds,
 * owner and SLO), with two versions to split between; without one, a stand-in under the mesh-wide values.
 */
export interface TestService extends Pick<ServiceModel, 'name' | 'namespace' | 'thresholds' | 'slo' | 'owner' | 'overrides'> {
  port: number;
  /** The versions the recording scenarios split traffic between (the first two it declares). */
  stable: string;
  canary: string;
}

export function testService(model: MeshModel): TestService {
  const a = model.config.alerts;
  const s: ServiceModel = model.services[0] ?? {
    name: 'example',
    namespace: 'example',
    thresholds: {
      high5xxErrorRate: { threshold: a.high5xxErrorRate.threshold, minRequestRate: a.high5xxErrorRate.minRequestRate },
      highRequestLatency: { p99Seconds: a.highRequestLatency.p99Seconds, minRequestRate: a.highRequestLatency.minRequestRate },
    },
    overrides: { high5xxErrorRate: {}, highRequestLatency: {} },
    slo: { availability: 0.999, latencyThresholdSeconds: 0.5, latencyTarget: 0.99 },
    demo: false,
  };
  const versions = s.versions?.map((v) => v.name) ?? [];
  return {
    name: s.name,
    namespace: s.namespace,
    port: s.port ?? 8080,
    thresholds: s.thresholds,
    overrides: s.overrides,
    slo: s.slo,
    ...(s.owner !== undefined ? { owner: s.owner } : {}),
    stable: versions[0] ?? 'v1',
    canary: versions[1] ?? `${versions[0] ?? 'v1'}-next`,
  };
}

export interface Mesh {
  istioNs: string;
  envoyJob: string;
  istiodJob: string;
  ksmJob: string;
  cadvisorJob: string;
  svc: TestService;
  /** The configured gateways; `client` is the one whose requests the scenarios send (the first enabled). */
  gw: { enabled: Gateway[]; client: Gateway };
}

export const podSuffix = ['7d9c6f8b5-x2x9k', '7d9c6f8b5-q8vlm', '5f6d8c7b9-h4kzt'];

export function sidecarTarget(m: Mesh, ns: string, app: string, version: string, i = 0): Labels {
  return envoyTargetLabels(
    m.envoyJob,
    { namespace: ns, name: `${app}-${version}-${podSuffix[i % podSuffix.length]}`, ip: `10.244.1.${12 + i}` },
    { app, version },
  );
}

export function gatewayTarget(m: Mesh, gw: Gateway, i = 0): Labels {
  const pod = { namespace: m.istioNs, name: `${gw.deployment}-6b7f9d4c8d-${['m2xqz', 'p7wln'][i % 2]}`, ip: `10.244.2.${20 + i}` };
  return envoyTargetLabels(m.envoyJob, pod, gatewayPodLabels(gw.deployment));
}

export function istiodTarget(m: Mesh, i = 0): Labels {
  return istiodTargetLabels(m.istiodJob, {
    namespace: m.istioNs,
    name: `istiod-5c8f7d9b6c-${['k2j4n', 'w9r7t'][i % 2]}`,
    ip: `10.244.0.${30 + i}`,
  });
}

/** Request counter / histogram labels as the destination (server) proxy reports them. */
export function destinationRequest(m: Mesh, code: string, version = m.svc.stable, flags = '-'): Labels {
  const { name, namespace: ns } = m.svc;
  return {
    ...sidecarTarget(m, ns, name, version),
    reporter: 'destination',
    source_workload: m.gw.client.deployment,
    source_workload_namespace: m.istioNs,
    source_app: m.gw.client.deployment,
    source_version: 'unknown',
    source_canonical_service: m.gw.client.deployment,
    source_canonical_revision: 'latest',
    source_principal: `spiffe://cluster.local/ns/${m.istioNs}/sa/${m.gw.client.deployment}-service-account`,
    source_cluster: 'Kubernetes',
    destination_service: `${name}.${ns}.svc.cluster.local`,
    destination_service_name: name,
    destination_service_namespace: ns,
    destination_workload: `${name}-${version}`,
    destination_workload_namespace: ns,
    destination_version: version,
    destination_app: name,
    destination_canonical_service: name,
    destination_canonical_revision: version,
    destination_principal: `spiffe://cluster.local/ns/${ns}/sa/${name}`,
    destination_cluster: 'Kubernetes',
    request_protocol: 'http',
    response_code: code,
    response_flags: flags,
    connection_security_policy: 'mutual_tls',
  };
}

/** The same request as the ingress gateway (the client) reports it: reporter="source". */
export function sourceRequest(m: Mesh, code: string, flags = '-', gw: Gateway = m.gw.client): Labels {
  const d = destinationRequest(m, code, m.svc.stable, flags);
  const { job, namespace, pod, instance, container, endpoint, app, version: _v, ...rest } = d;
  return {
    ...rest,
    ...gatewayTarget(m, gw),
    reporter: 'source',
    source_workload: gw.deployment,
    source_app: gw.deployment,
    source_canonical_service: gw.deployment,
    source_principal: `spiffe://cluster.local/ns/${m.istioNs}/sa/${gw.deployment}-service-account`,
    connection_security_policy: 'unknown',
  };
}

export const named = (name: string, l: Labels): Labels => ({ __name__: name, ...l });

/** The enabled gateways; requests come through the first (the ingress gateway by its name when none is). */
export function gatewaysFor(config: MeshobsConfig): Mesh['gw'] {
  const enabled = gatewaysOf(config);
  const ingress = config.istio.gateways.ingress.name;
  return { enabled, client: enabled[0] ?? { kind: 'ingress', deployment: ingress, istioLabel: gatewayPodLabelValue(ingress) } };
}
