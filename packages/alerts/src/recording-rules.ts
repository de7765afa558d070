// The hot aggregations as recording rules, composed from the signals of @meshobs/signals.
import {
  by,
  CODE,
  durationBucketRate,
  histogramQuantile,
  ISTIO_TCP_COUNTERS,
  LEVELS,
  orZero,
  QUANTILES,
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
  // Sums of the base rules: linear, so exactly the rate of the raw series at that level.
  const requests = (labels: readonly string[], ...ms: string[]) => `sum${by(labels)} (${selector(n.baseRequestRate, ...ms)})`;
  const buckets = (labels: readonly string[]) => `sum${by([...labels, 'le'])} (${n.baseDurationBucketRate})`;

  // bases (the raw series, read once)
  // The base also keeps Istio's source_cluster/destination_cluster (one value each on a single
  // cluster: the same number of series) so the cross-cluster level needs no second read.
  add(
    n.baseRequestRate,
    requestRate(window, [...L.service_version_workload, 'response_code', 'connection_security_policy', ...L.cluster_pair]),
  );
  add(n.baseDurationBucketRate, durationBucketRate(window, L.service_version_workload));

  // service
  add(n.serviceRequestRate, requests(L.service));
  add(n.service5xxRate, orZero(requests(L.service, CODE.c5xx), n.serviceRequestRate));
  add(n.service4xxRate, orZero(requests(L.service, CODE.c4xx), n.serviceRequestRate));
  add(n.serviceErrorRatio, `${n.service5xxRate} / ${n.serviceRequestRate}`);
  add(n.serviceSuccessRatio, `1 - ${n.serviceErrorRatio}`);
  add(n.serviceMtlsRatio, ratioOrZero(requests(L.service, 'connection_security_policy="mutual_tls"'), n.serviceRequestRate));
  add(n.serviceCodeRequestRate, requests(L.service_code));
  // The caller is not in the base (it would multiply its size); this level reads the raw series.
  add(n.serviceSourceCodeRequestRate, requestRate(window, L.service_source_code));
  add(n.serviceDurationBucketRate, buckets(L.service));
  for (const m of ISTIO_TCP_COUNTERS) add(`service:${withoutTotal(m)}:${rateOp(window)}`, tcpRate(m, window, L.service));

  // version (canary split)
  add(n.versionRequestRate, requests(L.service_version));
  add(n.version5xxRate, orZero(requests(L.service_version, CODE.c5xx), n.versionRequestRate));
  add(n.versionErrorRatio, `${n.version5xxRate} / ${n.versionRequestRate}`);
  add(n.versionSuccessRatio, `1 - ${n.versionErrorRatio}`);
  add(n.versionDurationBucketRate, buckets(L.service_version));

  // workload
  add(n.workloadRequestRate, requests(L.workload));
  add(n.workloadSuccessRatio, ratioOrZero(requests(L.workload, CODE.notc5xx), n.workloadRequestRate));
  add(n.workloadDurationBucketRate, buckets(L.workload));

  // mesh
  add(n.meshRequestRate, requests(L.mesh));
  add(n.mesh5xxRate, orZero(requests(L.mesh, CODE.c5xx), n.meshRequestRate));
  add(n.mesh4xxRate, orZero(requests(L.mesh, CODE.c4xx), n.meshRequestRate));
  add(n.meshSuccessRatio, `1 - ${n.mesh5xxRate} / ${n.meshRequestRate}`);
  add(n.meshDurationBucketRate, buckets(L.mesh));

  // between clusters
  add(n.clusterPairRequestRate, requests(L.cluster_pair));
  add(n.clusterPairErrorRatio, ratioOrZero(requests(L.cluster_pair, CODE.c5xx), n.clusterPairRequestRate));

  // gateways (reporter="source": a gateway never reports as destination)
  if (gatewayPods) {
    add(n.gatewayRequestRate, sourceRequestRate(window, L.gateway, gatewayPods));
    add(n.gateway5xxRate, orZero(sourceRequestRate(window, L.gateway, gatewayPods, CODE.c5xx), n.gatewayRequestRate));
    add(n.gatewayErrorRatio, `${n.gateway5xxRate} / ${n.gatewayRequestRate}`);
  }

  // latency quantiles from the recorded bucket rates, in seconds, one series per quantile label
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
