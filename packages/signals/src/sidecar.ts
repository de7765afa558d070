// The istio-proxy sidecar's resources (cAdvisor usage, kube-state-metrics limits).
import type { MeshobsConfig } from '@meshobs/config';
import { CADVISOR_METRICS, KUBE_STATE_METRICS } from './metrics.ts';
import { type Matcher, matchers } from './promql.ts';

/**
 * The istio-proxy sidecar's resources, whichever way Istio injects it. As a regular container its limit
 * is kube-state-metrics' `kube_pod_container_resource_limits`; as a Kubernetes native sidecar (an init
 * container with restartPolicy Always: Istio's ENABLE_NATIVE_SIDECARS, the default on Kubernetes >= 1.33)
 * it is `kube_pod_init_container_resource_limits`, the family kube-state-metrics builds from
 * `pod.spec.initContainers` only (kube-state-metrics v2.20.0 internal/store/pod.go,
 * createPodInitContainerResourceLimitsFamilyGenerator; docs/metrics/workload/pod-metrics.md), with the
 * same labels. A pod has the container in one of the two lists only, so `or` never doubles it. cAdvisor
 * reports the working set of both forms under the container's name.
 */
export const sidecarResources = (jobs: Pick<MeshobsConfig['prometheus']['jobs'], 'cadvisor' | 'kubeStateMetrics'>, ...ms: Matcher[]) => {
  const proxy = matchers(...ms, 'container="istio-proxy"');
  const limit = (resource: 'memory' | 'cpu') => {
    const m = matchers(`job="${jobs.kubeStateMetrics}"`, proxy, `resource="${resource}"`);
    return `(${KUBE_STATE_METRICS.containerResourceLimits}{${m}} or ${KUBE_STATE_METRICS.initContainerResourceLimits}{${m}})`;
  };
  const cadvisor = matchers(`job="${jobs.cadvisor}"`, proxy);
  const workingSet = `${CADVISOR_METRICS.memoryWorkingSet}{${cadvisor}}`;
  const perContainer = (expr: string) => `max by (namespace, pod, container) (${expr})`;
  return {
    workingSet,
    memoryLimit: limit('memory'),
    cpuUsage: (window: string) => `rate(${CADVISOR_METRICS.cpuUsage}{${cadvisor}}[${window}])`,
    cpuLimit: limit('cpu'),
    /** Working set / memory limit per (namespace, pod, container): HighProxyMemoryUsage's signal. */
    memoryShare: `${perContainer(workingSet)} / ${perContainer(limit('memory'))}`,
  };
};
