// The dashboards' named queries: the signals of this package at Grafana's `$__rate_interval`, narrowed to
// the dashboards' template variables ($namespace, $service, $version, spliced in as Grafana substitutes
// them). Everything with a recording rule reads its name (recordNamesFor) instead. A panel is one line
// naming one of these; the cardinality plan reads the raw Istio ones (PANEL_ISTIO_READS) without building a
// dashboard.
import type { MeshobsConfig } from '@meshobs/config';
import { CIRCUIT_BREAKER_ENVOY_STATS, envoyStat, refusedRequestRate } from './circuit-breaker.ts';
import { COLLECTOR_METRICS, SPAN_METRIC_LABELS, SPAN_METRICS } from './collector-metrics.ts';
import { controlPlane } from './control-plane.ts';
import { gatewaySignals } from './gateways.ts';
import { jobMatcher, targetsUp } from './jobs.ts';
import { ENVOY_METRICS } from './metrics.ts';
import { aggregate, call, histogramQuantile, ratioOrZero, selector, sumRate } from './promql.ts';
import { recordNamesFor } from './records.ts';
import { requestRate } from './requests.ts';
import { sidecarResources } from './sidecar.ts';

export const RATE = '$__rate_interval';

/** The selected service, as the server side labels it. */
export const SELECTED_SERVICE = 'destination_service_namespace="$namespace", destination_service_name="$service"';
export const SELECTED_VERSIONS = 'destination_version=~"$version"';

export function controlPlaneQueries(config: MeshobsConfig) {
  const cp = controlPlane(config);
  return {
    ...cp,
    pushSendErrors: (window: string) => cp.pushSendErrors(window),
    xdsRejects: (window: string) => cp.xdsRejects(window),
    internalErrors: (window: string) => cp.internalErrors(window),
    pushesByType: cp.pushes(RATE, ['type']),
    pushTime: (q: number) => cp.pushTime(q, RATE),
    convergence: (q: number) => cp.convergence(q, RATE),
    memory: cp.memory(['pod']),
    cpu: cp.cpu(RATE, ['pod']),
    goroutines: cp.goroutines(['pod']),
  };
}

export function gatewayQueries(config: MeshobsConfig) {
  // The configured gateways' Deployments (none enabled: deployment="", which matches nothing).
  const gw = gatewaySignals(config);
  const ns = `namespace="${config.namespaces.istio}"`;
  return {
    available: aggregate('sum', ['deployment'], gw.replicasAvailable(ns)),
    desired: aggregate('sum', ['deployment'], gw.replicasDesired(ns)),
  };
}

/**
 * Sidecar CPU and memory of the selected service's pods. cAdvisor and kube-state-metrics know pods,
 * not services: the pods are picked through the Envoy scrape targets, which keep the `app` and
 * `version` pod labels (see the envoy-stats PodMonitor).
 */
export function sidecarQueries(config: MeshobsConfig) {
  const j = config.prometheus.jobs;
  const podsOfService = aggregate(
    'max',
    ['namespace', 'pod'],
    targetsUp(config, 'envoy', 'namespace="$namespace"', 'app="$service"', 'version=~"$version"'),
  );
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
  const counters = CIRCUIT_BREAKER_ENVOY_STATS.filter((s) => s.type === 'counter');
  const ejections = CIRCUIT_BREAKER_ENVOY_STATS.find((s) => s.prometheus === ENVOY_METRICS.outlierEjectionsActive)!;
  return {
    /** Requests the client proxies refused (UO/URX/UH), by flag. */
    refusedByFlag: refusedRequestRate(RATE, ['response_flags'], SELECTED_SERVICE),
    overflows: counters.map((s) => ({ name: s.envoySuffix, expr: envoyStat(s, RATE, [], 'sum', SERVICE_CLUSTER) })),
    ejectionsActive: envoyStat(ejections, RATE, [], 'sum', SERVICE_CLUSTER),
  };
}

/** Requests to the selected service per caller and security policy (no rule keeps both labels). */
export const mtlsBySource = requestRate(
  RATE,
  ['source_workload_namespace', 'source_workload', 'connection_security_policy'],
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
    errorRatio: ratioOrZero(calls(errors), calls()),
    duration: (q: number) => histogramQuantile(q, sumRate(SPAN_METRICS.durationBucket, RATE, [S.service, 'le'], SELECTED_SPAN_SERVICE)),
    serviceRate: sumRate(SPAN_METRICS.calls, RATE, [S.service]),
    serviceErrorRatio: ratioOrZero(sumRate(SPAN_METRICS.calls, RATE, [S.service], errors), sumRate(SPAN_METRICS.calls, RATE, [S.service])),
    serviceP99: histogramQuantile(0.99, sumRate(SPAN_METRICS.durationBucket, RATE, [S.service, 'le'])),
  };
}

