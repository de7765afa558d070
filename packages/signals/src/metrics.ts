// Every raw metric name the bundle queries, written once. Everything else (recording-rule names,
// selectors, alerts, panels, benchmarks, rule tests) derives from these constants; the test
// `one-home.test.ts` fails when a name here is typed in a second source file.
//
// Sources:
//   istio_*   Istio standard metrics (istio.io docs/reference/config/metrics; istio/istio
//             manifests/addons/dashboards/lib/queries.libsonnet reads the same names)
//   pilot_*, citadel_*  istiod's monitoring port (istio/istio pilot/pkg/xds/monitoring.go,
//             security/pkg/server/ca/monitoring.go; `citadel_server_root_cert_expiry_seconds` since 1.23)
//   envoy_cluster_*  Envoy cluster stats on /stats/prometheus (enabled by PROXY_STATS_MATCHER)
//   envoy_listener_ssl_*  Envoy listener TLS stats of the ingress gateway (enabled by edge-tls.ts)
//   kube_*    kube-state-metrics v2 (docs/metrics/workload/pod-metrics.md, deployment-metrics.md)
//   container_*  cAdvisor via the kubelet
//   otelcol_*, traces_span_metrics_*  the collector's own names, kept in collector-metrics.ts
//             (verified there against the real binary) and re-exported below.
import { COLLECTOR_METRICS, SPAN_METRICS } from './collector-metrics.ts';

export { COLLECTOR_METRICS, SPAN_METRICS };

/** Istio standard metrics, as the sidecars and gateways expose them. */
export const ISTIO_METRICS = {
  requests: 'istio_requests_total',
  requestDurationBucket: 'istio_request_duration_milliseconds_bucket',
  requestDurationCount: 'istio_request_duration_milliseconds_count',
  tcpOpened: 'istio_tcp_connections_opened_total',
  tcpClosed: 'istio_tcp_connections_closed_total',
  tcpSentBytes: 'istio_tcp_sent_bytes_total',
  tcpReceivedBytes: 'istio_tcp_received_bytes_total',
  /** Request and response body sizes (bytes), the histograms Istio exports by default. */
  requestBytesBucket: 'istio_request_bytes_bucket',
  responseBytesBucket: 'istio_response_bytes_bucket',
} as const;

/**
 * The Telemetry API's metric selectors and the series names the Prometheus provider exports for each
 * (a histogram as its `_bucket`, `_sum` and `_count`). Source: the MetricSelector.IstioMetric enum of
 * istio/api telemetry/v1/telemetry.proto ("The Prometheus provider exports this metric as: ...");
 * the Telemetry API's `ALL_METRICS` is exactly these.
 */
export const ISTIO_METRIC_SELECTORS: Record<string, readonly string[]> = {
  REQUEST_COUNT: ['istio_requests_total'],
  REQUEST_DURATION: ['bucket', 'sum', 'count'].map((s) => `istio_request_duration_milliseconds_${s}`),
  REQUEST_SIZE: ['bucket', 'sum', 'count'].map((s) => `istio_request_bytes_${s}`),
  RESPONSE_SIZE: ['bucket', 'sum', 'count'].map((s) => `istio_response_bytes_${s}`),
  TCP_OPENED_CONNECTIONS: ['istio_tcp_connections_opened_total'],
  TCP_CLOSED_CONNECTIONS: ['istio_tcp_connections_closed_total'],
  TCP_SENT_BYTES: ['istio_tcp_sent_bytes_total'],
  TCP_RECEIVED_BYTES: ['istio_tcp_received_bytes_total'],
  GRPC_REQUEST_MESSAGES: ['istio_request_messages_total'],
  GRPC_RESPONSE_MESSAGES: ['istio_response_messages_total'],
};

/** Every Istio standard metric, whether the bundle reads it or not: the candidates of the drop rules. */
export const ISTIO_STANDARD_METRICS: readonly string[] = Object.values(ISTIO_METRIC_SELECTORS).flat();

/** The TCP counters the recording rules keep per service, in rule order. */
export const ISTIO_TCP_COUNTERS = [
  ISTIO_METRICS.tcpOpened,
  ISTIO_METRICS.tcpClosed,
  ISTIO_METRICS.tcpSentBytes,
  ISTIO_METRICS.tcpReceivedBytes,
] as const;

