// Recording rules, and the healthy mesh on which no alert fires.

import { ISTIO_METRICS, ISTIOD_METRICS, KUBE_STATE_METRICS, recordNames } from '@meshobs/signals';
import { type Ctx, silentCase } from '../cases.ts';
import { destinationRequest, gatewayTarget, istiodTarget, named, sourceRequest } from '../mesh.ts';
import { at, counter, gauge, input, type Series, type TestCase } from '../notation.ts';
import { histogramSeries } from './requests.ts';

/** Recording rules: one count per request, zeros instead of gaps, canary split, mTLS share. */
export function recording(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const n = recordNames(ctx.config.alerts.window);
  const L = W + 5;
  const R = 10;
  const stableOk = counter([[540, L]]);
  const canaryOk = counter([[60, L]]);
  const sv = `{destination_service_name="${m.svc.name}", destination_service_namespace="${m.svc.namespace}"}`;
  const svV = (v: string) =>
    `{destination_service_name="${m.svc.name}", destination_service_namespace="${m.svc.namespace}", destination_version="${v}"}`;
  const series: Series[] = [
    { labels: named(ISTIO_METRICS.requests, destinationRequest(m, '200', m.svc.stable)), values: stableOk },
    { labels: named(ISTIO_METRICS.requests, destinationRequest(m, '200', m.svc.canary)), values: canaryOk },
    { labels: named(ISTIO_METRICS.requests, sourceRequest(m, '200')), values: counter([[R * 60, L]]) },
  ];
  return [
    {
      name: `recording rules: each request counted once (reporter="destination"), 5xx share 0 without 5xx series, canary split`,
      interval: '1m',
      input_series: input(series),
      promql_expr_test: [
        { expr: n.serviceRequestRate, eval_time: at(L), exp_samples: [{ labels: `${n.serviceRequestRate}${sv}`, value: R }] },
        { expr: n.serviceErrorRatio, eval_time: at(L), exp_samples: [{ labels: `${n.serviceErrorRatio}${sv}`, value: 0 }] },
        { expr: n.serviceSuccessRatio, eval_time: at(L), exp_samples: [{ labels: `${n.serviceSuccessRatio}${sv}`, value: 1 }] },
        { expr: n.serviceMtlsRatio, eval_time: at(L), exp_samples: [{ labels: `${n.serviceMtlsRatio}${sv}`, value: 1 }] },
        {
          expr: `${n.versionRequestRate} / ignoring (destination_version) group_left ${n.serviceRequestRate}`,
          eval_time: at(L),
          exp_samples: [
            { labels: svV(m.svc.canary), value: 0.1 },
            { labels: svV(m.svc.stable), value: 0.9 },
          ],
        },
        { expr: n.meshRequestRate, eval_time: at(L), exp_samples: [{ labels: n.meshRequestRate, value: R }] },
        // The gateway level follows the configured gateway names (none enabled: no gateway rules).
        ...(m.gw.enabled.length
          ? [
              {
                expr: n.gatewayRequestRate,
                eval_time: at(L),
                exp_samples: [{ labels: `${n.gatewayRequestRate}{istio="${m.gw.client.istioLabel}", namespace="${m.istioNs}"}`, value: R }],
              },
            ]
          : []),
      ],
    },
  ];
}

/**
 * Series that do carry the cluster label (a global ruler over several clusters, or a relabeling that
 * adds it) stay apart per cluster at every level, and the cross-cluster level keeps Istio's
 * source_cluster/destination_cluster.
 */
