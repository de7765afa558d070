// The one home of the PromQL this bundle runs: recording-rule names and expressions, and the raw
// fragments alerts and dashboards build on. Dashboards import from here instead of retyping PromQL.
//
// Naming follows the monitoring mixins: `level:metric:operations`.
//   level      the labels the series is aggregated BY (see LEVELS below), e.g. `service`
//   metric     the source metric, `_total` dropped once a rate is taken, e.g. `istio_requests`
//   operations what was applied, newest last, e.g. `rate5m`, `ratio_rate5m`, `histogram_quantile_rate5m`
// so `service:istio_requests_5xx:ratio_rate5m` is "5xx share of requests over 5m, per service".
//
// Counting each request once: real Istio reports every in-mesh request twice, once by the client
// proxy (reporter="source") and once by the server proxy (reporter="destination"). Summing both would
// double every rate. Server-side views (per service, per version, per workload, mesh totals, mTLS
// share) use reporter="destination" only:
//   - it is what the service itself answered (retries and timeouts of the client are not mixed in);
//   - only the server side knows the peer's identity, so only it carries a meaningful
//     connection_security_policy (the source reporter says "unknown");
//   - it also counts requests that entered through an ingress gateway, which never reports as
//     destination.
// Two views use reporter="source" on purpose:
//   - gateways: an ingress/egress gateway's Envoy only ever reports as source (it is the client of
//     the upstream it forwards to), so the gateway level selects reporter="source" and the `istio` pod
//     label of the configured gateways (istio="ingressgateway"|"egressgateway" by default) kept by our
//     relabeling;
//   - circuit breaking: UO/URX/UH are set by the CLIENT proxy that refused to send the request, so the
//     destination never sees those requests (no double count is possible there either).
import type { MeshobsConfig } from '@meshobs/spec';
import { gatewayPodLabelValue } from '@meshobs/kube';

/** Aggregation levels: the `level` part of a recording-rule name and the labels it keeps. */
export const LEVELS = {
  /** Whole mesh (server side): no labels. */
  mesh: [] as string[],
  /** One Kubernetes Service: the labels every per-service alert carries. */
  service: ['destination_service_namespace', 'destination_service_name'],
  /** Per service and subset version: stable vs canary split. */
  service_version: ['destination_service_namespace', 'destination_service_name', 'destination_version'],
  /** Per service and HTTP/gRPC response code (requests-by-code panels). */
  service_code: ['destination_service_namespace', 'destination_service_name', 'response_code'],
  /** Per service, calling workload and response code (the "incoming requests by source" panels). */
  service_source_code: [
    'destination_service_namespace',
    'destination_service_name',
    'source_workload_namespace',
    'source_workload',
    'response_code',
  ],
  /** Per destination workload (Deployment), as in Istio's mesh dashboard table. */
  workload: ['destination_workload_namespace', 'destination_workload'],
  /**
   * The base every other server-side level is summed from: the raw series are read once per
   * evaluation instead of once per level (the labels any derived level or filter needs, nothing else).
   */
  service_version_workload: [
    'destination_service_namespace',
    'destination_service_name',
    'destination_version',
    'destination_workload_namespace',
    'destination_workload',
  ],
  /** Per gateway: the pod's namespace and its `istio` label (ingressgateway / egressgateway). */
  gateway: ['namespace', 'istio'],
} as const;

export type Level = keyof typeof LEVELS;

/** Labels of the per-service alerts and rules. */
export const SERVICE_LABELS = LEVELS.service;

/** `by (a, b)` clause (empty for the mesh level). */
export const by = (labels: readonly string[]): string => (labels.length ? ` by (${labels.join(', ')})` : '');

/** Joins label matchers into a selector body; skips empty entries. */
export const matchers = (...ms: Array<string | undefined | false>): string => ms.filter(Boolean).join(', ');

/** The response-code classes Istio's dashboards use. */
export const CODE = {
  c5xx: 'response_code=~"5.."',
  c4xx: 'response_code=~"4.."',
  /** Istio's "success": anything but 5xx (4xx are the client's fault). */
  notc5xx: 'response_code!~"5.."',
} as const;

export const REPORTER = {
  destination: 'reporter="destination"',
  source: 'reporter="source"',
} as const;

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

/** Regex alternation of names (DNS labels: nothing to escape). */
const oneOf = (names: string[]) => names.join('|');

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

