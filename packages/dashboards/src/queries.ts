// PromQL the dashboards need that has no recording rule in @meshobs/alerts: control plane beyond the
// alert fragments, sidecar resources, Envoy circuit-breaker stats, per-source mTLS, gateway replicas
// and the trace pipeline. Everything with a recording rule is imported from @meshobs/alerts instead.
// Template variables ($namespace, $service, $version) are spliced in as Grafana substitutes them.
import type { MeshobsConfig } from '@meshobs/spec';
import {
  CIRCUIT_BREAKER_ENVOY_STATS,
  CIRCUIT_BREAKER_FLAGS_MATCHER,
  REPORTER,
  controlPlane,
  gatewayDeploymentMatcher,
  matchers,
  sidecarResources,
  sumRate,
} from '@meshobs/alerts';
import { COLLECTOR_METRICS, SPAN_METRICS, SPAN_METRIC_LABELS } from '@meshobs/otel-collector';

export const RATE = '$__rate_interval';

/** The selected service, as the server side labels it. */
export const SELECTED_SERVICE = 'destination_service_namespace="$namespace", destination_service_name="$service"';
export const SELECTED_VERSIONS = 'destination_version=~"$version"';

export function controlPlaneQueries(config: MeshobsConfig) {
  const job = `job="${config.prometheus.jobs.istiod}"`;
  const cp = controlPlane(config);
  const quantile = (q: number, metric: string) => `histogram_quantile(${q}, ${sumRate(metric, RATE, ['le'], job)})`;
  return {
    ...cp,
    pushesByType: sumRate('pilot_xds_pushes', RATE, ['type'], job, 'type!~".*_senderr"'),
    pushTime: (q: number) => quantile(q, 'pilot_xds_push_time_bucket'),
    convergence: (q: number) => quantile(q, 'pilot_proxy_convergence_time_bucket'),
    memory: `sum by (pod) (process_resident_memory_bytes{${job}})`,
    cpu: sumRate('process_cpu_seconds_total', RATE, ['pod'], job),
    goroutines: `sum by (pod) (go_goroutines{${job}})`,
  };
}

export function gatewayQueries(config: MeshobsConfig) {
  // The alerts' matcher of the configured gateways (none enabled: deployment="", which matches nothing).
  const ksm = matchers(`job="${config.prometheus.jobs.kubeStateMetrics}"`, `namespace="${config.namespaces.istio}"`, gatewayDeploymentMatcher(config) ?? 'deployment=""');
  return {
    available: `sum by (deployment) (kube_deployment_status_replicas_available{${ksm}})`,
    desired: `sum by (deployment) (kube_deployment_spec_replicas{${ksm}})`,
  };
}

/**
 * Sidecar CPU and memory of the selected service's pods. cAdvisor and kube-state-metrics know pods,
 * not services: the pods are picked through the Envoy scrape targets, which keep the `app` and
 * `version` pod labels (see the envoy-stats PodMonitor).
 */
export function sidecarQueries(config: MeshobsConfig) {
  const j = config.prometheus.jobs;
  const podsOfService = `max by (namespace, pod) (up{job="${j.envoy}", namespace="$namespace", app="$service", version=~"$version"})`;
  const ofService = (expr: string) => `sum by (pod) (${expr} * on (namespace, pod) group_left () ${podsOfService})`;
  // Regular and native (init container) sidecars alike, from the alerts' fragment.
  const s = sidecarResources(j, 'namespace="$namespace"');
  return {
    memory: ofService(s.workingSet),
    memoryLimit: ofService(s.memoryLimit),
    cpu: ofService(s.cpuUsage(RATE)),
    cpuLimit: ofService(s.cpuLimit),
    /** Highest memory share of its limit among the service's sidecars: HighProxyMemoryUsage's own expression. */
    memoryShareMax: `max(${s.memoryShare} * on (namespace, pod) group_left () ${podsOfService})`,
  };
}

/** Upstream Envoy clusters of the selected service: `outbound|<port>|<subset>|<service>.<namespace>.svc...`. */
const SERVICE_CLUSTER = 'cluster_name=~"outbound[|].*[|]$service[.]$namespace[.]svc.*"';

