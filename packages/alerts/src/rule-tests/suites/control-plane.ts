// CertificateExpiringSoon, PilotPushErrors and IstioControlPlaneUnavailable.

import { humanizeDuration } from '@meshobs/model';
import { ISTIOD_METRICS } from '@meshobs/signals';
import { type Ctx, incidentCase, rateIncident, rateTimeline, silentCase } from '../cases.ts';
import { gatewayTarget, istiodTarget, named } from '../mesh.ts';
import { counter, gauge, minutes, type Sample, type Series, type TestCase } from '../notation.ts';
import { rateAt } from '../simulator.ts';

export function certificate(ctx: Ctx): TestCase[] {
  const { m } = ctx;
  const a = ctx.config.alerts.certificateExpiringSoon;
  const forMin = minutes(a.for);
  const L = forMin + 10;
  const left0 = Math.floor((a.days * 86400) / 2);
  const lbl = istiodTarget(m);
  const ts = (v: number) => ({ labels: named(ISTIOD_METRICS.rootCertExpiryTimestamp, lbl), values: gauge([[v, L + 1]]) });
  const secs = (v: number) => ({ labels: named(ISTIOD_METRICS.rootCertExpirySeconds, lbl), values: counter([[-60, L]], v) });
  const labels = { namespace: m.istioNs };
  const incidents: Array<[string, Series[]]> = [
    [`root cert expiry timestamp ${humanizeDuration(left0)} away`, [ts(left0)]],
    [`${ISTIOD_METRICS.rootCertExpirySeconds} says ${humanizeDuration(left0)} left (Istio >= 1.23)`, [secs(left0)]],
    ['both metrics present: one alert, valued from _seconds', [ts(left0 + 3600), secs(left0)]],
  ];
  const out: TestCase[] = incidents.map(([name, series]) =>
    incidentCase(ctx, { name, alert: 'CertificateExpiringSoon', series, length: L, labels, value: (t) => left0 - t * 60 }),
  );
  const healthy = (a.days + 365) * 86400;
  out.push(
    silentCase(
      `CertificateExpiringSoon: silent with ${a.days + 365} days left`,
      ['CertificateExpiringSoon'],
      [ts(healthy), secs(healthy)],
      L,
    ),
  );
  out.push(silentCase('CertificateExpiringSoon: silent with missing data', ['CertificateExpiringSoon'], [], L));
  return out;
}

export function pilot(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const a = ctx.config.alerts.pilotPushErrors;
  const { T0, L } = rateTimeline(W, a.for);
  const lbl = istiodTarget(m);
  const pushes = (type: string, pieces: Array<[number, number]>): Series => ({
    labels: named(ISTIOD_METRICS.pushes, { ...lbl, type }),
    values: counter(pieces),
  });
  const healthyPushes = ['cds', 'eds', 'lds', 'rds'].map((t) => pushes(t, [[30, L]]));
  const errorsFrom = (start: number) =>
    counter([
      [0, start],
      [3, L - start],
    ]);
  const rateOf = (errors: number[]) => (t: number) => {
    const r = rateAt(errors, t, W);
    return r !== undefined && r > 0 ? r : undefined;
  };
  const out: TestCase[] = [
    ...rateIncident(ctx, T0, (start) => ({
      name: `istiod fails 3 eds pushes a minute from minute ${start}`,
      alert: 'PilotPushErrors',
      signal: 'push_send_errors',
      series: [...healthyPushes, { labels: named(ISTIOD_METRICS.pushes, { ...lbl, type: 'eds_senderr' }), values: errorsFrom(start) }],
      length: L,
      labels: { namespace: m.istioNs, type: 'eds_senderr' },
      value: rateOf(errorsFrom(start)),
    })),
    ...rateIncident(ctx, T0, (start) => ({
      name: `proxies NACK 3 configs a minute from minute ${start}`,
      alert: 'PilotPushErrors',
      signal: 'xds_rejects',
      series: [...healthyPushes, { labels: named(ISTIOD_METRICS.rejects, { ...lbl, type: 'lds' }), values: errorsFrom(start) }],
      length: L,
      labels: { namespace: m.istioNs },
      value: rateOf(errorsFrom(start)),
    })),
    ...rateIncident(ctx, T0, (start) => ({
      name: `istiod reports 3 internal errors a minute from minute ${start}`,
      alert: 'PilotPushErrors',
      signal: 'internal_errors',
      series: [...healthyPushes, { labels: named(ISTIOD_METRICS.internalErrors, lbl), values: errorsFrom(start) }],
      length: L,
      labels: { namespace: m.istioNs },
      value: rateOf(errorsFrom(start)),
    })),
  ];
  out.push(
    silentCase(
      'PilotPushErrors: silent while pushes succeed and error counters stay flat',
      ['PilotPushErrors'],
      [
        ...healthyPushes,
        pushes('eds_senderr', [[0, L]]),
        { labels: named(ISTIOD_METRICS.rejects, { ...lbl, type: 'lds' }), values: counter([[0, L]], 2) },
        { labels: named(ISTIOD_METRICS.internalErrors, lbl), values: counter([[0, L]]) },
      ],
      L,
    ),
  );
  out.push(silentCase('PilotPushErrors: silent with missing data', ['PilotPushErrors'], [], L));
  return out;
}

export function controlPlane(ctx: Ctx): TestCase[] {
  const { m } = ctx;
  const a = ctx.config.alerts.istioControlPlaneUnavailable;
  const T0 = 5;
  const L = T0 + minutes(a.for) + 5;
  const up = (i: number, pieces: Array<[Sample, number]>): Series => ({ labels: named('up', istiodTarget(m, i)), values: gauge(pieces) });
  const otherUp: Series = { labels: named('up', gatewayTarget(m, m.gw.client)), values: gauge([[1, L + 1]]) };
  const out: TestCase[] = [
    incidentCase(ctx, {
      name: `both istiod targets down from minute ${T0}`,
      alert: 'IstioControlPlaneUnavailable',
      signal: 'targets_down',
      series: [
        up(0, [
          [1, T0],
          [0, L + 1 - T0],
        ]),
        up(1, [
          [1, T0],
          [0, L + 1 - T0],
        ]),
        otherUp,
      ],
      length: L,
      labels: { namespace: m.istioNs, job: m.istiodJob },
      value: (t) => (t >= T0 ? 0 : undefined),
    }),
    incidentCase(ctx, {
      name: 'no istiod series at all',
      alert: 'IstioControlPlaneUnavailable',
      signal: 'absent',
      series: [otherUp],
      length: L,
      labels: { job: m.istiodJob },
      value: () => 1,
    }),
    incidentCase(ctx, {
      name: `istiod series vanish at minute ${T0} (deployment deleted, scrape config lost)`,
      alert: 'IstioControlPlaneUnavailable',
      signal: 'absent',
      series: [
        up(0, [
          [1, T0],
          ['stale', 1],
          [null, L - T0],
        ]),
        otherUp,
      ],
      length: L,
      labels: { job: m.istiodJob },
      value: (t) => (t >= T0 ? 1 : undefined),
    }),
  ];
  out.push(
    silentCase(
      'IstioControlPlaneUnavailable: silent while one of two istiod targets is down',
      ['IstioControlPlaneUnavailable'],
      [
        up(0, [
          [1, T0],
          [0, L + 1 - T0],
        ]),
        up(1, [[1, L + 1]]),
        otherUp,
      ],
      L,
    ),
  );
  return out;
}
