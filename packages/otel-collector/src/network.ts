// The NetworkPolicy of each collector tier, its ports taken from the tier's port list.
import { endpointsOf, type MeshobsConfig } from '@meshobs/config';
import { ISTIO_PORTS, type KubeObject, type NetworkPolicyRule, networkPolicy, policyPorts } from '@meshobs/kube';
import { ownPorts, receiverPorts, type Tier, tierLabels, tierSelector } from '@meshobs/model';

export function tierNetworkPolicy(config: MeshobsConfig, tier: Tier, twoTier: boolean): KubeObject {
  const e = endpointsOf(config);
  const own = ownPorts(config);
  const otlpGrpc = receiverPorts(config).slice(0, 1);
  const ns = config.namespaces.observability;
  const monitoring = config.namespaces.monitoring;
  const named = { name: tier.name, namespace: ns, labels: tierLabels(config, tier), selector: tierSelector(config, tier) };
  const ingress: NetworkPolicyRule[] =
    tier.component === 'collector'
      ? [
          // Applications and Envoy sidecars/gateways in any namespace send spans.
          { ports: policyPorts(receiverPorts(config)) },
          { from: [{ namespace: monitoring }], ports: policyPorts([own.metrics, own.spanMetrics]) },
        ]
      : [
          { from: [{ pods: tierSelector(config, { component: 'collector' }) }], ports: policyPorts(otlpGrpc) },
          { from: [{ namespace: monitoring }], ports: policyPorts([own.metrics]) },
        ];
  // Kubelet probes (Istio rewrites them to the sidecar's 15020) and the sidecar's own ports.
  ingress.push({ ports: [...policyPorts([own.health]), { port: ISTIO_PORTS.mergedMetrics }, { port: ISTIO_PORTS.health }] });
  ingress.push({ from: [{ namespace: monitoring }], ports: [{ port: ISTIO_PORTS.envoyStats }] });
  const egress: NetworkPolicyRule[] = [
    // istiod: xDS and certificates for the sidecar.
    { to: [{ namespace: config.namespaces.istio }], ports: [{ port: ISTIO_PORTS.istiodXds }, { port: ISTIO_PORTS.istiodWebhook }] },
  ];
  if (tier.component === 'sampler' || !twoTier)
    egress.push({ to: [{ namespace: ns }], ports: [{ port: e.jaeger.collector.otlpGrpcPort }] });
  if (tier.component === 'collector') {
    // Kubernetes API (k8s_attributes, k8s resolver): not a pod, so no selector can name it.
    egress.push({ ports: [{ port: 443 }, { port: 6443 }] });
    if (twoTier) egress.push({ to: [{ pods: tierSelector(config, { component: 'sampler' }) }], ports: policyPorts(otlpGrpc) });
  }
  return networkPolicy(named, { ingress, egress });
}
