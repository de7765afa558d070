// HighProxyMemoryUsage and CircuitBreakerTriggered.

import { humanizePercentage } from '@meshobs/model';
import { CADVISOR_METRICS, ENVOY_METRICS, ISTIO_METRICS, KUBE_STATE_METRICS } from '@meshobs/signals';
import { type Ctx, incidentCase, rateIncident, rateTimeline, silentCase, svcLabels } from '../cases.ts';
import { destinationRequest, gatewayTarget, named, podSuffix, sourceRequest } from '../mesh.ts';
import { counter, gauge, minutes, type Sample, type Series, type TestCase } from '../notation.ts';
import { rateAt } from '../simulator.ts';

export function memory(ctx: Ctx): TestCase[] {
  const { m } = ctx;
  const a = ctx.config.alerts.highProxyMemoryUsage;
  const T0 = 5;
  const L = T0 + minutes(a.for) + 5;
  const limit = 1073741824;
  const pod = `${m.svc.name}-${m.svc.stable}-${podSuffix[0]}`;
  const cad = (container: string, pieces: Array<[Sample, number]>): Series => ({
    labels: named(CADVISOR_METRICS.memoryWorkingSet, {
      job: ctx.m.cadvisorJob,
      metrics_path: '/metrics/cadvisor',
      service: 'kube-prometheus-stack-kubelet',
      endpoint: 'https-metrics',
      instance: '172.18.0.3:10250',
      node: 'worker-1',
      namespace: m.svc.namespace,
      pod,
      container,
      image: container === 'istio-proxy' ? 'docker.io/istio/proxyv2:1.27.1' : 'ghcr.io/stefanprodan/podinfo:6.9.2',
      id: `/kubepods/burstable/pod8f1c/${container}`,
      name: container,
    }),
    values: gauge(pieces),
  });
  // A native sidecar (init container, Kubernetes >= 1.33) has its limit in the init-container family.
  const lim = (container: string, bytes: number, metric: string = KUBE_STATE_METRICS.containerResourceLimits): Series => ({
    labels: named(metric, {
      job: ctx.m.ksmJob,
      service: 'kube-prometheus-stack-kube-state-metrics',
      endpoint: 'http',
      instance: '10.244.0.9:8080',
      node: 'worker-1',
      namespace: m.svc.namespace,
      pod,
      uid: '8f1c2e44-3b1d-4c1e-9a57-0d6f0e7a1b2c',
      container,
      resource: 'memory',
      unit: 'byte',
    }),
    values: gauge([[bytes, L + 1]]),
  });
  const out: TestCase[] = [];
  const healthyBytes = Math.round(limit * a.threshold * 0.5);
  if (a.threshold < 1) {
    const used = Math.round(limit * (a.threshold + (1 - a.threshold) / 2));
    out.push(
      incidentCase(ctx, {
        name: `sidecar working set jumps to ${humanizePercentage(used / limit)} of its limit at minute ${T0}`,
        alert: 'HighProxyMemoryUsage',
        series: [
          cad('istio-proxy', [
            [healthyBytes, T0],
            [used, L + 1 - T0],
          ]),
          lim('istio-proxy', limit),
          cad('podinfo', [[limit, L + 1]]),
          lim('podinfo', limit),
        ],
        length: L,
        labels: { namespace: m.svc.namespace, pod, container: 'istio-proxy' },
        value: (t) => (t >= T0 ? used / limit : undefined),
      }),
      incidentCase(ctx, {
        name: `native sidecar (init container, limit in ${KUBE_STATE_METRICS.initContainerResourceLimits}) jumps to ${humanizePercentage(used / limit)} of its limit at minute ${T0}`,
        alert: 'HighProxyMemoryUsage',
        series: [
          cad('istio-proxy', [
            [healthyBytes, T0],
            [used, L + 1 - T0],
          ]),
          lim('istio-proxy', limit, KUBE_STATE_METRICS.initContainerResourceLimits),
          cad('podinfo', [[limit, L + 1]]),
          lim('podinfo', limit),
        ],
        length: L,
        labels: { namespace: m.svc.namespace, pod, container: 'istio-proxy' },
        value: (t) => (t >= T0 ? used / limit : undefined),
      }),
    );
  }
  out.push(
    silentCase(
      'HighProxyMemoryUsage: silent below the threshold as a native sidecar (init container limit)',
      ['HighProxyMemoryUsage'],
      [
        cad('istio-proxy', [[healthyBytes, L + 1]]),
        lim('istio-proxy', limit, KUBE_STATE_METRICS.initContainerResourceLimits),
        cad('podinfo', [[limit, L + 1]]),
        lim('podinfo', limit),
      ],
      L,
    ),
  );
  out.push(
    silentCase(
      'HighProxyMemoryUsage: silent below the threshold, even with the app container at its limit',
      ['HighProxyMemoryUsage'],
      [cad('istio-proxy', [[healthyBytes, L + 1]]), lim('istio-proxy', limit), cad('podinfo', [[limit, L + 1]]), lim('podinfo', limit)],
      L,
    ),
  );
  out.push(
    silentCase(
      'HighProxyMemoryUsage: silent without a memory limit (nothing to compare)',
      ['HighProxyMemoryUsage'],
      [cad('istio-proxy', [[limit * 4, L + 1]])],
      L,
    ),
  );
  out.push(silentCase('HighProxyMemoryUsage: silent with missing data', ['HighProxyMemoryUsage'], [], L));
  return out;
}

