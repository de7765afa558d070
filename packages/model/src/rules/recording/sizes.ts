// Request and response body sizes (server side, reporter="destination") per service, by calling
// workload and by serving workload: the "Incoming Request Size / Response Size By Source" and "... By
// Service Workload" panels of Istio's Service and Workload dashboards. One base per histogram keeps
// the service, caller, serving workload and `le`; the two views are sums of it. The panels take the
// quantiles of the selected service only (histogram_quantile over a few recorded series).
import { ISTIO_METRICS, LEVELS, REPORTER, recordNames, sumRate } from '@meshobs/signals';
import type { RecordingRule } from '../recording-rules.ts';

export function sizeRecordingRules(window: string): RecordingRule[] {
  const n = recordNames(window);
  const L = LEVELS;
  const families = [
    [ISTIO_METRICS.requestBytesBucket, n.baseRequestBytesBucketRate, n.sourceRequestBytesBucketRate, n.workloadRequestBytesBucketRate],
    [ISTIO_METRICS.responseBytesBucket, n.baseResponseBytesBucketRate, n.sourceResponseBytesBucketRate, n.workloadResponseBytesBucketRate],
  ] as const;
  const rollUp = (base: string, labels: readonly string[]) => `sum by (${[...labels, 'le'].join(', ')}) (${base})`;
  return families.flatMap(([metric, base, bySource, byWorkload]) => [
    { record: base, expr: sumRate(metric, window, [...L.service_source_workload, 'le'], REPORTER.destination) },
    { record: bySource, expr: rollUp(base, L.service_source) },
    { record: byWorkload, expr: rollUp(base, L.service_workload) },
  ]);
}
