// The configured Istio gateways (istio.gateways.*) as selectors: their pods' `istio` label on the
// Envoy series, their Deployments on the kube-state-metrics series. Alerts and panels read the
// gateways through these only, so a custom gateway name reaches both.
import type { MeshobsConfig } from '@meshobs/config';
import { gatewayPodLabelValue } from '@meshobs/kube';
import { jobMatcher, targetsUp } from './jobs.ts';
import { CODE, LEVELS } from './labels.ts';
import { KUBE_STATE_METRICS } from './metrics.ts';
import { type Matcher, oneOf, selector } from './promql.ts';
import { sourceRequestRate } from './requests.ts';

/** One enabled Istio gateway of the config: its Deployment and the value of its pods' `istio` label. */
export interface Gateway {
  kind: 'ingress' | 'egress';
  deployment: string;
  istioLabel: string;
}

/** The enabled gateways (`istio.gateways.*`), with their pods' `istio` label (gatewayPodLabelValue). */
export function gatewaysOf(config: Pick<MeshobsConfig, 'istio'>): Gateway[] {
  const g = config.istio.gateways;
  return (['ingress', 'egress'] as const)
    .filter((kind) => g[kind].enabled)
    .map((kind) => ({ kind, deployment: g[kind].name, istioLabel: gatewayPodLabelValue(g[kind].name) }));
}

/**
 * Matcher for the gateway pods' series (the `istio` label is kept by the envoy-stats PodMonitor
 * relabeling); undefined when no gateway is enabled (an empty alternation would match every sidecar).
 */
export const gatewayPodMatcher = (config: Pick<MeshobsConfig, 'istio'>): string | undefined => {
  const gws = gatewaysOf(config);
  return gws.length ? `istio=~"${oneOf(gws.map((g) => g.istioLabel))}"` : undefined;
};

/** Matcher for the gateway Deployments' kube-state-metrics series; undefined when none is enabled. */
export const gatewayDeploymentMatcher = (config: Pick<MeshobsConfig, 'istio'>): string | undefined => {
  const gws = gatewaysOf(config);
  return gws.length ? `deployment=~"${oneOf(gws.map((g) => g.deployment))}"` : undefined;
};

/** Gateway signals of a config; `pods`/`deployments` are undefined when no gateway is enabled. */
export function gatewaySignals(config: Pick<MeshobsConfig, 'istio' | 'prometheus'>) {
  const pods = gatewayPodMatcher(config);
  const deployments = gatewayDeploymentMatcher(config);
  // None enabled: deployment="" (matches nothing) rather than every Deployment.
  const ksm = (metric: string, ms: Matcher[]) =>
    selector(metric, jobMatcher(config, 'kubeStateMetrics'), ...ms, deployments ?? 'deployment=""');
  return {
    pods,
    deployments,
    replicasAvailable: (...ms: Matcher[]) => ksm(KUBE_STATE_METRICS.deploymentReplicasAvailable, ms),
    replicasDesired: (...ms: Matcher[]) => ksm(KUBE_STATE_METRICS.deploymentReplicasDesired, ms),
    /** Envoy scrape targets of the gateway pods. */
    targetsUp: targetsUp(config, 'envoy', pods),
    /** Requests through the gateways, per gateway (reporter="source": a gateway never reports as destination). */
    requestRate: (window: string, ...ms: Matcher[]) => sourceRequestRate(window, LEVELS.gateway, pods, ...ms),
    errorRequestRate: (window: string) => sourceRequestRate(window, LEVELS.gateway, pods, CODE.c5xx),
  };
}