export function circuitBreaker(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const a = ctx.config.alerts.circuitBreakerTriggered;
  const { T0, L } = rateTimeline(W, a.for);
  const R = 600;
  const ok = counter([[R, L]]);
  const healthy = [
    { labels: named(ISTIO_METRICS.requests, sourceRequest(m, '200')), values: ok },
    { labels: named(ISTIO_METRICS.requests, destinationRequest(m, '200')), values: ok },
  ];
  const out: TestCase[] = [];
  const failingFrom = (start: number) =>
    counter([
      [0, start],
      [6, L - start],
    ]);
  const rateFrom = (start: number) => (t: number) => {
    const r = rateAt(failingFrom(start), t, W);
    return r !== undefined && r > 0 ? r : undefined;
  };
  for (const flag of ['UO', 'URX', 'UH'] as const)
    out.push(
      ...rateIncident(ctx, T0, (start) => ({
        name: `the client proxy refuses 6 requests a minute with flag ${flag} from minute ${start}`,
        alert: 'CircuitBreakerTriggered',
        signal: 'response_flags',
        series: [...healthy, { labels: named(ISTIO_METRICS.requests, sourceRequest(m, '503', flag)), values: failingFrom(start) }],
        length: L,
        labels: { ...svcLabels(m), response_flags: flag },
        value: rateFrom(start),
      })),
    );
  const cluster = `outbound|${m.svc.port}||${m.svc.name}.${m.svc.namespace}.svc.cluster.local`;
  const client = gatewayTarget(m, m.gw.client);
  const stat = (name: string, values: Sample[]): Series => ({ labels: named(name, { ...client, cluster_name: cluster }), values });
  const expLabels = { namespace: m.istioNs, cluster_name: cluster, ...svcLabels(m) };
  for (const [signal, metric] of [
    ['upstream_rq_pending_overflow', ENVOY_METRICS.upstreamRqPendingOverflow],
    ['upstream_cx_overflow', ENVOY_METRICS.upstreamCxOverflow],
  ] as const)
    out.push(
      ...rateIncident(ctx, T0, (start) => ({
        name: `${metric} grows by 6 a minute from minute ${start}`,
        alert: 'CircuitBreakerTriggered',
        signal,
        series: [...healthy, stat(metric, failingFrom(start))],
        length: L,
        labels: expLabels,
        value: rateFrom(start),
      })),
    );
  out.push(
    incidentCase(ctx, {
      name: `outlier detection ejects 2 hosts from minute ${T0}`,
      alert: 'CircuitBreakerTriggered',
      signal: 'outlier_detection_ejections_active',
      series: [
        ...healthy,
        stat(
          ENVOY_METRICS.outlierEjectionsActive,
          gauge([
            [0, T0],
            [2, L + 1 - T0],
          ]),
        ),
      ],
      length: L,
      labels: expLabels,
      value: (t) => (t >= T0 ? 2 : undefined),
    }),
  );
  out.push(
    silentCase(
      'CircuitBreakerTriggered: silent with other response flags (DC, UF) and flat circuit-breaker stats',
      ['CircuitBreakerTriggered'],
      [
        ...healthy,
        {
          labels: named(ISTIO_METRICS.requests, sourceRequest(m, '503', 'UF')),
          values: counter([
            [0, T0],
            [6, L - T0],
          ]),
        },
        {
          labels: named(ISTIO_METRICS.requests, destinationRequest(m, '0', m.svc.stable, 'DC')),
          values: counter([
            [0, T0],
            [6, L - T0],
          ]),
        },
        { labels: named(ISTIO_METRICS.requests, sourceRequest(m, '503', 'UO')), values: counter([[0, L]], 4) },
        stat(ENVOY_METRICS.upstreamRqPendingOverflow, counter([[0, L]], 12)),
        stat(ENVOY_METRICS.upstreamCxOverflow, counter([[0, L]])),
        stat(ENVOY_METRICS.outlierEjectionsActive, gauge([[0, L + 1]])),
      ],
      L,
    ),
  );
  out.push(silentCase('CircuitBreakerTriggered: silent without traffic or Envoy stats (missing data)', ['CircuitBreakerTriggered'], [], L));
  return out;
}
