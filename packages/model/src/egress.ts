// Controlled egress (egress.*): where the mesh's external hosts are declared and how they are routed, and
// what each namespace the bundle owns calls, which its Sidecar resource limits the proxies to. The calls
// come from the addresses the workloads dial (config endpoints, the demo's tiers): one home per fact.
import { type Endpoints, endpointsOf, type MeshobsConfig } from '@meshobs/config';
import { namespacesOf } from './namespaces.ts';
import { gatewayInstalls } from './workloads/gateways.ts';

export interface ExternalHost {
  name: string;
  host: string;
  port: number;
  protocol: 'HTTPS' | 'TLS' | 'HTTP' | 'TCP';
  addresses?: string[];
  /** Routed mesh -> egress gateway -> host (HTTPS/TLS by SNI, passthrough; HTTP by Host). */
  viaGateway: boolean;
}

export interface EgressModel {
  /**
   * Namespace of the ServiceEntries, the egress Gateway and VirtualServices: the trace pipeline's, where the
   * bundle's other objects live (the collector, Jaeger, the edge Gateway). The egress gateway's own namespace
   * is the control plane's, never the bundle's.
   */
  namespace: string;
  hosts: ExternalHost[];
  /** The egress gateway the routed hosts go through: its namespace, pod selector and Service host. */
  gateway: { name: string; namespace: string; selector: Record<string, string>; serviceHost: string };
  outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  /** Per owned namespace, the Sidecar egress hosts (`namespace/dnsName`, `./*` its own), with why each is there. */
  sidecars: { namespace: string; hosts: { host: string; why: string }[] }[];
}

/**
 * Istio's Sidecar host of a service address: `<namespace>/<host>` for an in-cluster Service
 * (`name.namespace.svc...`), `*\/<host>` for any other name (a ServiceEntry in any namespace), as
 * networking/v1/sidecar.proto `IstioEgressListener.hosts` spells them.
 */
export function sidecarHost(host: string): string {
  const ns = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.|$)/.exec(host)?.[1];
  return `${ns ?? '*'}/${host}`;
}

/**
 * The Sidecar resources: only in namespaces the bundle owns (the demo's). A Sidecar without workloadSelector
 * binds every workload of its namespace, so none goes where the user's workloads may run: not the user's
 * services' namespaces, nor the trace pipeline's (the user's search engine and Secrets live there).
 */
function sidecarsOf(config: MeshobsConfig, e: Endpoints): EgressModel['sidecars'] {
  const ns = config.demo.namespace;
  if (!config.demo.enabled || !namespacesOf(config).owned.some((n) => n.name === ns)) return [];
  const hosts = [
    { host: './*', why: 'the namespace’s own Services' },
    // The app's OTLP exporter and Envoy's tracer (the meshConfig provider's outbound cluster) both need it.
    { host: sidecarHost(e.collector.host), why: 'spans from the demo and from its sidecars go to the collector' },
  ];
  // `./*` already covers the namespace's own Services: istiod refuses a host listed twice (IST0133).
  return [{ namespace: ns, hosts: hosts.filter((h, i) => i === 0 || !h.host.startsWith(`${ns}/`)) }];
}

export function egressOf(config: MeshobsConfig): EgressModel {
  const e = endpointsOf(config);
  const gw = gatewayInstalls(config).find((g) => g.kind === 'egress')!;
  const ns = config.namespaces.istio;
  return {
    namespace: config.namespaces.observability,
    hosts: config.egress.hosts.map((h) => ({ ...h, viaGateway: config.egress.viaGateway && h.protocol !== 'TCP' })),
    gateway: { name: gw.name, namespace: ns, selector: gw.selector, serviceHost: `${gw.name}.${ns}.svc.cluster.local` },
    outboundTrafficPolicy: config.egress.outboundTrafficPolicy,
    sidecars: config.egress.sidecars ? sidecarsOf(config, e) : [],
  };
}
