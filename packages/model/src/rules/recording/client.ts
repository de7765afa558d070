// Client side (reporter="source") request volume, success and duration per destination service: the
// "Client Request Volume / Success Rate / Request Duration" of Istio's Service dashboard
// (istio/istio manifests/addons/dashboards/istio-service-dashboard.json). The server-side rules
// (recording-rules.ts) count each request once at reporter="destination"; these show what the callers
// saw, retries and client-side timeouts included. One base per raw family, roll-ups of it.
import {
  by,
  CODE,
  histogramQuantile,
  ISTIO_METRICS,
  LEVELS,
  QUANTILES,
  REPORTER,
  ratioOrZero,
  recordNames,
  selector,
  sumRate,
} from '@meshobs/signals';
import type { RecordingRule } from '../recording-rules.ts';

export function clientRecordingRules(window: string): RecordingRule[] {
  const n = recordNames(window);
  const L = LEVELS;
  const requests = (...ms: string[]) => `sum${by(L.client_service)} (${selector(n.clientBaseRequestRate, ...ms)})`;
  return [
    // bases: the source-reported raw series, read once
    { record: n.clientBaseRequestRate, expr: sumRate(ISTIO_METRICS.requests, window, L.client_service_code, REPORTER.source) },
    {
      record: n.clientDurationBucketRate,
      expr: sumRate(ISTIO_METRICS.requestDurationBucket, window, [...L.client_service, 'le'], REPORTER.source),
    },
    // roll-ups
    { record: n.clientRequestRate, expr: requests() },
    { record: n.clientSuccessRatio, expr: ratioOrZero(requests(CODE.notc5xx), n.clientRequestRate) },
    ...QUANTILES.map((q) => ({
      record: n.clientLatency,
      expr: `${histogramQuantile(q, n.clientDurationBucketRate)} / 1000`,
      labels: { quantile: q },
    })),
  ];
}
