// What an Istio sidecar needs from the NetworkPolicy of the pod it is injected into.
// Port numbers: Istio's "Ports used by Istio" table
// (istio/istio.io content/en/docs/ops/deployment/application-requirements/index.md):
// 15012 istiod XDS and CA, 15017 istiod webhook, 15020 pilot-agent merged Prometheus telemetry,
// 15021 health checks, 15090 Envoy Prometheus telemetry.
import type { NetworkPolicyRule } from './workload.ts';

export const ISTIO_PORTS = {
  istiodXds: 15012,
  istiodWebhook: 15017,
  mergedMetrics: 15020,
  health: 15021,
  envoyStats: 15090,
} as const;

/** Path pilot-agent serves the merged application + Envoy metrics on (port 15020). */
export const MERGED_METRICS_PATH = '/stats/prometheus';

/**
 * Rules every injected workload's NetworkPolicy carries: the sidecar reaches istiod (without it the
 * pod never becomes Ready), kubelet probes rewritten to pilot-agent come in, and Prometheus in the
 * monitoring namespace scrapes the Envoy stats and merged metrics ports.
 */
export function sidecarRules(ns: { istio: string; monitoring: string }): { ingress: NetworkPolicyRule[]; egress: NetworkPolicyRule[] } {
  return {
    ingress: [
      // Kubelet probes come from the node, which NetworkPolicies do not filter; listed for clarity.
      { ports: [{ port: ISTIO_PORTS.health }] },
      { from: [{ namespace: ns.monitoring }], ports: [{ port: ISTIO_PORTS.mergedMetrics }, { port: ISTIO_PORTS.envoyStats }] },
    ],
    egress: [{ to: [{ namespace: ns.istio }], ports: [{ port: ISTIO_PORTS.istiodXds }] }],
  };
}