/** istiod (job prometheus.jobs.istiod). `pilot_xds_push_errors` no longer exists: see the push signals. */
export const ISTIOD_METRICS = {
  /** Connected xDS streams (proxies) per istiod. */
  connectedProxies: 'pilot_xds',
  /** Pushes by `type`; failed sends are the `*_senderr` types. */
  pushes: 'pilot_xds_pushes',
  rejects: 'pilot_total_xds_rejects',
  internalErrors: 'pilot_total_xds_internal_errors',
  pushTimeBucket: 'pilot_xds_push_time_bucket',
  convergenceBucket: 'pilot_proxy_convergence_time_bucket',
  /** Time left on the root CA (Istio >= 1.23) and the older absolute expiry timestamp. */
  rootCertExpirySeconds: 'citadel_server_root_cert_expiry_seconds',
  rootCertExpiryTimestamp: 'citadel_server_root_cert_expiry_timestamp',
  residentMemory: 'process_resident_memory_bytes',
  cpuSeconds: 'process_cpu_seconds_total',
  goroutines: 'go_goroutines',
  // istiod internals of Istio's Control Plane dashboard (istio/istio
  // manifests/addons/dashboards/pilot.libsonnet reads the same names):
  /** client_golang's Go collector (prometheus/client_golang prometheus/go_collector.go). */
  allocBytes: 'go_memstats_alloc_bytes_total',
  mallocs: 'go_memstats_mallocs_total',
  /** Size of each xDS push, by `type` (istio/istio pilot/pkg/xds/monitoring.go `configSizeBytes`). */
  configSizeBucket: 'pilot_xds_config_size_bytes_bucket',
  /** Validation webhook (istio/istio pkg/webhooks/validation/server/monitoring.go). */
  validationPassed: 'galley_validation_passed',
  validationFailed: 'galley_validation_failed',
  /** Injection webhook (istio/istio pkg/kube/inject/monitoring.go). */
  injectionSuccess: 'sidecar_injection_success_total',
  injectionFailure: 'sidecar_injection_failure_total',
  /** Build info of every Istio component, labels `component` and `tag` (istio/istio pkg/version, RecordComponentBuildTag). */
  build: 'istio_build',
} as const;

/** Envoy cluster stats (names on /stats/prometheus; Envoy exports counters without `_total`). */
export const ENVOY_METRICS = {
  upstreamRqPendingOverflow: 'envoy_cluster_upstream_rq_pending_overflow',
  upstreamCxOverflow: 'envoy_cluster_upstream_cx_overflow',
  upstreamRqRetryOverflow: 'envoy_cluster_upstream_rq_retry_overflow',
  outlierEjectionsActive: 'envoy_cluster_outlier_detection_ejections_active',
} as const;

/**
 * Envoy listener TLS stats (`listener.<address>.ssl.<stat>`, envoyproxy/envoy source/common/tls/stats.h
 * ALL_SSL_STATS), as an Istio proxy names them on /stats/prometheus: Istio's bootstrap turns the address into
 * the label `listener_address` (edge-tls.ts). Exported only where edge-tls.ts's stats matcher includes them.
 */
export const ENVOY_LISTENER_METRICS = {
  /** Downstream TLS handshakes completed. */
  sslHandshake: 'envoy_listener_ssl_handshake',
  /** Downstream TLS connections that failed, mostly in the handshake (no shared protocol version or cipher, bad certificate). */
  sslConnectionError: 'envoy_listener_ssl_connection_error',
} as const;

/** kube-state-metrics. */
export const KUBE_STATE_METRICS = {
  containerResourceLimits: 'kube_pod_container_resource_limits',
  /** Native sidecars (init containers with restartPolicy Always) report their limits here. */
  initContainerResourceLimits: 'kube_pod_init_container_resource_limits',
  deploymentReplicasAvailable: 'kube_deployment_status_replicas_available',
  deploymentReplicasDesired: 'kube_deployment_spec_replicas',
} as const;

/** cAdvisor (kubelet /metrics/cadvisor). */
export const CADVISOR_METRICS = {
  memoryWorkingSet: 'container_memory_working_set_bytes',
  cpuUsage: 'container_cpu_usage_seconds_total',
} as const;

/** Every raw metric name above, for checks over the whole tree. */
export const RAW_METRICS: readonly string[] = [
  ...Object.values(ISTIO_METRICS),
  ...Object.values(ISTIOD_METRICS),
  ...Object.values(ENVOY_METRICS),
  ...Object.values(ENVOY_LISTENER_METRICS),
  ...Object.values(KUBE_STATE_METRICS),
  ...Object.values(CADVISOR_METRICS),
  ...Object.values(COLLECTOR_METRICS),
  ...Object.values(SPAN_METRICS),
];

/** `istio_requests_total` -> `istio_requests`: the `metric` part of a recording-rule name once a rate is taken. */
export const withoutTotal = (metric: string): string => metric.replace(/_total$/, '');