export function pipelineQueries(config: MeshobsConfig) {
  const job = jobMatcher(config, 'collector');
  const M = COLLECTOR_METRICS;
  const gauge = (op: string, labels: string[], metric: string) => aggregate(op, labels, selector(metric, job));
  return {
    accepted: sumRate(M.receiverAcceptedSpans, RATE, ['receiver'], job),
    refused: sumRate(M.receiverRefusedSpans, RATE, ['receiver'], job),
    memoryLimiterRefused: sumRate(M.memoryLimiterRefusedSpans, RATE, [], job),
    droppedTooEarly: sumRate(M.tailSamplingDroppedTooEarly, RATE, [], job),
    exportFailed: sumRate(M.exporterSendFailedSpans, RATE, ['exporter'], job),
    sent: sumRate(M.exporterSentSpans, RATE, ['exporter'], job),
    decisionsByPolicy: sumRate(M.tailSamplingTracesSampled, RATE, ['policy', 'sampled'], job),
    sampledShare: `${sumRate(M.tailSamplingGlobalTracesSampled, RATE, [], job, 'sampled="true"')} / ${sumRate(M.tailSamplingGlobalTracesSampled, RATE, [], job)}`,
    tracesOnMemory: gauge('sum', ['pod'], M.tailSamplingTracesOnMemory),
    queueSize: gauge('sum', ['pod', 'exporter'], M.exporterQueueSize),
    queueCapacity: gauge('max', ['exporter'], M.exporterQueueCapacity),
    memory: gauge('sum', ['pod'], M.processMemoryRss),
  };
}

/**
 * The views of Istio's dashboards that read the `meshobs.istio.<family>` recording rules: client-side
 * traffic and body sizes of the selected service, the workload tables, istiod internals and versions.
 */
export function istioViewQueries(config: MeshobsConfig) {
  const n = recordNamesFor(config);
  const sel = (record: string) => selector(record, SELECTED_SERVICE);
  const sizeQuantile = (record: string, labels: readonly string[]) => (q: string) =>
    histogramQuantile(q, aggregate('sum', [...labels, 'le'], sel(record)));
  const SOURCE = ['source_workload_namespace', 'source_workload'];
  const WORKLOAD = ['destination_workload_namespace', 'destination_workload'];
  return {
    clientRequestRate: call('sum', sel(n.clientRequestRate)),
    clientSuccessRatio: sel(n.clientSuccessRatio),
    clientLatency: sel(n.clientLatency),
    requestSizeBySource: sizeQuantile(n.sourceRequestBytesBucketRate, SOURCE),
    responseSizeBySource: sizeQuantile(n.sourceResponseBytesBucketRate, SOURCE),
    requestSizeByWorkload: sizeQuantile(n.workloadRequestBytesBucketRate, WORKLOAD),
    responseSizeByWorkload: sizeQuantile(n.workloadResponseBytesBucketRate, WORKLOAD),
    workloadRequestRate: n.workloadRequestRate,
    workloadSuccessRatio: n.workloadSuccessRatio,
    workloadLatency: (q: string) => selector(n.workloadLatency, `quantile="${q}"`),
    tcpReceivedByWorkload: n.workloadTcpReceivedBytesRate,
    tcpSentByWorkload: n.workloadTcpSentBytesRate,
    componentVersions: n.componentVersions,
    allocBytes: n.istiodAllocBytesRate,
    mallocs: n.istiodMallocsRate,
    configSize: n.configSizeQuantile,
    validationPassed: n.validationPassedRate,
    validationFailed: n.validationFailedRate,
    injectionSuccess: n.injectionSuccessRate,
    injectionFailure: n.injectionFailureRate,
  };
}

/**
 * Every query of the dashboards that reads a raw Istio standard metric (all others read recording rules):
 * what the cardinality plan must keep for the panels. The dashboards' structure test fails when a panel
 * reads a raw Istio series that is not in this list.
 */
export const PANEL_ISTIO_READS: readonly string[] = [mtlsBySource, resilienceQueries().refusedByFlag];
