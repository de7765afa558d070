// The label sets real Istio, kube-state-metrics and cAdvisor series carry through this bundle's scrape config.
import type { MeshobsConfig, ServiceConfig } from '@meshobs/config';
import { gatewayPodLabelValue } from '@meshobs/kube';
import { type Gateway, gatewaysOf } from '@meshobs/signals';
import { envoyTargetLabels, gatewayPodLabels, istiodTargetLabels } from '../scrape-targets.ts';
import type { Labels } from './notation.ts';

export interface Mesh {
  istioNs: string;
  envoyJob: string;
  istiodJob: string;
  ksmJob: string;
  cadvisorJob: string;
  svc: ServiceConfig;
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
export function destinationRequest(m: Mesh, code: string, version = m.svc.stableVersion, flags = '-'): Labels {
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
  const d = destinationRequest(m, code, m.svc.stableVersion, flags);
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