/** Response flags Envoy sets when it refuses a request for circuit-breaking reasons. */
export const CIRCUIT_BREAKER_RESPONSE_FLAGS = ['UO', 'URX', 'UH'] as const;
export const CIRCUIT_BREAKER_FLAGS_MATCHER = `response_flags=~".*(${CIRCUIT_BREAKER_RESPONSE_FLAGS.join('|')}).*"`;

/**
 * Envoy cluster stats CircuitBreakerTriggered reads. Envoy exports them only when the mesh's
 * `meshConfig.defaultConfig.proxyStatsMatcher` includes them: packages/istio renders that snippet
 * from `PROXY_STATS_MATCHER` below. `envoySuffix` is the Envoy stat-name suffix
 * (`cluster.<name>.<suffix>`), `prometheus` the name it gets on /stats/prometheus.
 */
export const CIRCUIT_BREAKER_ENVOY_STATS = [
  {
    prometheus: 'envoy_cluster_upstream_rq_pending_overflow',
    envoySuffix: 'upstream_rq_pending_overflow',
    type: 'counter',
    meaning: 'requests refused because the pending-request queue (connectionPool http1MaxPendingRequests) was full',
  },
  {
    prometheus: 'envoy_cluster_upstream_cx_overflow',
    envoySuffix: 'upstream_cx_overflow',
    type: 'counter',
    meaning: 'connections refused because the connection pool (connectionPool maxConnections) was full',
  },
  {
    prometheus: 'envoy_cluster_upstream_rq_retry_overflow',
    envoySuffix: 'upstream_rq_retry_overflow',
    type: 'counter',
    meaning: 'retries not attempted because the retry budget/circuit breaker was exhausted',
  },
  {
    prometheus: 'envoy_cluster_outlier_detection_ejections_active',
    envoySuffix: 'outlier_detection.ejections_active',
    type: 'gauge',
    meaning: 'upstream hosts currently ejected by outlier detection',
  },
] as const;

/** The subset the alert fires on (each is one signal of CircuitBreakerTriggered). */
export const CIRCUIT_BREAKER_ALERT_STATS = [
  'envoy_cluster_upstream_rq_pending_overflow',
  'envoy_cluster_upstream_cx_overflow',
  'envoy_cluster_outlier_detection_ejections_active',
] as const;

/**
 * Value for `meshConfig.defaultConfig.proxyStatsMatcher` (ProxyConfig.ProxyStatsMatcher) that turns on
 * the stats above. Suffix matching is cheap for Envoy and does not catch unrelated stats.
 * Emitted by packages/istio, not here.
 */
export const PROXY_STATS_MATCHER = {
  inclusionSuffixes: [...new Set(CIRCUIT_BREAKER_ENVOY_STATS.map((s) => s.envoySuffix))],
} as const;

/** `5m` -> `rate5m`, the operations suffix of a windowed rule. */
export const rateOp = (window: string) => `rate${window}`;

