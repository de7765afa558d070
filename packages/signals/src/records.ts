// Names of the recording rules, the SLO rules and their windows.
//
// Naming follows the monitoring mixins: `level:metric:operations`.
//   level      the labels the series is aggregated BY (see LEVELS in labels.ts), e.g. `service`
//   metric     the source metric, `_total` dropped once a rate is taken, e.g. `istio_requests`
//   operations what was applied, newest last, e.g. `rate5m`, `ratio_rate5m`, `histogram_quantile_rate5m`
// so `service:istio_requests_5xx:ratio_rate5m` is "5xx share of requests over 5m, per service".
import type { MeshobsConfig } from '@meshobs/config';
import { ISTIO_METRICS, ISTIOD_METRICS, withoutTotal } from './metrics.ts';

const REQ = withoutTotal(ISTIO_METRICS.requests);
const BUCKET = ISTIO_METRICS.requestDurationBucket;
/** Quantiles are recorded in seconds (Istio reports milliseconds). */
const SECONDS = BUCKET.replace(/_milliseconds_bucket$/, '_seconds');

/** `5m` -> `rate5m`, the operations suffix of a windowed rule. */
export const rateOp = (window: string) => `rate${window}`;

/** Names of every recording rule for a given window (default window: config.alerts.window). */
export function recordNames(window = '5m') {
  const r = rateOp(window);
  return {
    // bases: the only server-side rules that read the raw series; every level below sums them
    /** The one read of the raw server-side requests; keeps the caller for the by-source level. */
    rawRequestRate: `service_version_workload_source_code_security:${REQ}:${r}`,
    /** The raw base without the caller: what every other request level is summed from. */
    baseRequestRate: `service_version_workload_code_security:${REQ}:${r}`,
    baseDurationBucketRate: `service_version_workload:${BUCKET}:${r}`,
    // per service (server side, reporter="destination")
    serviceRequestRate: `service:${REQ}:${r}`,
    service5xxRate: `service:${REQ}_5xx:${r}`,
    /** 5xx / all, 0 when a service has traffic but no 5xx. */
    serviceErrorRatio: `service:${REQ}_5xx:ratio_${r}`,
    /** non-5xx / all (Istio's success rate). */
    serviceSuccessRatio: `service:${REQ}_success:ratio_${r}`,
    /** Share of requests received over mutual TLS. */
    serviceMtlsRatio: `service:${REQ}_mtls:ratio_${r}`,
    serviceDurationBucketRate: `service:${BUCKET}:${r}`,
    /** Latency quantiles in SECONDS, one series per `quantile` label ("0.5", "0.9", "0.99"). */
    serviceLatency: `service_quantile:${SECONDS}:histogram_quantile_${r}`,
    serviceCodeRequestRate: `service_code:${REQ}:${r}`,
    serviceSourceCodeRequestRate: `service_source_code:${REQ}:${r}`,
    serviceTcpOpenedRate: `service:${withoutTotal(ISTIO_METRICS.tcpOpened)}:${r}`,
    serviceTcpClosedRate: `service:${withoutTotal(ISTIO_METRICS.tcpClosed)}:${r}`,
    serviceTcpSentBytesRate: `service:${withoutTotal(ISTIO_METRICS.tcpSentBytes)}:${r}`,
    serviceTcpReceivedBytesRate: `service:${withoutTotal(ISTIO_METRICS.tcpReceivedBytes)}:${r}`,
    // per service and version (canary split)
    versionRequestRate: `service_version:${REQ}:${r}`,
    version5xxRate: `service_version:${REQ}_5xx:${r}`,
    versionErrorRatio: `service_version:${REQ}_5xx:ratio_${r}`,
    versionSuccessRatio: `service_version:${REQ}_success:ratio_${r}`,
    versionDurationBucketRate: `service_version:${BUCKET}:${r}`,
    versionLatency: `service_version_quantile:${SECONDS}:histogram_quantile_${r}`,
    // per destination workload
    workloadRequestRate: `workload:${REQ}:${r}`,
    workloadSuccessRatio: `workload:${REQ}_success:ratio_${r}`,
    workloadDurationBucketRate: `workload:${BUCKET}:${r}`,
    workloadLatency: `workload_quantile:${SECONDS}:histogram_quantile_${r}`,
    // whole mesh
    meshRequestRate: `mesh:${REQ}:${r}`,
    mesh5xxRate: `mesh:${REQ}_5xx:${r}`,
    mesh4xxRate: `mesh:${REQ}_4xx:${r}`,
    meshSuccessRatio: `mesh:${REQ}_success:ratio_${r}`,
    meshDurationBucketRate: `mesh:${BUCKET}:${r}`,
    meshLatency: `mesh_quantile:${SECONDS}:histogram_quantile_${r}`,
    // between clusters (source_cluster -> destination_cluster, server side)
    clusterPairRequestRate: `cluster_pair:${REQ}:${r}`,
    clusterPairErrorRatio: `cluster_pair:${REQ}_5xx:ratio_${r}`,
    // gateways (reporter="source", see header)
    /** The one read of the gateways' raw series, by response code. */
    gatewayCodeRequestRate: `gateway_code:${REQ}:${r}`,
    gatewayRequestRate: `gateway:${REQ}:${r}`,
    gateway5xxRate: `gateway:${REQ}_5xx:${r}`,
    gatewayErrorRatio: `gateway:${REQ}_5xx:ratio_${r}`,

    // --- The views of Istio's dashboards that had no rule (issue #17 §3), packages/alerts/src/recording/.
    // client side (reporter="source"), per destination service: one base per raw family, then roll-ups
    clientBaseRequestRate: `client_service_code:${REQ}:${r}`,
    clientRequestRate: `client_service:${REQ}:${r}`,
    clientSuccessRatio: `client_service:${REQ}_success:ratio_${r}`,
    clientDurationBucketRate: `client_service:${BUCKET}:${r}`,
    clientLatency: `client_service_quantile:${SECONDS}:histogram_quantile_${r}`,
    // request / response sizes (server side): base per service, caller and serving workload
    baseRequestBytesBucketRate: `service_source_workload:${ISTIO_METRICS.requestBytesBucket}:${r}`,
    baseResponseBytesBucketRate: `service_source_workload:${ISTIO_METRICS.responseBytesBucket}:${r}`,
    sourceRequestBytesBucketRate: `service_source:${ISTIO_METRICS.requestBytesBucket}:${r}`,
    sourceResponseBytesBucketRate: `service_source:${ISTIO_METRICS.responseBytesBucket}:${r}`,
    workloadRequestBytesBucketRate: `service_workload:${ISTIO_METRICS.requestBytesBucket}:${r}`,
    workloadResponseBytesBucketRate: `service_workload:${ISTIO_METRICS.responseBytesBucket}:${r}`,
    // TCP bytes per serving workload (and service), Istio's "TCP Workloads" table
    workloadTcpSentBytesRate: `service_workload:${withoutTotal(ISTIO_METRICS.tcpSentBytes)}:${r}`,
    workloadTcpReceivedBytesRate: `service_workload:${withoutTotal(ISTIO_METRICS.tcpReceivedBytes)}:${r}`,
    // istiod internals and component versions
    istiodAllocBytesRate: `istiod_pod:${withoutTotal(ISTIOD_METRICS.allocBytes)}:${r}`,
    istiodMallocsRate: `istiod_pod:${withoutTotal(ISTIOD_METRICS.mallocs)}:${r}`,
    configSizeBucketRate: `control_plane:${ISTIOD_METRICS.configSizeBucket}:${r}`,
    configSizeQuantile: `control_plane_quantile:${ISTIOD_METRICS.configSizeBucket.replace(/_bucket$/, '')}:histogram_quantile_${r}`,
    validationPassedRate: `control_plane:${ISTIOD_METRICS.validationPassed}:${r}`,
    validationFailedRate: `control_plane:${ISTIOD_METRICS.validationFailed}:${r}`,
    injectionSuccessRate: `control_plane:${withoutTotal(ISTIOD_METRICS.injectionSuccess)}:${r}`,
    injectionFailureRate: `control_plane:${withoutTotal(ISTIOD_METRICS.injectionFailure)}:${r}`,
    componentVersions: `component_tag:${ISTIOD_METRICS.build}:sum`,
  } as const;
}

export type RecordNames = ReturnType<typeof recordNames>;

/** Recording-rule names for a config (its `alerts.window`). */
export const recordNamesFor = (config: Pick<MeshobsConfig, 'alerts'>): RecordNames => recordNames(config.alerts.window);

/**
 * Per-service data the per-service alerts join on (group meshobs.services): a threshold a service sets
 * itself (services[].alerts) as a series valued at it, and the owning team as an info series with a `team`
 * label (services[].owner). Services without a series of a kind take the mesh-wide value in the alert.
 */
export const SERVICE_DATA = {
  high5xxThreshold: 'service:meshobs_high5xx_error_ratio:threshold',
  high5xxMinRequestRate: 'service:meshobs_high5xx_min_request_rate:threshold',
  latencyThreshold: 'service:meshobs_p99_latency_seconds:threshold',
  latencyMinRequestRate: 'service:meshobs_latency_min_request_rate:threshold',
  owner: 'service:meshobs_owner:info',
} as const;

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
