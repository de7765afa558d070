// What Kiali reads of the raw Istio series: its graph and metrics pages query Prometheus themselves,
// so a label or series the cardinality profile removes can empty a Kiali view the bundle never draws.
// These are Kiali's own queries (kiali/kiali v2.29.0, the version packages/kiali pins), each with the
// widest label set it groups or filters by, written as PromQL so the cardinality plan reads them like
// any rule or panel (derivePlan keeps every label a read needs and every series a read selects).
import { ISTIO_METRIC_SELECTORS } from './metrics.ts';

// Both reporters: Kiali picks reporter="source" or "destination" per rate option
// (graph/telemetry/istio/util/util.go, GetReporter) and reads source telemetry for requests that never
// reach a destination.

/** The graph's grouping of request traffic (graph/telemetry/istio/istio.go, buildNamespaceTrafficMap, HTTP/GRPC requests). */
const GRAPH_REQUESTS =
  'source_cluster,source_workload_namespace,source_workload,source_canonical_service,source_canonical_revision,' +
  'destination_cluster,destination_service_namespace,destination_service,destination_service_name,' +
  'destination_workload_namespace,destination_workload,destination_canonical_service,destination_canonical_revision,' +
  'request_protocol,response_code,grpc_response_status,response_flags';
/** The graph's grouping of TCP bytes (same file, "TCP Byte traffic"; `app` is the scraped pod label). */
const GRAPH_TCP =
  'app,source_cluster,source_workload_namespace,source_workload,source_canonical_service,source_canonical_revision,' +
  'destination_cluster,destination_service_namespace,destination_service,destination_service_name,' +
  'destination_workload_namespace,destination_workload,destination_canonical_service,destination_canonical_revision,response_flags';
/** The security badges (graph/telemetry/istio/appender/security_policy.go). */
const SECURITY =
  'source_cluster,source_workload_namespace,source_workload,source_canonical_service,source_canonical_revision,source_principal,' +
  'destination_cluster,destination_service_namespace,destination_service_name,destination_workload_namespace,destination_workload,' +
  'destination_canonical_service,destination_canonical_revision,destination_principal,connection_security_policy';
/** Response times (appender/response_time.go) and throughput (appender/throughput.go). */
const EDGE =
  'source_cluster,source_workload_namespace,source_workload,source_canonical_service,source_canonical_revision,' +
  'destination_cluster,destination_service_namespace,destination_service,destination_service_name,' +
  'destination_workload_namespace,destination_workload,destination_canonical_service,destination_canonical_revision,request_protocol';

const R = 'reporter=~"source|destination"';
const [requests] = ISTIO_METRIC_SELECTORS.REQUEST_COUNT as [string];
const [durationBucket, durationSum, durationCount] = ISTIO_METRIC_SELECTORS.REQUEST_DURATION as [string, string, string];
const tcp = ['TCP_SENT_BYTES', 'TCP_RECEIVED_BYTES', 'TCP_OPENED_CONNECTIONS', 'TCP_CLOSED_CONNECTIONS'].flatMap(
  (k) => ISTIO_METRIC_SELECTORS[k]!,
);
const grpcMessages = ['GRPC_REQUEST_MESSAGES', 'GRPC_RESPONSE_MESSAGES'].flatMap((k) => ISTIO_METRIC_SELECTORS[k]!);
/** [bucket, sum] of the request and response size histograms. */
const sizes = ['REQUEST_SIZE', 'RESPONSE_SIZE'].map((k) => ISTIO_METRIC_SELECTORS[k]! as readonly [string, string, string]);

/** Kiali's reads of the Istio standard metrics, as PromQL. */
export const KIALI_READS: readonly string[] = [
  // Requests, including those that never reached a workload (destination_workload="unknown").
  `sum(rate(${requests}{${R},destination_workload="unknown",destination_service=~"^.+\\\\.ns\\\\..+$"}[1m])) by (${GRAPH_REQUESTS})`,
  `sum(rate(${requests}{${R}}[1m])) by (${GRAPH_REQUESTS})`,
  `sum(rate(${requests}{${R}}[1m])) by (${SECURITY})`,
  ...grpcMessages.map((m) => `sum(rate(${m}{${R}}[1m])) by (${EDGE})`),
  ...tcp.map((m) => `sum(rate(${m}{${R}}[1m])) by (${GRAPH_TCP})`),
  `histogram_quantile(0.95, sum(rate(${durationBucket}{${R}}[1m])) by (le,${EDGE}))`,
  `sum(rate(${durationSum}{${R}}[1m])) by (${EDGE}) / sum(rate(${durationCount}{${R}}[1m])) by (${EDGE})`,
  // Throughput edges and the metrics pages' size charts.
  ...sizes.flatMap(([bucket, sum]) => [
    `sum(rate(${sum}{${R}}[1m])) by (${EDGE})`,
    `histogram_quantile(0.95, sum(rate(${bucket}{${R}}[1m])) by (le,${EDGE}))`,
  ]),
];