/** Names of every recording rule for a given window (default window: config.alerts.window). */
export function recordNames(window = '5m') {
  const r = rateOp(window);
  return {
    // bases: the only server-side rules that read the raw series; every level below sums them
    baseRequestRate: `service_version_workload_code_security:istio_requests:${r}`,
    baseDurationBucketRate: `service_version_workload:istio_request_duration_milliseconds_bucket:${r}`,
    // per service (server side, reporter="destination")
    serviceRequestRate: `service:istio_requests:${r}`,
    service5xxRate: `service:istio_requests_5xx:${r}`,
    service4xxRate: `service:istio_requests_4xx:${r}`,
    /** 5xx / all, 0 when a service has traffic but no 5xx. */
    serviceErrorRatio: `service:istio_requests_5xx:ratio_${r}`,
    /** non-5xx / all (Istio's success rate). */
    serviceSuccessRatio: `service:istio_requests_success:ratio_${r}`,
    /** Share of requests received over mutual TLS. */
    serviceMtlsRatio: `service:istio_requests_mtls:ratio_${r}`,
    serviceDurationBucketRate: `service:istio_request_duration_milliseconds_bucket:${r}`,
    /** Latency quantiles in SECONDS, one series per `quantile` label ("0.5", "0.9", "0.99"). */
    serviceLatency: `service_quantile:istio_request_duration_seconds:histogram_quantile_${r}`,
    serviceCodeRequestRate: `service_code:istio_requests:${r}`,
    serviceSourceCodeRequestRate: `service_source_code:istio_requests:${r}`,
    serviceTcpOpenedRate: `service:istio_tcp_connections_opened:${r}`,
    serviceTcpClosedRate: `service:istio_tcp_connections_closed:${r}`,
    serviceTcpSentBytesRate: `service:istio_tcp_sent_bytes:${r}`,
    serviceTcpReceivedBytesRate: `service:istio_tcp_received_bytes:${r}`,
    // per service and version (canary split)
    versionRequestRate: `service_version:istio_requests:${r}`,
    version5xxRate: `service_version:istio_requests_5xx:${r}`,
    versionErrorRatio: `service_version:istio_requests_5xx:ratio_${r}`,
    versionSuccessRatio: `service_version:istio_requests_success:ratio_${r}`,
    versionDurationBucketRate: `service_version:istio_request_duration_milliseconds_bucket:${r}`,
    versionLatency: `service_version_quantile:istio_request_duration_seconds:histogram_quantile_${r}`,
    // per destination workload
    workloadRequestRate: `workload:istio_requests:${r}`,
    workloadSuccessRatio: `workload:istio_requests_success:ratio_${r}`,
    workloadDurationBucketRate: `workload:istio_request_duration_milliseconds_bucket:${r}`,
    workloadLatency: `workload_quantile:istio_request_duration_seconds:histogram_quantile_${r}`,
    // whole mesh
    meshRequestRate: `mesh:istio_requests:${r}`,
    mesh5xxRate: `mesh:istio_requests_5xx:${r}`,
    mesh4xxRate: `mesh:istio_requests_4xx:${r}`,
    meshSuccessRatio: `mesh:istio_requests_success:ratio_${r}`,
    meshDurationBucketRate: `mesh:istio_request_duration_milliseconds_bucket:${r}`,
    meshLatency: `mesh_quantile:istio_request_duration_seconds:histogram_quantile_${r}`,
    // gateways (reporter="source", see header)
    gatewayRequestRate: `gateway:istio_requests:${r}`,
    gateway5xxRate: `gateway:istio_requests_5xx:${r}`,
    gatewayErrorRatio: `gateway:istio_requests_5xx:ratio_${r}`,
  } as const;
}

export type RecordNames = ReturnType<typeof recordNames>;

/** Recording-rule names for a config (its `alerts.window`). */
export const recordNamesFor = (config: Pick<MeshobsConfig, 'alerts'>): RecordNames => recordNames(config.alerts.window);

/** Quantiles recorded by every `*_quantile:...:histogram_quantile_*` rule (label `quantile`). */
export const QUANTILES = ['0.5', '0.9', '0.99'] as const;

/** Windows of the multi-window multi-burn-rate SLO alerts (SRE workbook, Sloth). */
export const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

/**
 * Burn-rate alert pairs (SRE workbook ch. 5, Sloth): a short and a long window, the share of the whole
 * period's error budget that burning at the alert's rate consumes within the long window, and the
 * severity. The burn factor is budgetShare * period / long window: 14.4, 6, 3 and 1 for a 30d period.
 */
export const BURN_RATES = [
  { short: '5m', long: '1h', budgetShare: 0.02, severity: 'critical' },
  { short: '30m', long: '6h', budgetShare: 0.05, severity: 'critical' },
  { short: '2h', long: '1d', budgetShare: 0.1, severity: 'warning' },
  { short: '6h', long: '3d', budgetShare: 0.1, severity: 'warning' },
] as const;

/** SLO recording-rule names (error ratios of each SLI per window; per-service objective). */
export const sloNames = {
  availabilityErrorRatio: (w: string) => `service:slo_availability_error:ratio_rate${w}`,
  latencyErrorRatio: (w: string) => `service:slo_latency_error:ratio_rate${w}`,
  requestRate: (w: string) => `service:slo_requests:rate${w}`,
  availabilityObjective: 'service:slo_availability:objective',
  latencyObjective: 'service:slo_latency:objective',
} as const;

// ---------------------------------------------------------------------------------------------
// Raw fragments (no recording rules involved): what each rule records, usable with any window,
// including Grafana's `$__rate_interval`.

const sel = (metric: string, ...ms: Array<string | undefined | false>) => {
  const body = matchers(...ms);
  return body ? `${metric}{${body}}` : metric;
};

/** `sum by (level) (rate(metric{matchers}[window]))` */
export const sumRate = (metric: string, window: string, labels: readonly string[], ...ms: Array<string | undefined | false>) =>
  `sum${by(labels)} (rate(${sel(metric, ...ms)}[${window}]))`;