export function resilienceQueries() {
  const stat = (name: string) => CIRCUIT_BREAKER_ENVOY_STATS.find((s) => s.prometheus === name)!;
  const counters = CIRCUIT_BREAKER_ENVOY_STATS.filter((s) => s.type === 'counter');
  return {
    /** Requests the client proxies refused (UO/URX/UH), by flag. */
    refusedByFlag: sumRate('istio_requests_total', RATE, ['response_flags'], REPORTER.source, SELECTED_SERVICE, CIRCUIT_BREAKER_FLAGS_MATCHER),
    overflows: counters.map((s) => ({ name: s.prometheus, expr: `sum(rate(${s.prometheus}{${SERVICE_CLUSTER}}[${RATE}]))` })),
    ejectionsActive: `sum(${stat('envoy_cluster_outlier_detection_ejections_active').prometheus}{${SERVICE_CLUSTER}})`,
  };
}

/** Requests to the selected service per caller and security policy (no rule keeps both labels). */
export const mtlsBySource = sumRate(
  'istio_requests_total',
  RATE,
  ['source_workload_namespace', 'source_workload', 'connection_security_policy'],
  REPORTER.destination,
  SELECTED_SERVICE,
  SELECTED_VERSIONS,
);

const S = SPAN_METRIC_LABELS;
export const SELECTED_SPAN_SERVICE = `${S.service}=~"$service"`;

export function spanQueries() {
  const calls = (...ms: string[]) => sumRate(SPAN_METRICS.calls, RATE, [S.service, S.spanName], SELECTED_SPAN_SERVICE, ...ms);
  const errors = `${S.statusCode}="STATUS_CODE_ERROR"`;
  return {
    rate: calls(),
    errorRatio: `(${calls(errors)} or ${calls()} * 0) / ${calls()}`,
    duration: (q: number) => `histogram_quantile(${q}, ${sumRate(SPAN_METRICS.durationBucket, RATE, [S.service, 'le'], SELECTED_SPAN_SERVICE)})`,
    serviceRate: sumRate(SPAN_METRICS.calls, RATE, [S.service]),
    serviceErrorRatio: `(${sumRate(SPAN_METRICS.calls, RATE, [S.service], errors)} or ${sumRate(SPAN_METRICS.calls, RATE, [S.service])} * 0) / ${sumRate(SPAN_METRICS.calls, RATE, [S.service])}`,
    serviceP99: `histogram_quantile(0.99, ${sumRate(SPAN_METRICS.durationBucket, RATE, [S.service, 'le'])})`,
  };
}

export function pipelineQueries(config: MeshobsConfig) {
  const job = `job="${config.prometheus.jobs.collector}"`;
  const M = COLLECTOR_METRICS;
  return {
    accepted: sumRate(M.receiverAcceptedSpans, RATE, ['receiver'], job),
    refused: sumRate(M.receiverRefusedSpans, RATE, ['receiver'], job),
    memoryLimiterRefused: sumRate(M.memoryLimiterRefusedSpans, RATE, [], job),
    droppedTooEarly: sumRate(M.tailSamplingDroppedTooEarly, RATE, [], job),
    exportFailed: sumRate(M.exporterSendFailedSpans, RATE, ['exporter'], job),
    sent: sumRate(M.exporterSentSpans, RATE, ['exporter'], job),
    decisionsByPolicy: sumRate(M.tailSamplingTracesSampled, RATE, ['policy', 'sampled'], job),
    sampledShare: `${sumRate(M.tailSamplingGlobalTracesSampled, RATE, [], job, 'sampled="true"')} / ${sumRate(M.tailSamplingGlobalTracesSampled, RATE, [], job)}`,
    tracesOnMemory: `sum by (pod) (${M.tailSamplingTracesOnMemory}{${job}})`,
    queueSize: `sum by (pod, exporter) (${M.exporterQueueSize}{${job}})`,
    queueCapacity: `max by (exporter) (${M.exporterQueueCapacity}{${job}})`,
    memory: `sum by (pod) (${M.processMemoryRss}{${job}})`,
  };
}
