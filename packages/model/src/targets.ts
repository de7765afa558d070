// The labels a scrape target's series carry once this bundle's monitors (packages/alerts scrape.ts) have scraped and
// relabeled it: job from the config, the Prometheus Operator's namespace/pod/container/endpoint
// target labels, instance on the scraped port, and the pod labels the Envoy PodMonitor copies
// (ENVOY_POD_LABELS). The one model of them: the rendered rule tests and the synthetic mesh both
// build their input series from these functions, so they cannot disagree on a port or a label.
import { gatewayPodLabelValue } from '@meshobs/kube';
import { ENVOY_POD_LABELS, ENVOY_PROM_PORT, ISTIOD_MONITORING_PORT } from './jobs.ts';

export interface TargetPod {
  namespace: string;
  name: string;
  ip: string;
}

type EnvoyPodLabels = Partial<Record<(typeof ENVOY_POD_LABELS)[number], string>>;

/** Target labels the Prometheus Operator sets on every target of a monitor, scraped on `port`. */
const operatorTarget = (job: string, pod: TargetPod, port: { name: string; number: number }, container: string) => ({
  job,
  namespace: pod.namespace,
  pod: pod.name,
  instance: `${pod.ip}:${port.number}`,
  container,
  endpoint: port.name,
});

/** An istio-proxy (sidecar or gateway) target of the Envoy PodMonitor. */
export function envoyTargetLabels(job: string, pod: TargetPod, podLabels: EnvoyPodLabels): Record<string, string> {
  const kept = Object.fromEntries(ENVOY_POD_LABELS.flatMap((l) => (podLabels[l] === undefined ? [] : [[l, podLabels[l]!]])));
  return { ...operatorTarget(job, pod, ENVOY_PROM_PORT, 'istio-proxy'), ...kept };
}

/** A gateway pod's `istio` label as Istio's gateway chart sets it (Deployment name without "istio-"). */
export const gatewayPodLabels = (deployment: string): EnvoyPodLabels => ({ app: deployment, istio: gatewayPodLabelValue(deployment) });

/** An istiod target of the istiod ServiceMonitor (Service `istiod`, container `discovery`). */
export function istiodTargetLabels(job: string, pod: TargetPod): Record<string, string> {
  return { ...operatorTarget(job, pod, ISTIOD_MONITORING_PORT, 'discovery'), service: 'istiod', app: 'istiod', istio: 'pilot' };
}
