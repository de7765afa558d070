import type { MeshobsConfig } from '@meshobs/config';
import { ISTIO_PORTS, type KubeObject, networkPolicy, policyPorts, withComment } from '@meshobs/kube';
import type { DemoTier as Tier } from '@meshobs/model';
import { tierLabels, tierPort } from './workload.ts';

/**
 * The ingress gateway's identity: istioctl installs name its service account
 * "<gateway>-service-account", the Helm gateway chart names it after the release. Principals are
 * matched by suffix so the trust domain does not matter.
 */
export function ingressGatewayPrincipals(config: MeshobsConfig): string[] {
  const { name } = config.istio.gateways.ingress;
  const ns = config.namespaces.istio;
  return [`*/ns/${ns}/sa/${name}-service-account`, `*/ns/${ns}/sa/${name}`];
}

export function authorizationPolicy(config: MeshobsConfig, tier: Tier): KubeObject {
  const callers = tier.callers.map((c) => `*/ns/${tier.namespace}/sa/${c}`);
  return withComment(
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: tier.name, namespace: tier.namespace, labels: tierLabels(tier) },
      spec: {
        selector: { matchLabels: { app: tier.name } },
        action: 'ALLOW',
        rules: [
          {
            from: [{ source: { principals: [...ingressGatewayPrincipals(config), ...callers] } }],
            to: [{ operation: { ports: [String(tierPort(tier).port)] } }],
          },
        ],
      },
    },
    `Only the ingress gateway and ${tier.callers.join(', ')} may call ${tier.name}. Probes and metrics go through pilot-agent (15020/15021), outside this policy.`,
  );
}

export function tierNetworkPolicy(config: MeshobsConfig, tier: Tier): KubeObject {
  const labels = tierLabels(tier);
  return withComment(
    networkPolicy(
      { name: tier.name, namespace: tier.namespace, labels, selector: { app: tier.name } },
      {
        ingress: [
          {
            from: [{ namespace: config.namespaces.istio }, ...tier.callers.map((c) => ({ pods: { app: c } }))],
            ports: policyPorts([tierPort(tier)]),
          },
          {
            from: [{ namespace: config.namespaces.monitoring }],
            ports: [{ port: ISTIO_PORTS.mergedMetrics }, { port: ISTIO_PORTS.envoyStats }],
          },
        ],
      },
    ),
    'Layer-4 backstop to the AuthorizationPolicy: the gateway namespace and the other tier on the app port; Prometheus on the sidecar metrics ports.',
  );
}