export function recordingPerCluster(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const n = recordNames(ctx.config.alerts.window);
  const label = ctx.config.cluster.label;
  const L = W + 5;
  const inCluster = (cluster: string, from: string, code: string) => ({
    ...destinationRequest(m, code),
    [label]: cluster,
    source_cluster: from,
    destination_cluster: cluster,
  });
  const series: Series[] = [
    { labels: named(ISTIO_METRICS.requests, inCluster('a', 'a', '200')), values: counter([[600, L]]) },
    { labels: named(ISTIO_METRICS.requests, inCluster('b', 'b', '200')), values: counter([[1200, L]]) },
    { labels: named(ISTIO_METRICS.requests, inCluster('b', 'a', '503')), values: counter([[300, L]]) },
  ];
  const sv = (cluster: string) =>
    `{${label}="${cluster}", destination_service_name="${m.svc.name}", destination_service_namespace="${m.svc.namespace}"}`;
  const pair = (name: string, cluster: string, from: string) =>
    `${name}{${label}="${cluster}", destination_cluster="${cluster}", source_cluster="${from}"}`;
  return [
    {
      name: `recording rules: the ${label} label keeps clusters apart; requests between clusters by source_cluster/destination_cluster`,
      interval: '1m',
      input_series: input(series),
      promql_expr_test: [
        {
          expr: n.serviceRequestRate,
          eval_time: at(L),
          exp_samples: [
            { labels: `${n.serviceRequestRate}${sv('a')}`, value: 10 },
            { labels: `${n.serviceRequestRate}${sv('b')}`, value: 25 },
          ],
        },
        {
          expr: n.serviceErrorRatio,
          eval_time: at(L),
          exp_samples: [
            { labels: `${n.serviceErrorRatio}${sv('a')}`, value: 0 },
            { labels: `${n.serviceErrorRatio}${sv('b')}`, value: 0.2 },
          ],
        },
        {
          expr: n.meshRequestRate,
          eval_time: at(L),
          exp_samples: [
            { labels: `${n.meshRequestRate}{${label}="a"}`, value: 10 },
            { labels: `${n.meshRequestRate}{${label}="b"}`, value: 25 },
          ],
        },
        {
          expr: n.clusterPairRequestRate,
          eval_time: at(L),
          exp_samples: [
            { labels: pair(n.clusterPairRequestRate, 'a', 'a'), value: 10 },
            { labels: pair(n.clusterPairRequestRate, 'b', 'a'), value: 5 },
            { labels: pair(n.clusterPairRequestRate, 'b', 'b'), value: 20 },
          ],
        },
        {
          expr: n.clusterPairErrorRatio,
          eval_time: at(L),
          exp_samples: [
            { labels: pair(n.clusterPairErrorRatio, 'a', 'a'), value: 0 },
            { labels: pair(n.clusterPairErrorRatio, 'b', 'a'), value: 1 },
            { labels: pair(n.clusterPairErrorRatio, 'b', 'b'), value: 0 },
          ],
        },
      ],
    },
  ];
}

/** A healthy mesh with every input family present: no alert of the bundle fires. */
export function healthyMesh(ctx: Ctx, alertNames: string[]): TestCase[] {
  const { m, W } = ctx;
  const L = W + 30;
  const ok = counter([[600, L]]);
  const series: Series[] = [
    { labels: named(ISTIO_METRICS.requests, destinationRequest(m, '200')), values: ok },
    { labels: named(ISTIO_METRICS.requests, sourceRequest(m, '200')), values: ok },
    ...histogramSeries(m, () => ({ n: 600, boundMs: 25 }), L).series.filter((s) => s.labels.__name__ !== ISTIO_METRICS.requests),
    { labels: named('up', istiodTarget(m, 0)), values: gauge([[1, L + 1]]) },
    { labels: named('up', istiodTarget(m, 1)), values: gauge([[1, L + 1]]) },
    { labels: named('up', gatewayTarget(m, m.gw.client)), values: gauge([[1, L + 1]]) },
    { labels: named(ISTIOD_METRICS.pushes, { ...istiodTarget(m), type: 'eds' }), values: counter([[30, L]]) },
    { labels: named(ISTIOD_METRICS.rootCertExpirySeconds, istiodTarget(m)), values: counter([[-60, L]], 315360000) },
    {
      labels: named(KUBE_STATE_METRICS.deploymentReplicasAvailable, {
        job: m.ksmJob,
        namespace: m.istioNs,
        deployment: m.gw.client.deployment,
      }),
      values: gauge([[2, L + 1]]),
    },
  ];
  return [silentCase('healthy mesh: no alert fires', alertNames, series, L)];
}
