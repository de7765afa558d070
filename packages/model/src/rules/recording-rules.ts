// The hot aggregations as recording rules, composed from the signals of @meshobs/signals, one rule
// group per raw family. Prometheus evaluates groups concurrently and the rules of one group one
// after another (prometheus/prometheus rules/manager.go: one goroutine per group), so independent
// families in separate groups spread over the cores; a rule only reads rules above it in its own
// group, so each group's levels are consistent with one another.
import {
  by,
  CODE,
  durationBucketRate,
  histogramQuantile,
  ISTIO_METRICS,
  ISTIO_TCP_COUNTERS,
  LEVELS,
  orZero,
  QUANTILES,
  type RecordNames,
  rateOp,
  ratioOrZero,
  recordNames,
  requestRate,
  selector,
  sourceRequestRate,
  tcpRate,
  withoutTotal,
} from '@meshobs/signals';

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

/** One raw family's rules: the group's name suffix (`meshobs.istio.<family>`) and its rules in order. */
export interface RecordingFamily {
  family: string;
  rules: RecordingRule[];
}

const L = LEVELS;

/** Sums of a base rule: linear, so exactly the rate of the raw series at that level. */
const sumOf =
  (base: string) =>
  (labels: readonly string[], ...ms: string[]) =>
    `sum${by(labels)} (${selector(base, ...ms)})`;

/**
 * istio_requests_total, server side: the raw series are read once, into a base that keeps the
 * caller (the by-source panels) and Istio's source_cluster/destination_cluster (one value each on a
 * single cluster: no more series; the cross-cluster level needs them). The next base drops the caller
 * and every other level is summed from it, so no level reads more than it needs.
 */
function requestRules(window: string, n: RecordNames): RecordingRule[] {
  const rules: RecordingRule[] = [];
  const add = (record: string, expr: string) => rules.push({ record, expr });
  const requests = sumOf(n.baseRequestRate);
  add(
    n.rawRequestRate,
    requestRate(window, [
      ...L.service_version_workload,
      'source_workload_namespace',
      'source_workload',
      'response_code',
      'connection_security_policy',
      ...L.cluster_pair,
    ]),
  );
  add(
    n.baseRequestRate,
    sumOf(n.rawRequestRate)([...L.service_version_workload, 'response_code', 'connection_security_policy', ...L.cluster_pair]),
  );
  // service
  add(n.serviceRequestRate, requests(L.service));
  add(n.service5xxRate, orZero(requests(L.service, CODE.c5xx), n.serviceRequestRate));
  add(n.serviceErrorRatio, `${n.service5xxRate} / ${n.serviceRequestRate}`);
  add(n.serviceSuccessRatio, `1 - ${n.serviceErrorRatio}`);
  add(n.serviceMtlsRatio, ratioOrZero(requests(L.service, 'connection_security_policy="mutual_tls"'), n.serviceRequestRate));
  add(n.serviceCodeRequestRate, requests(L.service_code));
  add(n.serviceSourceCodeRequestRate, sumOf(n.rawRequestRate)(L.service_source_code));
  // version (canary split)
  add(n.versionRequestRate, requests(L.service_version));
  add(n.version5xxRate, orZero(requests(L.service_version, CODE.c5xx), n.versionRequestRate));
  add(n.versionErrorRatio, `${n.version5xxRate} / ${n.versionRequestRate}`);
  add(n.versionSuccessRatio, `1 - ${n.versionErrorRatio}`);
  // workload
  add(n.workloadRequestRate, requests(L.workload));
  add(n.workloadSuccessRatio, ratioOrZero(requests(L.workload, CODE.notc5xx), n.workloadRequestRate));
  // mesh
  add(n.meshRequestRate, requests(L.mesh));
  add(n.mesh5xxRate, orZero(requests(L.mesh, CODE.c5xx), n.meshRequestRate));
  add(n.mesh4xxRate, orZero(requests(L.mesh, CODE.c4xx), n.meshRequestRate));
  add(n.meshSuccessRatio, `1 - ${n.mesh5xxRate} / ${n.meshRequestRate}`);
  // between clusters
  add(n.clusterPairRequestRate, requests(L.cluster_pair));
  add(n.clusterPairErrorRatio, ratioOrZero(requests(L.cluster_pair, CODE.c5xx), n.clusterPairRequestRate));
  return rules;
}

