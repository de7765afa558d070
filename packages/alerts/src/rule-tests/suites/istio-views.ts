// The recording-rule groups of the views of Istio's dashboards (packages/alerts/src/recording/): each
// family is read once and its roll-ups give the numbers the panels show.

import { CONFIG_SIZE_QUANTILES } from '@meshobs/model';
import { ISTIO_METRICS, ISTIOD_METRICS, recordNames } from '@meshobs/signals';
import type { Ctx } from '../cases.ts';
import { destinationRequest, istiodTarget, named, sourceRequest } from '../mesh.ts';
import { at, counter, gauge, input, type Series, type TestCase } from '../notation.ts';
import { histogramSeries } from './requests.ts';

const SIZE_BUCKETS = [1, 10, 100, 1000, 10000, 100000, 1000000];

/** Cumulative per-minute bucket counters of `perMinute` observations that all fall at or below `bound`. */
function bucketSeries(metric: string, labels: Record<string, string>, bounds: number[], bound: number, perMinute: number, L: number) {
  return [...bounds, Infinity].map((le) => ({
    labels: named(metric, { ...labels, le: le === Infinity ? '+Inf' : String(le) }),
    values: counter([[le >= bound ? perMinute : 0, L]]),
  }));
}

export function istioViews(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const n = recordNames(ctx.config.alerts.window);
  const L = W + 5;
  const sv = `destination_service_name="${m.svc.name}", destination_service_namespace="${m.svc.namespace}"`;
  const dst = destinationRequest(m, '200');
  const src = `source_workload="${dst.source_workload}", source_workload_namespace="${dst.source_workload_namespace}"`;
  const wl = `destination_workload="${dst.destination_workload}", destination_workload_namespace="${dst.destination_workload_namespace}"`;
  const istiod = istiodTarget(m);
  const pod = `pod="${istiod.pod}"`;

  // Client side: 540 ok + 60 failed requests a minute as the gateway reports them (all at 25 ms), and
  // 1200 a minute at the server side, which the client rules must not count.
  const client: Series[] = [
    ...histogramSeries(m, () => ({ n: 540, boundMs: 25 }), L, 'source').series,
    { labels: named(ISTIO_METRICS.requests, sourceRequest(m, '503')), values: counter([[60, L]]) },
    { labels: named(ISTIO_METRICS.requests, dst), values: counter([[1200, L]]) },
  ];
  // Body sizes at the server side: 600 requests a minute of at most 1000 bytes.
  const sizes: Series[] = [
    ...bucketSeries(ISTIO_METRICS.requestBytesBucket, dst, SIZE_BUCKETS, 1000, 600, L),
    ...bucketSeries(ISTIO_METRICS.requestBytesBucket, sourceRequest(m, '200'), SIZE_BUCKETS, 10, 600, L),
  ];
  const tcp: Series[] = [
    { labels: named(ISTIO_METRICS.tcpSentBytes, dst), values: counter([[60 * 2048, L]]) },
    { labels: named(ISTIO_METRICS.tcpReceivedBytes, dst), values: counter([[60 * 512, L]]) },
  ];
  // istiod: 6 MB and 3840 objects allocated a minute, 60 pushes of 1e4..1e6 bytes, webhooks, builds.
  const cp: Series[] = [
    { labels: named(ISTIOD_METRICS.allocBytes, istiod), values: counter([[6e6, L]]) },
    { labels: named(ISTIOD_METRICS.mallocs, istiod), values: counter([[60 * 64, L]]) },
    ...bucketSeries(ISTIOD_METRICS.configSizeBucket, { ...istiod, type: 'cds' }, [1, 1e4, 1e6, 4e6], 1e6, 60, L),
    { labels: named(ISTIOD_METRICS.validationPassed, { ...istiod, resource: 'virtualservices' }), values: counter([[120, L]]) },
    { labels: named(ISTIOD_METRICS.validationFailed, { ...istiod, resource: 'virtualservices' }), values: counter([[6, L]]) },
    { labels: named(ISTIOD_METRICS.injectionSuccess, istiod), values: counter([[30, L]]) },
    { labels: named(ISTIOD_METRICS.injectionFailure, istiod), values: counter([[0, L]]) },
    { labels: named(ISTIOD_METRICS.build, { ...istiod, component: 'pilot', tag: '1.24.0' }), values: gauge([[1, L + 1]]) },
    { labels: named(ISTIOD_METRICS.build, { ...istiodTarget(m, 1), component: 'pilot', tag: '1.24.0' }), values: gauge([[1, L + 1]]) },
  ];
  const one = (expr: string, labels: string, value: number) => ({ expr, eval_time: at(L), exp_samples: [{ labels, value }] });
  return [
    {
      name: 'client side (reporter="source"): volume, success and duration per destination service, server-side reports left out',
      interval: '1m',
      input_series: input(client),
      promql_expr_test: [
        one(n.clientRequestRate, `${n.clientRequestRate}{${sv}}`, 10),
        one(n.clientSuccessRatio, `${n.clientSuccessRatio}{${sv}}`, 0.9),
        // every observation in the (10, 25] ms bucket: P50 halfway, in seconds
        one(`${n.clientLatency}{quantile="0.5"}`, `${n.clientLatency}{${sv}, quantile="0.5"}`, 0.0175),
      ],
    },
    {
      name: 'request sizes: server side only, by calling workload and by serving workload',
      interval: '1m',
      input_series: input(sizes),
      promql_expr_test: [
        one(`${n.sourceRequestBytesBucketRate}{le="1000"}`, `${n.sourceRequestBytesBucketRate}{${sv}, ${src}, le="1000"}`, 10),
        one(`${n.sourceRequestBytesBucketRate}{le="100"}`, `${n.sourceRequestBytesBucketRate}{${sv}, ${src}, le="100"}`, 0),
        one(`${n.workloadRequestBytesBucketRate}{le="+Inf"}`, `${n.workloadRequestBytesBucketRate}{${sv}, ${wl}, le="+Inf"}`, 10),
      ],
    },
    {
      name: 'TCP bytes per serving workload and service',
      interval: '1m',
      input_series: input(tcp),
      promql_expr_test: [
        one(n.workloadTcpSentBytesRate, `${n.workloadTcpSentBytesRate}{${sv}, ${wl}}`, 2048),
        one(n.workloadTcpReceivedBytesRate, `${n.workloadTcpReceivedBytesRate}{${sv}, ${wl}}`, 512),
      ],
    },
    {
      name: 'istiod internals and component versions',
      interval: '1m',
      input_series: input(cp),
      promql_expr_test: [
        one(n.istiodAllocBytesRate, `${n.istiodAllocBytesRate}{${pod}}`, 1e5),
        one(n.istiodMallocsRate, `${n.istiodMallocsRate}{${pod}}`, 64),
        // every push in the (1e4, 1e6] bucket: P50 halfway
        one(
          `${n.configSizeQuantile}{quantile="${CONFIG_SIZE_QUANTILES[0]}"}`,
          `${n.configSizeQuantile}{quantile="${CONFIG_SIZE_QUANTILES[0]}"}`,
          505000,
        ),
        one(n.validationPassedRate, n.validationPassedRate, 2),
        one(n.validationFailedRate, n.validationFailedRate, 0.1),
        one(n.injectionSuccessRate, n.injectionSuccessRate, 0.5),
        one(n.injectionFailureRate, n.injectionFailureRate, 0),
        one(n.componentVersions, `${n.componentVersions}{component="pilot", tag="1.24.0"}`, 2),
      ],
    },
  ];
}