/** Request rate at the server side (reporter="destination"), aggregated to `labels`. */
export const requestRate = (window: string, labels: readonly string[] = SERVICE_LABELS, ...ms: string[]) =>
  sumRate('istio_requests_total', window, labels, REPORTER.destination, ...ms);

/**
 * `part / total`, where a level with traffic but no `part` series yields 0 instead of no data (a
 * service that has never returned a 5xx has no 5xx series at all).
 */
export const ratioOrZero = (part: string, total: string) => `(${part} or ${total} * 0) / ${total}`;

/** P-quantile latency in seconds at the server side, from raw buckets. */
export const latencySeconds = (q: string, window: string, labels: readonly string[] = SERVICE_LABELS, ...ms: string[]) =>
  `histogram_quantile(${q}, ${sumRate('istio_request_duration_milliseconds_bucket', window, [...labels, 'le'], REPORTER.destination, ...ms)}) / 1000`;

/** Selector matchers of one service (for dashboards' `$namespace`/`$service` variables too). */
export const serviceMatchers = (namespace: string, name: string) =>
  `destination_service_namespace="${namespace}", destination_service_name="${name}"`;

/** Jobs of a config, with the defaults of packages/spec. */
export const jobsOf = (config: Pick<MeshobsConfig, 'prometheus'>) => config.prometheus.jobs;

/** Control-plane fragments (istiod job from the config). */
export const controlPlane = (config: Pick<MeshobsConfig, 'prometheus'>) => {
  const j = jobsOf(config).istiod;
  return {
    /** 1 per istiod target that is up. */
    up: `up{job="${j}"}`,
    /** Number of istiod instances up. */
    instancesUp: `sum(up{job="${j}"})`,
    /** Connected proxies per istiod. */
    connectedProxies: `sum(pilot_xds{job="${j}"})`,
    /** xDS pushes that failed to send (pilot_xds_push_errors no longer exists). */
    pushSendErrors: (window: string) => `sum by (type) (rate(pilot_xds_pushes{job="${j}", type=~".*_senderr"}[${window}]))`,
    /** Config rejected by proxies (NACKs). */
    xdsRejects: (window: string) => `sum(rate(pilot_total_xds_rejects{job="${j}"}[${window}]))`,
    internalErrors: (window: string) => `sum(rate(pilot_total_xds_internal_errors{job="${j}"}[${window}]))`,
    /** Seconds until the root CA expires; `_seconds` (Istio >= 1.23) or the older timestamp. */
    rootCertSecondsLeft: `min(citadel_server_root_cert_expiry_seconds{job="${j}"}) or min(citadel_server_root_cert_expiry_timestamp{job="${j}"} - time())`,
  };
};

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
export const sidecarResources = (jobs: { cadvisor: string; kubeStateMetrics: string }, ...ms: Array<string | undefined | false>) => {
  const proxy = matchers(...ms, 'container="istio-proxy"');
  const limit = (resource: 'memory' | 'cpu') => {
    const m = matchers(`job="${jobs.kubeStateMetrics}"`, proxy, `resource="${resource}"`);
    return `(kube_pod_container_resource_limits{${m}} or kube_pod_init_container_resource_limits{${m}})`;
  };
  const workingSet = `container_memory_working_set_bytes{${matchers(`job="${jobs.cadvisor}"`, proxy)}}`;
  const perContainer = (expr: string) => `max by (namespace, pod, container) (${expr})`;
  return {
    workingSet,
    memoryLimit: limit('memory'),
    cpuUsage: (window: string) => `rate(container_cpu_usage_seconds_total{${matchers(`job="${jobs.cadvisor}"`, proxy)}}[${window}])`,
    cpuLimit: limit('cpu'),
    /** Working set / memory limit per (namespace, pod, container): HighProxyMemoryUsage's signal. */
    memoryShare: `${perContainer(workingSet)} / ${perContainer(limit('memory'))}`,
  };
};

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

/**
 * The hot aggregations as recording rules, in dependency order (a rule only reads rules above it,
 * so one group evaluates them consistently). Window: config.alerts.window. The gateway level selects
 * the pods of `gatewayPods` (gatewayPodMatcher of the config) and is left out without one.
 */
