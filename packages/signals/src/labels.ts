// Label vocabulary of the Istio series: aggregation levels, response-code classes, reporters.
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
  /**
   * Between clusters: Istio's source_cluster and destination_cluster (the cross-cluster views; the
   * `cluster` label of the reporting Prometheus is added to every level, see cluster.ts).
   */
  cluster_pair: ['source_cluster', 'destination_cluster'],
  /** Per gateway: the pod's namespace and its `istio` label (ingressgateway / egressgateway). */
  gateway: ['namespace', 'istio'],
  // The views of Istio's dashboards (issue #17 §3), see packages/alerts/src/recording/.
  /** Per service and response code as the CLIENT proxies report it (reporter="source"). */
  client_service_code: ['destination_service_namespace', 'destination_service_name', 'response_code'],
  client_service: ['destination_service_namespace', 'destination_service_name'],
  /** The base of the size histograms: per service, calling workload and serving workload. */
  service_source_workload: [
    'destination_service_namespace',
    'destination_service_name',
    'source_workload_namespace',
    'source_workload',
    'destination_workload_namespace',
    'destination_workload',
  ],
  service_source: ['destination_service_namespace', 'destination_service_name', 'source_workload_namespace', 'source_workload'],
  service_workload: ['destination_service_namespace', 'destination_service_name', 'destination_workload_namespace', 'destination_workload'],
  /** One istiod pod (its internals); the control plane as a whole is the empty level. */
  istiod_pod: ['pod'],
  control_plane: [] as string[],
  /** Istio components and their versions (the build-info gauge of every component). */
  component_tag: ['component', 'tag'],
} as const;

export type Level = keyof typeof LEVELS;

/** Labels of the per-service alerts and rules. */
export const SERVICE_LABELS = LEVELS.service;

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

/** Selector matchers of one service (for dashboards' `$namespace`/`$service` variables too). */
export const serviceMatchers = (namespace: string, name: string) =>
  `destination_service_namespace="${namespace}", destination_service_name="${name}"`;
