// IstioGatewayUnhealthy.

import { humanizePercentage } from '@meshobs/model';
import { type Gateway, ISTIO_METRICS, KUBE_STATE_METRICS } from '@meshobs/signals';
import { busyRate, type Ctx, incidentCase, incidentShare, rateIncident, rateTimeline, silentCase } from '../cases.ts';
import { gatewayTarget, named, sidecarTarget, sourceRequest } from '../mesh.ts';
import { failingFrom, fmt, gauge, type Sample, type Series, type TestCase } from '../notation.ts';
import { rateAt, sumDefined } from '../simulator.ts';

export function gateway(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const a = ctx.config.alerts.istioGatewayUnhealthy;
  const h5 = ctx.config.alerts.high5xxErrorRate;
  const { T0, L } = rateTimeline(W, a.for);
  const ksm = (deployment: string, ns: string, pieces: Array<[Sample, number]>): Series => ({
    labels: named(KUBE_STATE_METRICS.deploymentReplicasAvailable, {
      job: m.ksmJob,
      service: 'kube-prometheus-stack-kube-state-metrics',
      endpoint: 'http',
      instance: '10.244.0.9:8080',
      container: 'kube-state-metrics',
      pod: 'kube-prometheus-stack-kube-state-metrics-6d5b9c7f4-zq2lx',
      namespace: ns,
      deployment,
    }),
    values: gauge(pieces),
  });
  const up = (gw: Gateway, i: number, pieces: Array<[Sample, number]>): Series => ({
    labels: named('up', gatewayTarget(m, gw, i)),
    values: gauge(pieces),
  });
  const out: TestCase[] = [];
  // The gateways of the config (istio.gateways.*), by their configured names.
  const [first, second] = m.gw.enabled;
  if (!first) return out;
  for (const gw of m.gw.enabled) {
    out.push(
      incidentCase(ctx, {
        name: `${gw.deployment} has 0 available replicas from minute ${T0}`,
        alert: 'IstioGatewayUnhealthy',
        signal: 'no_available_replicas',
        series: [
          ksm(gw.deployment, m.istioNs, [
            [2, T0],
            [0, L + 1 - T0],
          ]),
          ksm(m.svc.name, m.svc.namespace, [[2, L + 1]]),
        ],
        length: L,
        labels: { namespace: m.istioNs, deployment: gw.deployment, istio: gw.istioLabel },
        value: (t) => (t >= T0 ? 0 : undefined),
      }),
    );
  }
  out.push(
    incidentCase(ctx, {
      name: `both ${first.deployment} pods fail their scrape from minute ${T0}`,
      alert: 'IstioGatewayUnhealthy',
      signal: 'scrape_targets_down',
      series: [
        up(first, 0, [
          [1, T0],
          [0, L + 1 - T0],
        ]),
        up(first, 1, [
          [1, T0],
          [0, L + 1 - T0],
        ]),
        ...(second ? [up(second, 0, [[1, L + 1]])] : []),
      ],
      length: L,
      labels: { namespace: m.istioNs, istio: first.istioLabel },
      value: (t) => (t >= T0 ? 0 : undefined),
    }),
  );
  const s = incidentShare(h5.threshold, W);
  const R = busyRate(h5.minRequestRate * W);
  const gwTraffic = (share: number, perMin: number, start = T0) => {
    const { ok, err } = failingFrom(perMin, share, start, L);
    return {
      ok,
      err,
      series: [
        { labels: named(ISTIO_METRICS.requests, sourceRequest(m, '200')), values: ok },
        { labels: named(ISTIO_METRICS.requests, sourceRequest(m, '503', 'UH')), values: err },
      ] as Series[],
    };
  };
  if (s !== undefined)
    out.push(
      ...rateIncident(ctx, T0, (start) => {
        const g = gwTraffic(s, R * 60, start);
        return {
          name: `${first.deployment} answers ${humanizePercentage(s)} of ${R} req/s with 503 from minute ${start}`,
          alert: 'IstioGatewayUnhealthy',
          signal: '5xx_error_rate',
          series: g.series,
          length: L,
          labels: { namespace: m.istioNs, istio: first.istioLabel },
          value: (t) => {
            const e = rateAt(g.err, t, W);
            const tot = sumDefined([rateAt(g.ok, t, W), e]);
            if (e === undefined || !tot) return undefined;
            return e / tot > h5.threshold && tot >= h5.minRequestRate ? e / tot : undefined;
          },
        };
      }),
    );
  out.push(
    silentCase(
      'IstioGatewayUnhealthy: silent with replicas available, one of two pods down, sidecars down and few 5xx',
      ['IstioGatewayUnhealthy'],
      [
        ksm(first.deployment, m.istioNs, [
          [2, T0],
          [1, L + 1 - T0],
        ]),
        ...(second ? [ksm(second.deployment, m.istioNs, [[1, L + 1]])] : []),
        ksm(m.svc.name, m.svc.namespace, [
          [2, T0],
          [0, L + 1 - T0],
        ]),
        up(first, 0, [
          [1, T0],
          [0, L + 1 - T0],
        ]),
        up(first, 1, [[1, L + 1]]),
        { labels: named('up', sidecarTarget(m, m.svc.namespace, m.svc.name, m.svc.stable)), values: gauge([[0, L + 1]]) },
        ...gwTraffic(h5.threshold / 2, R * 60).series,
      ],
      L,
    ),
  );
  out.push(
    silentCase('IstioGatewayUnhealthy: silent when the gateway gets no traffic', ['IstioGatewayUnhealthy'], gwTraffic(0, 0).series, L),
  );
  out.push(silentCase('IstioGatewayUnhealthy: silent with missing data', ['IstioGatewayUnhealthy'], [], L));
  if (h5.minRequestRate > 0)
    out.push(
      silentCase(
        `IstioGatewayUnhealthy: low-traffic guard, 100% 5xx at ${fmt(h5.minRequestRate / 2)} req/s`,
        ['IstioGatewayUnhealthy'],
        gwTraffic(1, (h5.minRequestRate / 2) * 60).series,
        L,
      ),
    );
  return out;
}