export function serviceRecordingRules(window: string, gatewayPods: string | undefined): RecordingRule[] {
  const n = recordNames(window);
  const L = LEVELS;
  const rules: RecordingRule[] = [];
  const add = (record: string, expr: string) => rules.push({ record, expr });
  const bucket = 'istio_request_duration_milliseconds_bucket';
  // Sums of the base rules: linear, so exactly the rate of the raw series at that level.
  const requests = (labels: readonly string[], ...ms: string[]) => `sum${by(labels)} (${sel(n.baseRequestRate, ...ms)})`;
  const buckets = (labels: readonly string[]) => `sum${by([...labels, 'le'])} (${n.baseDurationBucketRate})`;

  // bases (the raw series, read once)
  add(n.baseRequestRate, requestRate(window, [...L.service_version_workload, 'response_code', 'connection_security_policy']));
  add(n.baseDurationBucketRate, sumRate(bucket, window, [...L.service_version_workload, 'le'], REPORTER.destination));

  // service
  add(n.serviceRequestRate, requests(L.service));
  add(n.service5xxRate, `${requests(L.service, CODE.c5xx)} or ${n.serviceRequestRate} * 0`);
  add(n.service4xxRate, `${requests(L.service, CODE.c4xx)} or ${n.serviceRequestRate} * 0`);
  add(n.serviceErrorRatio, `${n.service5xxRate} / ${n.serviceRequestRate}`);
  add(n.serviceSuccessRatio, `1 - ${n.serviceErrorRatio}`);
  add(
    n.serviceMtlsRatio,
    `(${requests(L.service, 'connection_security_policy="mutual_tls"')} or ${n.serviceRequestRate} * 0) / ${n.serviceRequestRate}`,
  );
  add(n.serviceCodeRequestRate, requests(L.service_code));
  // The caller is not in the base (it would multiply its size); this level reads the raw series.
  add(n.serviceSourceCodeRequestRate, requestRate(window, L.service_source_code));
  add(n.serviceDurationBucketRate, buckets(L.service));
  for (const m of ['istio_tcp_connections_opened', 'istio_tcp_connections_closed', 'istio_tcp_sent_bytes', 'istio_tcp_received_bytes'])
    add(`service:${m}:${rateOp(window)}`, sumRate(`${m}_total`, window, L.service, REPORTER.destination));

  // version (canary split)
  add(n.versionRequestRate, requests(L.service_version));
  add(n.version5xxRate, `${requests(L.service_version, CODE.c5xx)} or ${n.versionRequestRate} * 0`);
  add(n.versionErrorRatio, `${n.version5xxRate} / ${n.versionRequestRate}`);
  add(n.versionSuccessRatio, `1 - ${n.versionErrorRatio}`);
  add(n.versionDurationBucketRate, buckets(L.service_version));

  // workload
  add(n.workloadRequestRate, requests(L.workload));
  add(n.workloadSuccessRatio, `(${requests(L.workload, CODE.notc5xx)} or ${n.workloadRequestRate} * 0) / ${n.workloadRequestRate}`);
  add(n.workloadDurationBucketRate, buckets(L.workload));

  // mesh
  add(n.meshRequestRate, requests(L.mesh));
  add(n.mesh5xxRate, `${requests(L.mesh, CODE.c5xx)} or ${n.meshRequestRate} * 0`);
  add(n.mesh4xxRate, `${requests(L.mesh, CODE.c4xx)} or ${n.meshRequestRate} * 0`);
  add(n.meshSuccessRatio, `1 - ${n.mesh5xxRate} / ${n.meshRequestRate}`);
  add(n.meshDurationBucketRate, buckets(L.mesh));

  // gateways (reporter="source": a gateway never reports as destination)
  if (gatewayPods) {
    add(n.gatewayRequestRate, sumRate('istio_requests_total', window, L.gateway, REPORTER.source, gatewayPods));
    add(n.gateway5xxRate, `${sumRate('istio_requests_total', window, L.gateway, REPORTER.source, gatewayPods, CODE.c5xx)} or ${n.gatewayRequestRate} * 0`);
    add(n.gatewayErrorRatio, `${n.gateway5xxRate} / ${n.gatewayRequestRate}`);
  }

  // latency quantiles from the recorded bucket rates, in seconds, one series per quantile label
  const quantiles: Array<[string, string, readonly string[]]> = [
    [n.serviceLatency, n.serviceDurationBucketRate, L.service],
    [n.versionLatency, n.versionDurationBucketRate, L.service_version],
    [n.workloadLatency, n.workloadDurationBucketRate, L.workload],
    [n.meshLatency, n.meshDurationBucketRate, L.mesh],
  ];
  for (const [record, source, labels] of quantiles)
    for (const q of QUANTILES)
      rules.push({ record, expr: `histogram_quantile(${q}, ${source}) / 1000`, labels: { quantile: q } });
  return rules;
}