/**
 * istio_request_duration_milliseconds_bucket, server side: one base read of the raw buckets, the
 * levels summed from it, then the quantiles (seconds, one series per `quantile` label).
 */
function latencyRules(window: string, n: RecordNames): RecordingRule[] {
  const buckets = (labels: readonly string[]) => `sum${by([...labels, 'le'])} (${n.baseDurationBucketRate})`;
  const rules: RecordingRule[] = [
    { record: n.baseDurationBucketRate, expr: durationBucketRate(window, L.service_version_workload) },
    { record: n.serviceDurationBucketRate, expr: buckets(L.service) },
    { record: n.versionDurationBucketRate, expr: buckets(L.service_version) },
    { record: n.workloadDurationBucketRate, expr: buckets(L.workload) },
    { record: n.meshDurationBucketRate, expr: buckets(L.mesh) },
  ];
  const quantiles: Array<[string, string]> = [
    [n.serviceLatency, n.serviceDurationBucketRate],
    [n.versionLatency, n.versionDurationBucketRate],
    [n.workloadLatency, n.workloadDurationBucketRate],
    [n.meshLatency, n.meshDurationBucketRate],
  ];
  for (const [record, source] of quantiles)
    for (const q of QUANTILES) rules.push({ record, expr: `${histogramQuantile(q, source)} / 1000`, labels: { quantile: q } });
  return rules;
}

/**
 * The four TCP counters, server side, each raw family read once: the bytes per serving workload and
 * service first (the TCP workloads table of Istio's Mesh dashboard), the per-service bytes summed from
 * them; the connection counters per service.
 */
function tcpRules(window: string, n: RecordNames): RecordingRule[] {
  const perService = (m: string) => `service:${withoutTotal(m)}:${rateOp(window)}`;
  const byWorkload: Record<string, string> = {
    [ISTIO_METRICS.tcpSentBytes]: n.workloadTcpSentBytesRate,
    [ISTIO_METRICS.tcpReceivedBytes]: n.workloadTcpReceivedBytesRate,
  };
  return ISTIO_TCP_COUNTERS.flatMap((m) => {
    const workload = byWorkload[m];
    if (!workload) return [{ record: perService(m), expr: tcpRate(m, window, L.service) }];
    return [
      { record: workload, expr: tcpRate(m, window, L.service_workload) },
      { record: perService(m), expr: sumOf(workload)(L.service) },
    ];
  });
}

/**
 * Gateways (reporter="source": a gateway never reports as destination), the configured gateway pods:
 * one read of their raw series by response code, the levels summed from it.
 */
function gatewayRules(window: string, n: RecordNames, gatewayPods: string): RecordingRule[] {
  const requests = sumOf(n.gatewayCodeRequestRate);
  return [
    { record: n.gatewayCodeRequestRate, expr: sourceRequestRate(window, [...L.gateway, 'response_code'], gatewayPods) },
    { record: n.gatewayRequestRate, expr: requests(L.gateway) },
    { record: n.gateway5xxRate, expr: orZero(requests(L.gateway, CODE.c5xx), n.gatewayRequestRate) },
    { record: n.gatewayErrorRatio, expr: `${n.gateway5xxRate} / ${n.gatewayRequestRate}` },
  ];
}

/**
 * The recording rules per family, in group order. Window: config.alerts.window. The gateway family
 * selects the pods of `gatewayPods` (gatewayPodMatcher of the config) and is left out without one.
 */
export function recordingFamilies(window: string, gatewayPods: string | undefined): RecordingFamily[] {
  const n = recordNames(window);
  return [
    { family: 'requests', rules: requestRules(window, n) },
    { family: 'latency', rules: latencyRules(window, n) },
    { family: 'tcp', rules: tcpRules(window, n) },
    ...(gatewayPods ? [{ family: 'gateways', rules: gatewayRules(window, n, gatewayPods) }] : []),
  ];
}

/** Every recording rule of the families, in group order. */
export const serviceRecordingRules = (window: string, gatewayPods: string | undefined): RecordingRule[] =>
  recordingFamilies(window, gatewayPods).flatMap((f) => f.rules);
